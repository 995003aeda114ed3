"""scikit-learn on the same respondents and features as benches/risk_500k.rs (called by it).

Usage: risk_sklearn.py DIR LAMBDA ROUNDS DEPTH LEARNING_RATE L2
DIR holds x_all.npy (every resident's features), resp.npy (respondent rows), y.npy, w.npy,
folds.npy, y_all.npy (true outcome per resident), holdout.npy (non-respondent rows).
Times fitting LogisticRegression (C = 1/LAMBDA on standardised features, sample weights) and
HistGradientBoostingClassifier (same rounds, depth, learning rate, L2, 64 bins, no early stopping)
on the respondents plus predicting every resident; best of 3. Prints JSON.
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

d = sys.argv[1]
lam, rounds, depth, lr, l2 = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
x_all = np.load(f"{d}/x_all.npy")
resp = np.load(f"{d}/resp.npy").astype(np.int64)
y = np.load(f"{d}/y.npy")
w = np.load(f"{d}/w.npy")
w = w * len(w) / w.sum()
folds = np.load(f"{d}/folds.npy").astype(np.int64)
y_all = np.load(f"{d}/y_all.npy")
hold = np.load(f"{d}/holdout.npy").astype(np.int64)
x = x_all[resp]


def models():
    lg = make_pipeline(StandardScaler(), LogisticRegression(C=1.0 / lam, max_iter=1000))
    gb = HistGradientBoostingClassifier(
        max_iter=rounds, learning_rate=lr, max_depth=depth, max_leaf_nodes=2**depth,
        l2_regularization=l2, max_bins=64, early_stopping=False, min_samples_leaf=20,
        random_state=0)
    return lg, gb


best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    lg, gb = models()
    lg.fit(x, y, logisticregression__sample_weight=w)
    gb.fit(x, y, sample_weight=w)
    p_lg = lg.predict_proba(x_all)[:, 1]
    p_gb = gb.predict_proba(x_all)[:, 1]
    best = min(best, time.perf_counter() - t)


def cv(which):
    aucs = []
    for k in range(5):
        tr, te = folds != k, folds == k
        m = models()[which]
        if which == 0:
            m.fit(x[tr], y[tr], logisticregression__sample_weight=w[tr])
        else:
            m.fit(x[tr], y[tr], sample_weight=w[tr])
        aucs.append(roc_auc_score(y[te], m.predict_proba(x[te])[:, 1]))
    return float(np.mean(aucs))


print(json.dumps({
    "time_s": best,
    "cv_auc_logistic": cv(0),
    "cv_auc_gbt": cv(1),
    "holdout_auc_logistic": float(roc_auc_score(y_all[hold], p_lg[hold])),
    "holdout_auc_gbt": float(roc_auc_score(y_all[hold], p_gb[hold])),
}))
