"""scikit-learn's KMeans on the persona matrix exported by benches/personas_500k.rs.

Usage: python3 benches/personas_sklearn.py MATRIX.npy K N_INIT [RUNS]
Prints one JSON line: best-of-RUNS fit time (wall and CPU, all threads), inertia and iterations. Needs numpy and scikit-learn.
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans

path, k, n_init = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
X = np.load(path)
best, best_cpu, fit = float("inf"), float("inf"), None
for r in range(runs):
    t, c = time.perf_counter(), time.process_time()
    fit = KMeans(n_clusters=k, n_init=n_init, init="k-means++", random_state=r).fit(X)
    best = min(best, time.perf_counter() - t)
    best_cpu = min(best_cpu, time.process_time() - c)
print(json.dumps({"tool": "scikit-learn %s KMeans (lloyd)" % __import__("sklearn").__version__,
                  "rows": X.shape[0], "cols": X.shape[1], "dtype": str(X.dtype), "k": k,
                  "n_init": n_init, "seconds": round(best, 3), "cpu_seconds": round(best_cpu, 2), "inertia": round(float(fit.inertia_), 1),
                  "iterations": int(fit.n_iter_)}))
