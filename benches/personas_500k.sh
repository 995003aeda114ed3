#!/usr/bin/env bash
# Personas on 500,000 residents: our stage and k-means, then scikit-learn's KMeans on the same
# matrix (same K and n_init), with the time ratio.
# Usage: benches/personas_500k.sh [STUDY_DIR]   (from the repository root; without a folder a
# 500k municipality is generated). Needs: cargo; python3 with numpy and scikit-learn.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
STUDY_ARGS=()
if [ $# -ge 1 ]; then STUDY_ARGS=(--study "$1"); fi

cargo bench --quiet --bench personas_500k -- --json --npy "$OUT/matrix.npy" "${STUDY_ARGS[@]}" >"$OUT/ours.json"
K=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['k'])" "$OUT/ours.json")
N_INIT=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['n_init'])" "$OUT/ours.json")
python3 benches/personas_sklearn.py "$OUT/matrix.npy" "$K" "$N_INIT" 3 >"$OUT/sklearn.json"

python3 - "$OUT/ours.json" "$OUT/sklearn.json" <<'PY'
import json, sys
ours, sk = (json.load(open(p)) for p in sys.argv[1:3])
print(f"residents {ours['residents']}, encoded columns {ours['cols']}, K {ours['k']}, n_init {ours['n_init']}")
print(f"ingest {ours['ingest_s']:.2f} s, linkage {ours['link_s']:.2f} s, feature table {ours['features_s']:.3f} s")
print(f"persona stage incl. choice of K: {ours['persona_stage_s']:.2f} s (target < 20 s)")
print(f"{'k-means':<12}{'wall s':>10}{'CPU s':>10}{'iterations':>12}{'inertia':>14}")
print(f"{'ours':<12}{ours['kmeans_s']:>10.3f}{ours['kmeans_cpu_s']:>10.2f}{ours['kmeans_iterations']:>12}{ours['kmeans_inertia']:>14.1f}")
print(f"{'sklearn':<12}{sk['seconds']:>10.3f}{sk['cpu_seconds']:>10.2f}{sk['iterations']:>12}{sk['inertia']:>14.1f}")
print(f"time ratio scikit-learn / ours: wall {sk['seconds'] / ours['kmeans_s']:.1f}x, "
      f"CPU {sk['cpu_seconds'] / max(ours['kmeans_cpu_s'], 0.01):.1f}x (target >= 2x)")
PY
