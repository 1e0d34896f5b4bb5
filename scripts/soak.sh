#!/usr/bin/env bash
# The simulation soak (issue 12, docs/robustness.md): CYCLES (default 10,000) cycles of the built-in scenario, its
# 30 minutes of load played again and again (--repeat-load), with the process's resident memory (VmRSS) printed
# every 1,000 cycles by `simulate --progress-every`. Further arguments go to `simulate`: `--no-record` keeps no
# time series, so that memory measures the loop alone. Release build unless CONFIG=debug; SCRATCH names another
# build directory (default .build).
#   scripts/soak.sh [CYCLES] [simulate options...]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-10000}
shift || true
config=${CONFIG:-release}
scratch=${SCRATCH:-.build}
swift build -c "$config" --scratch-path "$scratch" --product inferno-controller >&2
bin="$(swift build -c "$config" --scratch-path "$scratch" --show-bin-path)/inferno-controller"
echo "soak: inferno-controller simulate --quiet --repeat-load --cycles $cycles --progress-every 1000 $*"
"$bin" simulate --quiet --repeat-load --cycles "$cycles" --progress-every 1000 "$@" 2>&1
