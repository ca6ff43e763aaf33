#!/usr/bin/env bash
# Installs what is missing, builds, and starts the server in the foreground
# (127.0.0.1:8080, data in ./data). Arguments are passed to the server, e.g.
#   bash scripts/run.sh --port 9090 --sync full
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-deps.sh
# Only the server: the tests are scripts/test.sh's business and take longer to compile.
BUILD_TARGET=event-aggregator bash scripts/build.sh

exec "${BUILD_DIR:-build}/event-aggregator" --data-dir ./data "$@"
