#!/usr/bin/env bash
# Publish-to-subscriber latency of GET /subscribe (docs/BENCHMARKS.md, "Subscriptions"):
# a fresh server and store, SUBSCRIBERS streams on one topic, RATE events/s published in
# batches of BATCH for DURATION s after WARMUP s.
#
#   bash bench/subscribe_latency.sh                       # 10 subscribers, 10,000 events/s, 10 s
#   SUBSCRIBERS=200 RATE=10000 bash bench/subscribe_latency.sh
#   SKIP_BUILD=1 BUILD_DIR=build-bench bash bench/subscribe_latency.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUBSCRIBERS=${SUBSCRIBERS:-10}
RATE=${RATE:-10000}
BATCH=${BATCH:-100}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
LATENCY_BIN=${LATENCY_BIN:-$BUILD_DIR/bench/subscribe_latency}

mkdir -p "$BUILD_DIR"
build
[[ -x $LATENCY_BIN ]] || die "$LATENCY_BIN is missing (configure with -DAGG_BUILD_BENCH=ON)"
work=$(mktemp -d /tmp/agg-sub-bench.XXXXXX)
trap 'stop_server; rm -rf "$work"' EXIT
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
start_server "$work/data"
log "server $SERVER_PID on port $SERVER_PORT; $SUBSCRIBERS subscribers, $RATE events/s in batches of $BATCH"
"$LATENCY_BIN" --port "$SERVER_PORT" --subscribers "$SUBSCRIBERS" --rate "$RATE" \
  --batch "$BATCH" --seconds "$DURATION" --warmup "$WARMUP"
log "server peak RSS: $(awk '/VmHWM/ { print $2, $3 }' "/proc/$SERVER_PID/status")"
