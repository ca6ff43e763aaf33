#!/usr/bin/env bash
# THE test command: installs what is missing, builds, runs every registered test, in three
# build trees, each with its own ctest run:
#   1. $FUZZ_DIR  (build-fuzz, clang): the libFuzzer target replays its seed corpus, then
#                 fuzzes for FUZZ_SECONDS (default 30); see scripts/fuzz.sh
#   2. $ASAN_DIR  (build-asan, g++ -DAGG_SANITIZE=ON, Debug): the whole suite under
#                 AddressSanitizer + UBSan, the server binary included
#   3. $BUILD_DIR (build, RelWithDebInfo): the whole suite as shipped
# SKIP_FUZZ=1 / SKIP_ASAN=1 leave out run 1 / run 2 (quicker local runs; CI runs all three).
# BUILD_DIR, BUILD_TYPE as for scripts/build.sh.
#
# The last line printed is one summary in ctest's own format, over all runs together:
# "100% tests passed, 0 tests failed out of N". Each run's own summary line is printed just
# before it. Keeping ctest's format (rather than ctest's last line of run 3 alone) means
# anything that reads the last line still parses it, and a failure in the sanitizer or fuzz
# run cannot hide behind a green last run. Exits 8 (ctest's code) when any test failed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-deps.sh

build_dir="${BUILD_DIR:-build}"
asan_dir="${ASAN_DIR:-build-asan}"
fuzz_dir="${FUZZ_DIR:-build-fuzz}"

runs=()       # "label|summary line|exit code" of each ctest run
status=0

# Runs ctest in $2 and records its summary under label $1; extra arguments go to ctest.
# -j1: the integration tests start real servers and time their answers; on a 2-core box
# parallel runs only add noise. --no-tests=error: a tree that registered no test fails.
run_ctest() {
  local label="$1" dir="$2"
  shift 2
  local log="$dir/ctest.log" code
  set +e
  ctest --test-dir "$dir" --output-on-failure -j1 --timeout 600 --no-tests=error "$@" 2>&1 \
    | tee "$log"
  code=${PIPESTATUS[0]}
  set -e
  runs+=("$label|$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1 || true)|$code")
  if [[ $code -ne 0 ]]; then
    status=$code
  fi
}

if [[ "${SKIP_FUZZ:-0}" != 1 ]]; then
  cmake -S . -B "$fuzz_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAGG_BUILD_FUZZ=ON -DAGG_BUILD_TESTS=OFF \
    -DAGG_FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
  cmake --build "$fuzz_dir" -j "$(nproc)" --target publish_decoder_fuzz
  run_ctest fuzz "$fuzz_dir"
fi

if [[ "${SKIP_ASAN:-0}" != 1 ]]; then
  BUILD_DIR="$asan_dir" BUILD_TYPE=Debug bash scripts/build.sh -DAGG_SANITIZE=ON
  # As in the asan preset: any report fails the test (halt/abort), leaks included.
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" run_ctest asan "$asan_dir"
fi

# The main build also builds the benchmark programs, for the bench smoke test.
bash scripts/build.sh -DAGG_BUILD_BENCH=ON
run_ctest main "$build_dir"

passed=0
failed=0
total=0
missing=""
echo
for run in "${runs[@]}"; do
  IFS='|' read -r label summary code <<<"$run"
  echo "$label: ${summary:-ctest printed no summary (exit code $code)}"
  if [[ "$summary" =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=$((failed + BASH_REMATCH[1]))
    total=$((total + BASH_REMATCH[2]))
  else
    missing+=" $label"
  fi
done
passed=$((total - failed))
if [[ -n "$missing" ]]; then
  echo "ctest printed no summary for:$missing (exit code $status)"
else
  # ctest's rounding: to the nearest percent, but never 100% while a test failed.
  percent=$(((passed * 100 + total / 2) / (total > 0 ? total : 1)))
  if [[ $failed -gt 0 && $percent -gt 99 ]]; then
    percent=99
  fi
  echo "$percent% tests passed, $failed tests failed out of $total"
fi
exit "$status"
