#!/usr/bin/env bash
# Throughput as the store grows: fills one store to TARGET events and, at 0, TARGET/4,
# TARGET/2 and TARGET stored events (0, 5M, 10M, 20M by default), measures
#   - the server's restart time to the first 200 on /healthz on that store, and its RSS then,
#   - the SQLite ceiling of the classic layout (a unique B-tree index on the key) at the same
#     size: a second store, grown beside the server's by storage_ceiling itself, then measured
#     with 10,000 UUID rows per transaction (CEILING_ROWS more rows),
#   - publish throughput with batches of 100 UUID v4 events at 64 connections (wrk -t1),
#     with p50/p99 and the server's peak RSS (VmHWM) under that load, and the dedup key
#     index's memory (event_aggregator_key_index_memory_bytes) after it,
#   - the same with 10% duplicates (DUP_RATIO; 0 skips it), right after, on the same server.
#
#   bash bench/growth.sh                    # TARGET=20000000: about 10 GB of disk, ~15 min or more
#   TARGET=1000000 bash bench/growth.sh     # quick check that it works
#
# Environment:
#   TARGET         events in the store at the last checkpoint (default 20000000)
#   CHECKPOINTS    space-separated stored-event counts to measure at (default "0 T/4 T/2 T")
#   DURATION       measured seconds per checkpoint (default 10), WARMUP warm-up seconds (default 2)
#   CEILING_ROWS   rows storage_ceiling measures at each checkpoint (default 200000; 0 skips the
#                  classic store, which saves its fill: about 5 min at 20M)
#   FILL_BATCH     events per request while filling (default 1000, UUID ids, 8 connections)
#   DUP_RATIO      duplicates in the second measured cell (default 0.1; 0 skips that cell)
#   STORE_DIR      keep the store there instead of a temporary directory (reused if it exists)
#   OUT_DIR        where growth.dat and growth.md go (default bench/results)
#   BUILD_DIR, SKIP_BUILD=1, SERVER_ARGS, PLOT=0 as in bench/run.sh
#
# The fill uses batches of FILL_BATCH UUID events through the server itself (so the store is
# exactly what the service writes); fill rates are reported too. Stored counts are a little over
# each checkpoint: requests in flight when wrk is stopped still land, and each measurement adds
# its own events.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGET=${TARGET:-20000000}
CHECKPOINTS=${CHECKPOINTS:-"0 $((TARGET / 4)) $((TARGET / 2)) $TARGET"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CEILING_ROWS=${CEILING_ROWS:-200000}
FILL_BATCH=${FILL_BATCH:-1000}
DUP_RATIO=${DUP_RATIO:-0.1}
OUT_DIR=${OUT_DIR:-$BENCH_DIR/results}

command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
command -v jq >/dev/null || die "jq is missing (apt-get install jq)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/agg-growth.XXXXXX")
STORE=${STORE_DIR:-$WORK/store}
cleanup() {
  local rc=$?
  stop_wrk
  stop_server
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$BUILD_DIR" "$OUT_DIR" "$STORE"
build

DAT=$OUT_DIR/growth.dat
MD=$OUT_DIR/growth.md
echo "# stored_before events_per_s p50_ms p99_ms vmhwm_mib restart_s rss_after_restart_mib db_mib ceiling_uuid_10000_rows_per_s fill_events_per_s key_index_mib dup_events_per_s  (batch 100, UUID v4, 64 connections)" >"$DAT"
{
  echo "Store growth: batches of 100 UUID v4 events, 64 connections, wrk -t1, ${DURATION} s per point after ${WARMUP} s warm-up; TARGET=$TARGET."
  echo
  echo "| events stored | events/s | p50 ms | p99 ms | server peak RSS MiB | key index MiB | events/s with $(awk -v r="$DUP_RATIO" 'BEGIN { print r * 100 }')% duplicates | restart to /healthz s | RSS after restart MiB | store size MiB | classic-layout SQLite ceiling rows/s (10,000 UUID rows/tx, same size) | fill events/s before this point |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$MD"

store_mib() { du -sm "$STORE" | awk '{ print $1 }'; }

fill_eps="-"
for cp in $CHECKPOINTS; do
  # 1. Fill up to the checkpoint (on a running server).
  start_server "$STORE"
  url=http://127.0.0.1:$SERVER_PORT
  have=$(curl -sf --max-time 5 "$url/stats" | jq -r .unique_processed)
  if ((have < cp)); then
    log "filling from $(human "$have") to $(human "$cp") events"
    fill_to "$url" "$cp" 8 7200 "$WORK/fill.out" BATCH="$FILL_BATCH" IDS=uuid
    fill_eps=$(awk -v a="$have" -v b="$FILL_STORED" -v s="$FILL_S" 'BEGIN { printf "%.0f", (b - a) / (s > 0 ? s : 1) }')
    log "filled to $(human "$FILL_STORED") in $FILL_S s ($(human "$fill_eps") events/s)"
  fi
  stop_server

  # 2. Restart: time to /healthz, RSS.
  start_server "$STORE"
  url=http://127.0.0.1:$SERVER_PORT
  restart_s=$SERVER_START_S
  rss_restart=$(($(proc_status_kb "$SERVER_PID" VmRSS) / 1024))
  stored=$(curl -sf --max-time 5 "$url/stats" | jq -r .unique_processed)
  db=$(store_mib)
  log "restart on $(human "$stored") events ($db MiB): $restart_s s to /healthz, RSS $rss_restart MiB"

  # 3. Measure batch-100 UUID publishing.
  run_wrk "$WORK/warmup" 64 "$WARMUP" "$url" BATCH=100 IDS=uuid
  wait_idle "$url"
  run_wrk "$WORK/wrk" 64 "$DURATION" "$url" BATCH=100 IDS=uuid
  eps=$(kv "$WRK_LINE" events_per_s)
  p50=$(kv "$WRK_LINE" p50_ms)
  p99=$(kv "$WRK_LINE" p99_ms)
  errors=$(($(kv "$WRK_LINE" errors) + $(kv "$WRK_LINE" non2xx)))
  index_mib=$(curl -sf --max-time 5 "$url/metrics" \
    | awk '$1 == "event_aggregator_key_index_memory_bytes" { printf "%.1f", $2 / 1048576 }')
  dup_eps="-"
  if awk -v r="$DUP_RATIO" 'BEGIN { exit !(r > 0) }'; then
    wait_idle "$url"
    run_wrk "$WORK/dup" 64 "$DURATION" "$url" BATCH=100 IDS=uuid DUP_RATIO="$DUP_RATIO"
    dup_eps=$(kv "$WRK_LINE" events_per_s)
    errors=$((errors + $(kv "$WRK_LINE" errors) + $(kv "$WRK_LINE" non2xx)))
  fi
  hwm=$(($(proc_status_kb "$SERVER_PID" VmHWM) / 1024))
  stop_server
  # 4. The classic layout's SQLite ceiling at this size (server stopped): grow the classic
  # store to the server's count, then measure CEILING_ROWS more.
  ceil="-"
  if ((CEILING_ROWS > 0)); then
    classic=${STORE%/}.classic.db # Beside the store, so STORE_DIR keeps both.
    have_classic=0
    if [[ -s $classic ]]; then
      have_classic=$(sqlite3 "$classic" "SELECT value FROM counters WHERE name = 'unique'")
    fi
    if ((stored > have_classic)); then
      "$CEILING_BIN" --db "$classic" --rows $((stored - have_classic)) --batch 10000 --ids uuid >>"$WORK/ceiling.txt"
    fi
    line=$("$CEILING_BIN" --db "$classic" --rows "$CEILING_ROWS" --batch 10000 --ids uuid)
    echo "$line" >>"$WORK/ceiling.txt"
    ceil=$(kv "$line" rows_per_s)
    log "classic layout ceiling at this size: $(human "$ceil") rows/s"
  fi

  ((errors == 0)) || log "warning: $errors errors at $stored events"
  log "at $(human "$stored") events: $(human "$eps") events/s ($(human_or_dash "$dup_eps") with duplicates), p99 $p99 ms, peak RSS $hwm MiB, key index $index_mib MiB"
  echo "$stored $eps $p50 $p99 $hwm $restart_s $rss_restart $db ${ceil/-/0} ${fill_eps/-/0} ${index_mib:-0} ${dup_eps/-/0}" >>"$DAT"
  echo "| $(human "$stored") | $(human "$eps") | $p50 | $p99 | $hwm | ${index_mib:--} | $(human_or_dash "$dup_eps") | $restart_s | $rss_restart | $db | $(human_or_dash "$ceil") | $(human_or_dash "$fill_eps") |" >>"$MD"
done

cat "$MD"
log "results in $DAT and $MD"
if [[ ${PLOT:-1} != 0 ]] && command -v gnuplot >/dev/null; then
  mkdir -p "$ROOT_DIR/docs/img"
  gnuplot -e "results='$OUT_DIR'; img='$ROOT_DIR/docs/img'" "$BENCH_DIR/plot.gp" && log "plots in docs/img"
fi
