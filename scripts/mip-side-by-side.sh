#!/usr/bin/env bash
# The MIP with and without some MIPTuning switches, side by side on the full preset's sizes (every tightness, five
# seeds), one policy; then the comparison per size (scripts/mip-times-compare.py).
#
#   scripts/mip-side-by-side.sh [POLICY] [SWITCHES] [OUT]
#     POLICY    None (default) or PriorityExhaustive, …
#     SWITCHES  MIPTuning switches the "before" run turns off (default: choiceRelaxation)
#     OUT       folder for the tables (default: .build-results/side-by-side-POLICY)
#
# Needs a release build: swift build -c release --product inferno-bench. Takes 30–60 minutes on 2 cores.
set -euo pipefail
policy="${1:-None}"
switches="${2:-choiceRelaxation}"
out="${3:-.build-results/side-by-side-$policy}"
bench="${BENCH:-.build/release/inferno-bench}"
mkdir -p "$out"
for size in 10:3 100:6 500:9 2000:9 5000:12 10000:9; do
    servers="${size%%:*}" types="${size##*:}"
    "$bench" mip-times --servers "$servers" --types "$types" --tightness 0.5,0.8,1.0,1.2,1.5 --seeds 5 \
        --policy "$policy" --beside "$switches" --stages > "$out/$servers.txt" 2>&1
done
cat "$out"/*.txt | python3 "$(dirname "$0")/mip-times-compare.py" | tee "$out/compare.md"
