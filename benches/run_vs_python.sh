#!/usr/bin/env bash
# `loneliness run` against the reference Python pipeline (../shared/bench/python_pipeline.py:
# pandas, Splink, scikit-learn) on the same synthetic study, in the same run: both wall times,
# both peak memories (maximum resident set size from /usr/bin/time -v) and the ratios.
#
#   benches/run_vs_python.sh [RESIDENTS] [RUNS]        # defaults: 500000 residents, 1 run
#
# Environment:
#   PYREF     the Python venv with pandas, numpy, scikit-learn and splink (default /work/pyref;
#             made once with `python3 -m venv $PYREF && $PYREF/bin/pip install pandas numpy
#             scikit-learn splink`)
#   PROFILE   synth profile (default zoetermeer), SEED (default 11)
#   KEEP_DIR  keep the study and outputs in this folder instead of a temporary one
#
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for the Python command only (set on some
# machines, they slow numpy down and would flatter us).
set -euo pipefail

RESIDENTS=${1:-500000}
RUNS=${2:-1}
PYREF=${PYREF:-/work/pyref}
PROFILE=${PROFILE:-zoetermeer}
SEED=${SEED:-11}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PIPELINE=${PIPELINE:-$HERE/../shared/bench/python_pipeline.py}

[ -x "$PYREF/bin/python" ] || {
  echo "no Python venv at $PYREF: python3 -m venv $PYREF && $PYREF/bin/pip install pandas numpy scikit-learn splink (or set PYREF)" >&2
  exit 2
}
[ -f "$PIPELINE" ] || { echo "reference pipeline not found: $PIPELINE (set PIPELINE)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed for the peak memory" >&2; exit 2; }

(cd "$HERE" && cargo build --release --quiet)
BIN=$HERE/target/release/loneliness

if [ -n "${KEEP_DIR:-}" ]; then
  DIR=$KEEP_DIR
  mkdir -p "$DIR"
else
  DIR=$(mktemp -d)
  trap 'rm -rf "$DIR"' EXIT
fi

"$BIN" synth --out "$DIR/study" --truth "$DIR/truth" --residents "$RESIDENTS" \
  --seed "$SEED" --profile "$PROFILE" >/dev/null

# Wall seconds and peak MB of one command, from /usr/bin/time -v.
measure() {
  local log=$1
  shift
  /usr/bin/time -v "$@" >"$log.out" 2>"$log.time" || {
    echo "failed: $*" >&2
    tail -20 "$log.time" >&2
    exit 1
  }
  local wall peak
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
      n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$log.time")
  peak=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$log.time")
  echo "$wall $peak"
}

printf '%-4s %12s %10s %12s %10s %8s %8s\n' run "ours s" "ours MB" "python s" "python MB" "time x" "memory x"
for r in $(seq 1 "$RUNS"); do
  read -r ours_s ours_mb < <(measure "$DIR/ours$r" "$BIN" run "$DIR/study" --out "$DIR/out$r")
  read -r py_s py_mb < <(measure "$DIR/python$r" \
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PYREF/bin/python" "$PIPELINE" "$DIR/study")
  awk -v r="$r" -v a="$ours_s" -v b="$ours_mb" -v c="$py_s" -v d="$py_mb" 'BEGIN {
    printf "%-4s %12.1f %10d %12.1f %10d %8.2f %8.2f\n", r, a, b, c, d, c / a, d / b }'
done
echo "study: $RESIDENTS residents ($PROFILE, seed $SEED); ratios are python / ours (higher is better for us)"
