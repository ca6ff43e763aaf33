#!/usr/bin/env bash
# Overload bench: finds the sustainable publish rate (8 closed-loop publishers, singles and
# batches of 2-50 with duplicates), then offers FACTOR times that rate open loop (256 clients)
# and prints for both: requests sent / acknowledged / refused per second, Retry-After on every
# refusal, accepted latency p50/p99/max, server RSS range; finally checks that every
# acknowledged event is stored exactly once. The load generator shares the machine: read the
# figures as relative.
#   scripts/chaos-overload.sh [SECONDS_PER_PHASE] [FACTOR]   (default 10, 4)
#   AGG_OVERLOAD_ARGS="..."   extra server options, e.g. "--sync full --max-inflight-events 2000"
# On a small machine the load generator itself may not reach FACTOR x a fast server's rate (see
# "sends late" in the output); --sync full lowers the server's rate so the overload is real.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
binary="$build_dir/tests/integration_tests"
if [[ ! -x "$binary" ]]; then
  echo "chaos-overload: $binary not found; run scripts/build.sh first" >&2
  exit 1
fi
AGG_OVERLOAD_SECONDS="${1:-10}" AGG_OVERLOAD_FACTOR="${2:-4}" exec "$binary" \
  "overload bench: the sustainable load and then several times it"
