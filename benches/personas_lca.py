"""Latent class analysis (LCA) against k-means on the random persona sets (research script).

Reads the feature tables that `cargo bench --bench personas_generalise -- --cache DIR
[--only-cache]` writes (one `.json` with names and planted labels, one `.f64` matrix per study),
discretises the register features into categorical variables and fits a latent class model
(a mixture of independent categorical distributions, EM with k-means starts and a small Dirichlet
prior), then prints the adjusted Rand index (ARI) against the planted personas and the share of
planted personas of >= 2% of the residents that are the majority of some found class.

    python benches/personas_lca.py --cache DIR [--residents 40000] [--seeds 1-20]
                                   [--all-k] [--restarts 4]

Without `--all-k` it fits the planted K only (how well the model separates the personas when K is
right); with `--all-k` it fits K = 4..12 and prints log-likelihood, BIC and ICL per K (how well K
can be chosen). Needs numpy and scikit-learn (for the k-means starts and the ARI).
"""

import argparse
import json
import statistics
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

FLAGS = [
    "minimaregeling",
    "wmo_any",
    "household_member_wmo",
    "household_member_benefit",
    "household_older_generation",
    "household_younger_generation",
    "debt_counselling_any",
    "parenting_support_active",
    "recently_divorced",
    "recently_widowed",
]


def load(cache, residents, seed):
    base = f"{cache}/zoetermeer-n{residents}-s{seed}-noise1"
    ids, _wijk, _wijken, feats, planted, _shares = json.load(open(base + ".json"))
    names = [f["name"] for f in feats]
    x = np.fromfile(base + ".f64", dtype="<f8").reshape(len(ids), len(names))
    return {nm: x[:, j] for j, nm in enumerate(names)}, np.array(planted), names


def variables(c, names):
    """Integer-coded categorical variables: age and income in bands, the one-hot groups, flags."""
    def group(prefix):
        cols = [nm for nm in names if nm.startswith(prefix + "=")]
        return np.column_stack([c[k] for k in cols]).argmax(1)

    out = [
        np.digitize(c["age"], [25, 35, 45, 55, 65, 75, 85]),
        np.digitize(c["income_percentile"], [20, 40, 60, 80]),
        group("huishouden"),
        group("burgerlijke_staat"),
        group("herkomst"),
        group("inkomensbron"),
    ]
    out += [c[f].astype(int) for f in FLAGS if f in c]
    return out


def indicator_matrix(vs):
    blocks, sizes = [], []
    for v in vs:
        m = np.zeros((len(v), int(v.max()) + 1), dtype=np.float64)
        m[np.arange(len(v)), v] = 1.0
        m = m[:, m.sum(0) > 0]
        blocks.append(m)
        sizes.append(m.shape[1])
    return np.hstack(blocks), sizes


def em(x, sizes, resp, iters, tol, prior=0.1):
    bounds = np.cumsum([0] + sizes)
    ll_old = -np.inf
    for _ in range(iters):
        nk = resp.sum(0) + 1e-9
        counts = resp.T @ x + prior
        logt = np.empty_like(counts)
        for a, b in zip(bounds[:-1], bounds[1:]):
            logt[:, a:b] = np.log(counts[:, a:b] / counts[:, a:b].sum(1, keepdims=True))
        lik = x @ logt.T + np.log(nk / nk.sum())
        top = lik.max(1, keepdims=True)
        p = np.exp(lik - top)
        s = p.sum(1, keepdims=True)
        ll = float((top[:, 0] + np.log(s[:, 0])).sum())
        resp = p / s
        if ll - ll_old < tol * abs(ll):
            break
        ll_old = ll
    params = (resp.shape[1] - 1) + resp.shape[1] * sum(g - 1 for g in sizes)
    return ll, resp, params


def fit(x, sizes, k, seed, restarts):
    best = None
    for r in range(restarts):
        lab = KMeans(k, n_init=1, random_state=seed * 100 + r, max_iter=20).fit_predict(x)
        resp = np.full((x.shape[0], k), 0.1 / k)
        resp[np.arange(len(lab)), lab] += 0.9
        cand = em(x, sizes, resp, 30, 1e-6)
        if best is None or cand[0] > best[0]:
            best = cand
    return em(x, sizes, best[1], 300, 1e-7)


def majority(planted, found):
    total = ok = 0
    for q in range(planted.max() + 1):
        if (planted == q).mean() >= 0.02:
            total += 1
            ok += any(
                ((planted == q) & (found == f)).sum() * 2 > (found == f).sum()
                for f in np.unique(found)
            )
    return ok, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--residents", type=int, default=40000)
    ap.add_argument("--seeds", default="1-20")
    ap.add_argument("--restarts", type=int, default=4)
    ap.add_argument("--all-k", action="store_true")
    a = ap.parse_args()
    lo, hi = (int(v) for v in a.seeds.split("-"))
    aris, ok, total = [], 0, 0
    for seed in range(lo, hi + 1):
        c, planted, names = load(a.cache, a.residents, seed)
        x, sizes = indicator_matrix(variables(c, names))
        k0 = planted.max() + 1
        t = time.time()
        ks = range(4, 13) if a.all_k else [k0]
        for k in ks:
            ll, resp, params = fit(x, sizes, k, seed, a.restarts)
            found = resp.argmax(1)
            ari = adjusted_rand_score(planted, found)
            bic = -2 * ll + params * np.log(len(planted))
            icl = bic - 2 * float((resp * np.log(resp + 1e-12)).sum())
            if k == k0:
                m = majority(planted, found)
                aris.append(ari)
                ok, total = ok + m[0], total + m[1]
            print(f"set {seed} planted {k0} K {k} ARI {ari:.3f} logL {ll:.0f} BIC {bic:.0f} "
                  f"ICL {icl:.0f} {time.time() - t:.0f}s", flush=True)
    q = np.percentile(aris, [25, 75])
    print(f"at the planted K: median ARI {statistics.median(aris):.3f} "
          f"(quartiles {q[0]:.3f}-{q[1]:.3f}, min {min(aris):.3f}); "
          f"majority {ok}/{total} ({100 * ok / max(total, 1):.1f}%)")


if __name__ == "__main__":
    main()
