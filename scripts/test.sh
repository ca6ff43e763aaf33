#!/usr/bin/env bash
# THE test command: installs what is missing, builds, runs every registered test.
# Prints nothing after ctest and exits with ctest's code (8 when a test fails).
#   BUILD_DIR, BUILD_TYPE  as for scripts/build.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-deps.sh
bash scripts/build.sh

# -j1: the integration tests start real servers and time their answers; on a 2-core box
# parallel runs only add noise. --no-tests=error: a build that registered no test is a failure,
# not a green run.
exec ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j1 --timeout 600 \
  --no-tests=error
