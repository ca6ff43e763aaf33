#!/usr/bin/env bash
# Crash test: N rounds (default 20) of full concurrent publishing load (6 threads, singles and
# batches, duplicates within and across rounds) against one database, each ended by kill -9 at
# a random moment; after each restart every acknowledged event must be stored exactly once,
# nothing unsent stored, and the counters must agree. CI runs the same test with 3 rounds.
#   scripts/chaos-kill9.sh [ROUNDS]         AGG_CHAOS_SEED=<n> repeats a run; BUILD_DIR=build
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
rounds="${1:-20}"
binary="$build_dir/tests/integration_tests"
if [[ ! -x "$binary" ]]; then
  echo "chaos-kill9: $binary not found; run scripts/build.sh first" >&2
  exit 1
fi
echo "chaos-kill9: $rounds rounds${AGG_CHAOS_SEED:+, seed $AGG_CHAOS_SEED}"
AGG_CHAOS_ROUNDS="$rounds" exec "$binary" --durations yes \
  "kill -9 at random moments under concurrent load*"
