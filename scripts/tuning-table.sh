#!/usr/bin/env bash
# The table of docs/tuning.md: the built-in scenario at profile errors 0.67, 1.0, 1.5 and 2.0 (servers that many
# times slower than their profiles say), the controller with tuning off, on, and told the true profile (oracle).
# Usage: scripts/tuning-table.sh [path to inferno-controller [scenario]] (default: the release build, the built-in
# scenario). Needs jq.
set -euo pipefail
bin=${1:-.build/release/inferno-controller}
scenario=${2:-built-in}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| profile error | controller | Premium | Freemium | mean cost /h | scale events (per hour) | cycles to 10%: coefficients / predictions (llama, granite, mixtral, qwen) |"
echo "|---|---|---|---|---|---|---|"
for error in 0.67 1.0 1.5 2.0; do
  for mode in off on oracle; do
    args=(--scenario "$scenario" --profile-error "$error" --quiet --output "$out/$error-$mode")
    case $mode in
      off) args+=(--tuning off) ;;
      on) args+=(--tuning on) ;;
      oracle) args+=(--tuning off --oracle-profile) ;;
    esac
    "$bin" simulate "${args[@]}" > /dev/null
    jq -r --arg e "$error" --arg m "$mode" '
      def pct(c): (.attainment[] | select(.serviceClass == c) | .attainment * 100 | . * 100 | round / 100 | tostring) + "%";
      def cyc(x): if x == null then "never" else (x | tostring) end;
      "| \($e) | \(if $m == "oracle" then "told the truth" else "tuning " + $m end) | \(pct("Premium")) | \(pct("Freemium")) | \(.meanCostPerHour * 10 | round / 10) | \(.scaleUps + .scaleDowns) (\(.scaleEventsPerHour | round)) | \(if (.tuning | length) == 0 then "—" else ([.tuning[] | cyc(.cyclesToCoefficients) + "/" + cyc(.cyclesToPredictions)] | join(", ")) end) |"
    ' "$out/$error-$mode/summary.json"
  done
done
