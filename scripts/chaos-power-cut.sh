#!/usr/bin/env bash
# Power-loss test: N rounds (default 20) of each power-cut test against the real binary
# (tests/support/power_cut.hpp: the server frozen, every byte not yet fsynced rolled back,
# then killed): --sync full must lose no acknowledged event; --sync normal only events
# acknowledged after its last WAL fsync began, within --sync-interval-ms of the cut, at full
# load and at a trickle. Every round checks that the store opens, passes PRAGMA quick_check,
# stores nothing unsent or twice, and still deduplicates. CI runs the same tests with 3 rounds.
#   scripts/chaos-power-cut.sh [ROUNDS]     AGG_POWER_CUT_SEED=<n> repeats a run; BUILD_DIR=build
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
rounds="${1:-20}"
binary="$build_dir/tests/integration_tests"
if [[ ! -x "$binary" ]]; then
  echo "chaos-power-cut: $binary not found; run scripts/build.sh first" >&2
  exit 1
fi
echo "chaos-power-cut: $rounds rounds per test${AGG_POWER_CUT_SEED:+, seed $AGG_POWER_CUT_SEED}"
AGG_POWER_CUT_ROUNDS="$rounds" exec "$binary" --durations yes "[power_cut]"
