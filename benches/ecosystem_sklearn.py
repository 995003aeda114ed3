"""scikit-learn's side of benches/ecosystem_500k.rs (called by it, in the same run).

Usage: python3 benches/ecosystem_sklearn.py DIR RUNS
DIR holds what the bench exported (absent parts are skipped):
  k-means: matrix.npy (float32, the persona matrix), kmeans.json {"k", "n_init"},
           truth_persona.npy (true persona per row), ours_labels.npy (our run-1 labels)
  tree:    tree_x.npy (train rows then hold-out rows), tree_y.npy, tree.json {"n_train", ...}
  gbt:     x_all.npy, resp.npy, y.npy, w.npy, folds.npy, y_all.npy, holdout.npy and gbt.json
           {"rounds", "depth", "learning_rate", "l2"}, as benches/risk_sklearn.py reads them.
Settings follow benches/personas_sklearn.py (KMeans) and benches/risk_sklearn.py
(HistGradientBoostingClassifier). Wall time (perf_counter) and CPU time (process_time, all
threads) of every run. Inertia and hold-out predictions are computed in float64.
Prints one JSON object.
"""
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import adjusted_rand_score, roc_auc_score
from sklearn.tree import DecisionTreeClassifier

d, runs = sys.argv[1], int(sys.argv[2])
out = {"version": sklearn.__version__}


def timed(f):
    t, c = time.perf_counter(), time.process_time()
    r = f()
    return r, time.perf_counter() - t, time.process_time() - c


if os.path.exists(f"{d}/kmeans.json"):
    cfg = json.load(open(f"{d}/kmeans.json"))
    X = np.load(f"{d}/matrix.npy")
    X64 = X.astype(np.float64)
    truth = np.load(f"{d}/truth_persona.npy")
    ours = np.load(f"{d}/ours_labels.npy")
    rows = []
    for r in range(runs):
        km = KMeans(n_clusters=cfg["k"], n_init=cfg["n_init"], init="k-means++", random_state=r)
        fit, wall, cpu = timed(lambda: km.fit(X))
        c = fit.cluster_centers_.astype(np.float64)
        inertia = float(((X64 - c[fit.labels_]) ** 2).sum())
        rows.append({"wall_s": wall, "cpu_s": cpu, "inertia": inertia,
                     "iterations": int(fit.n_iter_),
                     "ari_truth": adjusted_rand_score(truth, fit.labels_),
                     "ari_ours": adjusted_rand_score(ours, fit.labels_)})
    out["kmeans"] = rows

if os.path.exists(f"{d}/tree.json"):
    cfg = json.load(open(f"{d}/tree.json"))
    X = np.load(f"{d}/tree_x.npy")
    y = np.load(f"{d}/tree_y.npy").astype(np.int64)
    n = cfg["n_train"]
    rows = []
    for r in range(runs):
        m = DecisionTreeClassifier(criterion="gini", max_depth=cfg["max_depth"],
                                   min_samples_leaf=cfg["min_leaf"], random_state=r)

        def fit_predict():
            m.fit(X[:n], y[:n])
            return m.predict(X[n:])
        pred, wall, cpu = timed(fit_predict)
        rows.append({"wall_s": wall, "cpu_s": cpu, "accuracy": float((pred == y[n:]).mean())})
    out["tree"] = rows

if os.path.exists(f"{d}/gbt.json"):
    cfg = json.load(open(f"{d}/gbt.json"))
    x_all = np.load(f"{d}/x_all.npy")
    resp = np.load(f"{d}/resp.npy").astype(np.int64)
    y = np.load(f"{d}/y.npy")
    w = np.load(f"{d}/w.npy")
    w = w * len(w) / w.sum()
    folds = np.load(f"{d}/folds.npy").astype(np.int64)
    y_all = np.load(f"{d}/y_all.npy")
    hold = np.load(f"{d}/holdout.npy").astype(np.int64)
    x = x_all[resp]

    def model():
        # As benches/risk_sklearn.py: same rounds, depth, learning rate, L2, 64 bins, no early stop.
        return HistGradientBoostingClassifier(
            max_iter=cfg["rounds"], learning_rate=cfg["learning_rate"], max_depth=cfg["depth"],
            max_leaf_nodes=2 ** cfg["depth"], l2_regularization=cfg["l2"], max_bins=64,
            early_stopping=False, min_samples_leaf=20, random_state=0)

    def cv_auc():
        aucs = []
        for k in range(5):
            tr, te = folds != k, folds == k
            m = model().fit(x[tr], y[tr], sample_weight=w[tr])
            aucs.append(roc_auc_score(y[te], m.predict_proba(x[te])[:, 1]))
        return float(np.mean(aucs))

    rows = []
    for r in range(runs):
        def fit_predict():
            m = model().fit(x, y, sample_weight=w)
            return m.predict_proba(x_all)[:, 1]
        p, wall, cpu = timed(fit_predict)
        rows.append({"wall_s": wall, "cpu_s": cpu,
                     "holdout_auc": float(roc_auc_score(y_all[hold], p[hold]))})
    out["gbt"] = {"runs": rows, "cv_auc": cv_auc()}

print(json.dumps(out))
