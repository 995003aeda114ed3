#!/usr/bin/env bash
# FEBRL4: our generic linker and Splink in the same run, side by side, with the time ratio.
# Usage: benches/link_febrl.sh [DATA_DIR] [RUNS]   (from the repository root)
# Needs: cargo; python3 with splink (`pip install splink`). Without splink, ours is still printed
# next to the anchor measured in DATA_DIR/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/data/febrl}"
RUNS="${2:-3}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

cargo bench --quiet --bench link_febrl -- --json --runs "$RUNS" --data "$DATA" >"$OUT/ours.json"
cargo bench --quiet --bench link_febrl -- --json --runs "$RUNS" --data "$DATA" \
  --config benches/febrl4_splink_model.toml >"$OUT/same_model.json"
if python3 -c "import splink" 2>/dev/null; then
  python3 benches/splink_febrl4.py "$DATA" "$RUNS" >"$OUT/splink.json" 2>"$OUT/splink.log"
else
  echo '{"tool": "splink (not installed: README anchor)", "pairs_scored": 31956, "true_pairs_reached": 4999, "precision": 1.0, "recall": 0.9982, "f1": 0.9991, "best_f1": 0.9996, "seconds_median": 3.68}' >"$OUT/splink.json"
fi

python3 - "$OUT/ours.json" "$OUT/splink.json" "$OUT/same_model.json" <<'EOF'
import json, sys
ours, theirs, same = (json.load(open(p)) for p in sys.argv[1:4])
rows = [("pairs scored", "pairs_scored", "{}"), ("true pairs reached", "true_pairs_reached", "{}"),
        ("precision @0.5", "precision", "{:.4f}"), ("recall @0.5", "recall", "{:.4f}"),
        ("F1 @0.5", "f1", "{:.4f}"), ("best F1", "best_f1", "{:.4f}"),
        ("time, median (s)", "seconds_median", "{:.3f}")]
print(f"{'FEBRL4':<22}{'loneliness':>14}{'same model as Splink':>22}{theirs['tool'][:30]:>32}")
for label, key, fmt in rows:
    print(f"{label:<22}{fmt.format(ours[key]):>14}{fmt.format(same[key]):>22}{fmt.format(theirs[key]):>32}")
print(f"{'one-to-one links F1':<22}{ours['linked_f1']:>14.4f}{same['linked_f1']:>22.4f}")
print("(loneliness: benches/febrl4.toml, the demo model plus swapped-name comparisons; same model:")
print(" benches/febrl4_splink_model.toml. Precision/recall/F1 are pairwise at p >= 0.5, as Splink reports.)")
ratio = theirs["seconds_median"] / ours["seconds_median"]
print(f"time ratio: Splink / ours = {ratio:.1f}x (target >= 5x); F1 ours - Splink = {ours['f1'] - theirs['f1']:+.4f}")
EOF
