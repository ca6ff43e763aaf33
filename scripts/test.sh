#!/usr/bin/env bash
# THE test command: installs what is missing, builds, runs every registered test.
# Exits with ctest's code (8 when a test fails); the last line printed is ctest's summary
# ("100% tests passed, 0 tests failed out of N"), repeated after its trailing lines.
#   BUILD_DIR, BUILD_TYPE  as for scripts/build.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-deps.sh
bash scripts/build.sh

# -j1: the integration tests start real servers and time their answers; on a 2-core box
# parallel runs only add noise. --no-tests=error: a build that registered no test is a failure,
# not a green run.
log="${BUILD_DIR:-build}/ctest.log"
set +e
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j1 --timeout 600 \
  --no-tests=error 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary="$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1 || true)"
echo
echo "${summary:-ctest printed no summary (exit code $status)}"
exit "$status"
