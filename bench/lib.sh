# Shared helpers of bench/run.sh and bench/growth.sh (sourced, not run).
# shellcheck shell=bash disable=SC2034  # variables set here are read by the scripts that source it

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(dirname "$BENCH_DIR")
BUILD_DIR=${BUILD_DIR:-$ROOT_DIR/build-bench}
SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/event-aggregator}
CEILING_BIN=${CEILING_BIN:-$BUILD_DIR/bench/storage_ceiling}
HTTP_CEILING_BIN=${HTTP_CEILING_BIN:-$BUILD_DIR/bench/http_ceiling}
CLK_TCK=$(getconf CLK_TCK)

SERVER_PID=""
SERVER_PORT=""
SERVER_LOG=""
SAMPLER_PID=""

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Release build with the bench programs, in BUILD_DIR (never build/). SKIP_BUILD=1 skips it.
build() {
  if [[ ${SKIP_BUILD:-0} == 1 ]]; then
    [[ -x $SERVER_BIN && -x $CEILING_BIN && -x $HTTP_CEILING_BIN ]] \
      || die "SKIP_BUILD=1 but $SERVER_BIN, $CEILING_BIN or $HTTP_CEILING_BIN is missing"
    return
  fi
  log "building (Release) in $BUILD_DIR"
  cmake -S "$ROOT_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DAGG_BUILD_TESTS=OFF -DAGG_BUILD_BENCH=ON >"$BUILD_DIR/bench-configure.log" 2>&1 \
    || { cat "$BUILD_DIR/bench-configure.log" >&2; die "cmake configure failed"; }
  cmake --build "$BUILD_DIR" >"$BUILD_DIR/bench-build.log" 2>&1 \
    || { tail -n 40 "$BUILD_DIR/bench-build.log" >&2; die "build failed"; }
}

# start_server DATA_DIR [extra server args...]: starts the server on a free port (--port 0),
# waits until /healthz answers; sets SERVER_PID, SERVER_PORT, SERVER_LOG and
# SERVER_START_S (seconds from spawn to the first 200 on /healthz).
start_server() {
  local data_dir=$1
  shift
  SERVER_LOG=$data_dir.log
  : >"$SERVER_LOG" # before the spawn: the background child opens it only later
  local t0 t1
  t0=$(date +%s.%N)
  # SERVER_ARGS (env) is split into words on purpose: "--sync full --shards 2".
  # shellcheck disable=SC2086
  "$SERVER_BIN" --host 127.0.0.1 --port 0 --data-dir "$data_dir" ${SERVER_ARGS:-} "$@" \
    2>"$SERVER_LOG" &
  SERVER_PID=$!
  SERVER_PORT=""
  local i
  for ((i = 0; i < 6000; i++)); do # up to 60 s: a large store opens slower
    if [[ -z $SERVER_PORT ]]; then
      SERVER_PORT=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$SERVER_LOG" | head -n 1)
    fi
    if [[ -n $SERVER_PORT ]] && curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$SERVER_PORT/healthz"; then
      t1=$(date +%s.%N)
      SERVER_START_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; die "the server exited at start"; }
    sleep 0.01
  done
  cat "$SERVER_LOG" >&2
  die "the server did not answer /healthz within 60 s"
}

# stop_server: SIGTERM (lets the pending commit finish), SIGKILL after 15 s.
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 150; i++)); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server $SERVER_PID ignored SIGTERM for 15 s, killing it"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

stop_sampler() {
  [[ -n $SAMPLER_PID ]] || return 0
  kill "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
}

# CPU time (user + system) of a process in seconds, from /proc/PID/stat.
cpu_seconds() {
  # Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
  local rest
  rest=$(sed 's/^.*) //' "/proc/$1/stat")
  awk -v tck="$CLK_TCK" '{ printf "%.2f", ($12 + $13) / tck }' <<<"$rest"
}

# proc_status_kb PID FIELD: VmHWM / VmRSS of a process in kB.
proc_status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# kv "LINE" KEY: the value of KEY=value in a line of key=value pairs.
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

# stats_field JSON FIELD: a number from GET /stats.
stats_field() { jq -r ".$2" <<<"$1"; }

# f_ratio A B: A / B with 2 decimals ("-" when B is empty or 0).
f_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

# human N: 123456.7 -> 123,457
human() { LC_ALL=C awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'; }

human_or_dash() { if [[ $1 == - ]]; then echo -; else human "$1"; fi; }

# run_wrk OUT_PREFIX CONNS DURATION_S URL [VAR=value...]: runs wrk -t1 with publish.lua and the
# given environment, timing wrk's own CPU. Leaves OUT_PREFIX.out (wrk's output) and sets
# WRK_LINE (its wrk_result line) and WRK_CPU_S (user + system seconds of wrk).
run_wrk() {
  local out=$1 conns=$2 duration=$3 url=$4
  shift 4
  local TIMEFORMAT='%U %S'
  { time env "$@" wrk -t1 -c"$conns" -d"${duration}s" --timeout 10s -s "$BENCH_DIR/publish.lua" \
    "$url" >"$out.out" 2>"$out.err"; } 2>"$out.time"
  WRK_LINE=$(grep '^wrk_result' "$out.out" || true)
  [[ -n $WRK_LINE ]] || { cat "$out.out" "$out.err" >&2; die "wrk printed no result ($out)"; }
  WRK_CPU_S=$(awk '{ printf "%.2f", $1 + $2 }' "$out.time")
}

# wait_idle URL: waits (up to 30 s) until the server has no events in flight. wrk stops at its
# duration without waiting for its last requests, so without this the warm-up's last requests
# overlap the measured run's first ones: up to twice the connections' events in flight, which
# with batches of 1000 at 64 connections passes --max-inflight-events and gets 503s.
wait_idle() {
  local url=$1 n
  for _ in $(seq 300); do
    n=$(curl -sf --max-time 5 "$url/metrics" | awk '$1 == "event_aggregator_inflight_events" { print $2 }') || n="?"
    [[ $n == 0 ]] && return 0
    sleep 0.1
  done
  log "warning: $url still has $n events in flight after 30 s"
}

# fill_to URL TARGET CONNS TIMEOUT_S OUT [VAR=value...]: publishes with wrk (publish.lua and the
# given environment) until GET /stats counts TARGET stored events, then stops wrk with SIGINT
# (wrk then ends early and prints its report to OUT). Sets FILL_S (seconds it took) and
# FILL_STORED (the stored count then; a little over TARGET: requests in flight still land).
WRK_PID=""
fill_to() {
  local url=$1 target=$2 conns=$3 timeout=$4 out=$5
  shift 5
  local t0=$SECONDS n=0
  env "$@" wrk -t1 -c"$conns" -d"${timeout}s" --timeout 10s -s "$BENCH_DIR/publish.lua" \
    "$url" >"$out" 2>&1 &
  WRK_PID=$!
  while :; do
    n=$(curl -sf --max-time 5 "$url/stats" | jq -r .unique_processed) || n=0
    ((n >= target)) && break
    if ! kill -0 "$WRK_PID" 2>/dev/null; then
      cat "$out" >&2
      die "wrk ended before $target events were stored ($n are)"
    fi
    sleep 0.1
  done
  stop_wrk
  FILL_S=$((SECONDS - t0))
  FILL_STORED=$(curl -sf --max-time 5 "$url/stats" | jq -r .unique_processed)
}

stop_wrk() {
  [[ -n $WRK_PID ]] || return 0
  kill -INT "$WRK_PID" 2>/dev/null || true
  wait "$WRK_PID" 2>/dev/null || true
  WRK_PID=""
}
