#!/usr/bin/env bash
# The benchmark matrix of event-aggregator beside this machine's SQLite ceiling, in one run.
#
#   bash bench/run.sh                 # full run (~12 min with DURATION=10 and REPEATS=3)
#   DURATION=5 bash bench/run.sh      # shorter cells
#   SMOKE=1 bash bench/run.sh         # CI check that the script still works (< 60 s after the build)
#
# Environment:
#   REPEATS        rounds of the ceilings and the main cells, interleaved (default 3; SMOKE: 1)
#   DURATION       measured seconds per cell (default 10; SMOKE: 2)
#   WARMUP         warm-up seconds per cell, same load, not measured (default 2; SMOKE: 1)
#   CEILING_ROWS   rows per storage_ceiling run (default 1000000; SMOKE: 50000)
#   STREAM_EVENTS  events in the topic streamed by GET /events (default 1000000; SMOKE: 20000)
#   SERVER_ARGS    extra server options for every cell, e.g. "--sync full"
#   CEILING_ARGS   extra storage_ceiling options, e.g. "--sync normal"; by default the sync mode
#                  of SERVER_ARGS (the server's default, full, when it names none), so that the
#                  service and its ceiling always run at the same durability
#   OUT_DIR        where results go (default bench/results; SMOKE: BUILD_DIR/bench-smoke)
#   BUILD_DIR      build directory (default build-bench); SKIP_BUILD=1 uses what is there
#   PLOT=0         do not run gnuplot at the end
#   KEEP=1         keep the temporary data directories and server logs
#
# Every cell: fresh data directory, fresh server (--port 0), WARMUP s of the same load, then
# DURATION s measured with wrk -t1 (bench/publish.lua). Recorded per cell: req/s, events/s,
# p50/p99 (wrk), errors, the server's peak RSS (VmHWM) and CPU time, wrk's own CPU time.
#
# One 10-s cell is too noisy to decide anything on this machine (the same cell varied by 15%),
# so the SQLite and HTTP ceilings and the four main cells run REPEATS rounds, each round all of
# them in turn: a slow moment of the machine then hits a ceiling and a service cell alike.
# The report gives medians with the min-max spread, and each ratio as the median of the
# ratios within a round. The connection and batch sweeps run once.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SMOKE=${SMOKE:-0}
if [[ $SMOKE == 1 ]]; then
  REPEATS=${REPEATS:-1}
  DURATION=${DURATION:-2}
  WARMUP=${WARMUP:-1}
  CEILING_ROWS=${CEILING_ROWS:-50000}
  STREAM_EVENTS=${STREAM_EVENTS:-20000}
  OUT_DIR=${OUT_DIR:-$BUILD_DIR/bench-smoke}
else
  REPEATS=${REPEATS:-3}
  DURATION=${DURATION:-10}
  WARMUP=${WARMUP:-2}
  CEILING_ROWS=${CEILING_ROWS:-1000000}
  STREAM_EVENTS=${STREAM_EVENTS:-1000000}
  OUT_DIR=${OUT_DIR:-$BENCH_DIR/results}
fi

if [[ -z ${CEILING_ARGS:-} ]]; then
  case " ${SERVER_ARGS:-} " in
    *" --sync normal "* | *" --sync=normal "*) CEILING_ARGS="--sync normal" ;;
    *) CEILING_ARGS="--sync full" ;;
  esac
fi

command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
command -v jq >/dev/null || die "jq is missing (apt-get install jq)"
command -v curl >/dev/null || die "curl is missing (apt-get install curl)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/agg-bench.XXXXXX")
cleanup() {
  local rc=$?
  stop_sampler
  stop_wrk
  stop_server
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$BUILD_DIR" "$OUT_DIR"
build
START_S=$SECONDS
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
RAW=$OUT_DIR/raw.txt
: >"$RAW"

{
  echo "# event-aggregator benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  if git -C "$ROOT_DIR" rev-parse --short HEAD >/dev/null 2>&1; then
    echo "# commit $(git -C "$ROOT_DIR" rev-parse --short HEAD)$(git -C "$ROOT_DIR" diff --quiet HEAD -- src || echo ' (src/ modified)')"
  else
    echo "# commit ${COMMIT:-unknown (not a git checkout)}"
  fi
  echo "# $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (anything well above 0 means other work shares the 2 cores)"
  echo "# REPEATS=$REPEATS DURATION=$DURATION WARMUP=$WARMUP CEILING_ROWS=$CEILING_ROWS STREAM_EVENTS=$STREAM_EVENTS SERVER_ARGS=${SERVER_ARGS:-} CEILING_ARGS=${CEILING_ARGS:-} SMOKE=$SMOKE"
} | tee -a "$RAW" >&2

# ---------------------------------------------------------------------------------------------
# 1. The ceiling: SQLite alone, same schema, rows and settings, no server running (it runs in
# the rounds of section 2, between the service cells).
ROUND=1
# Figures of repeated measurements are lists, one value per round, space-separated.
declare -A CEIL # CEIL[ids,batch] = rows/s of each round
ceiling() {
  local ids=$1 batch=$2 line v
  # shellcheck disable=SC2086 # CEILING_ARGS is split into words on purpose: "--sync full"
  line=$(TMPDIR=$WORK "$CEILING_BIN" --rows "$CEILING_ROWS" --batch "$batch" --ids "$ids" ${CEILING_ARGS:-})
  echo "$line round=$ROUND" >>"$RAW"
  v=$(kv "$line" rows_per_s)
  CEIL[$ids,$batch]="${CEIL[$ids,$batch]:-} $v"
  log "round $ROUND: ceiling ids=$ids batch=$batch: $(human "$v") rows/s"
}
ceilings() {
  if [[ $SMOKE == 1 ]]; then
    ceiling seq 10000
    ceiling uuid 10000
  else
    ceiling seq 100
    ceiling seq 10000
    ceiling uuid 100
    ceiling uuid 10000
  fi
}

# median LIST, spread LIST ("min-max"), mid LIST ("median (min-max)" for more than one value)
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
count() { wc -w <<<"$1"; }
mid_human() {
  local m
  m=$(median "$1")
  [[ -n $m ]] || { echo "-"; return; }
  if (($(count "$1") > 1)); then
    local lo hi
    IFS=- read -r lo hi <<<"$(spread "$1")"
    echo "$(human "$m") ($(human "$lo")-$(human "$hi"))"
  else
    human "$m"
  fi
}
mid_plain() {
  local m
  m=$(median "$1")
  [[ -n $m ]] || { echo "-"; return; }
  if (($(count "$1") > 1)); then echo "$m ($(spread "$1"))"; else echo "$m"; fi
}
# ratios A_LIST B_LIST: the per-round ratios A/B, 2 decimals, as a list.
ratios() {
  local -a a b
  read -ra a <<<"$1"
  read -ra b <<<"$2"
  local i out=""
  for i in "${!a[@]}"; do
    [[ -n ${b[$i]:-} ]] && out="$out $(f_ratio "${a[$i]}" "${b[$i]}")"
  done
  echo "$out"
}

# ---------------------------------------------------------------------------------------------
# 1b. The HTTP ceiling: cpp-httplib answering a fixed 200 (bench/http_ceiling), same load.
declare -A HCEIL # HCEIL[batch] = req/s of each round
http_ceiling() {
  local batch=$1 dir=$WORK/http_ceiling_$1_r$ROUND
  mkdir -p "$dir"
  # SERVER_ARGS are the service's options, which http_ceiling does not take.
  SERVER_ARGS="" SERVER_BIN=$HTTP_CEILING_BIN start_server "$dir/data"
  local url=http://127.0.0.1:$SERVER_PORT vars=(BATCH="$batch" IDS=seq)
  run_wrk "$dir/warmup" 64 "$WARMUP" "$url" "${vars[@]}"
  run_wrk "$dir/wrk" 64 "$DURATION" "$url" "${vars[@]}"
  stop_server
  local v
  v=$(kv "$WRK_LINE" rps)
  HCEIL[$batch]="${HCEIL[$batch]:-} $v"
  echo "http_ceiling conns=64 batch=$batch $WRK_LINE round=$ROUND" >>"$RAW"
  log "round $ROUND: HTTP ceiling batch=$batch: $(human "$v") req/s"
}
http_ceilings() {
  http_ceiling 1
  [[ $SMOKE == 1 ]] || http_ceiling 100
}

# ---------------------------------------------------------------------------------------------
# 2. Load cells. R[key,field] holds each cell's figures, a value per round it ran in; a cell
# asked twice in one round runs once.
declare -A R RAN
cell_key() { echo "c$1_b$2_$3_d$4"; } # conns batch ids dup

# run_cell CONNS BATCH IDS DUP_RATIO
run_cell() {
  local conns=$1 batch=$2 ids=$3 dup=$4 key
  key=$(cell_key "$@")
  [[ -z ${RAN[$key,$ROUND]:-} ]] || return 0
  RAN[$key,$ROUND]=1
  local dir=$WORK/${key}_r$ROUND
  mkdir -p "$dir"
  start_server "$dir/data"
  local url=http://127.0.0.1:$SERVER_PORT
  local vars=(BATCH="$batch" IDS="$ids" DUP_RATIO="$dup")
  run_wrk "$dir/warmup" "$conns" "$WARMUP" "$url" "${vars[@]}"
  wait_idle "$url"
  local cpu0 cpu1
  cpu0=$(cpu_seconds "$SERVER_PID")
  run_wrk "$dir/wrk" "$conns" "$DURATION" "$url" "${vars[@]}"
  cpu1=$(cpu_seconds "$SERVER_PID")
  local hwm stats
  hwm=$(proc_status_kb "$SERVER_PID" VmHWM)
  stats=$(curl -sf --max-time 5 "$url/stats")
  # Which refusals the cell saw, if any: wrk counts non-2xx answers without their status.
  local refusals
  refusals=$(curl -sf --max-time 5 "$url/metrics" \
    | awk '/^event_aggregator_overload_refusals_total / { print $2 }')
  stop_server

  local dur server_cpu
  dur=$(kv "$WRK_LINE" duration_s)
  server_cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v d="$dur" 'BEGIN { printf "%.0f", 100 * (b - a) / d }')
  # The figures of this round, then appended to the cell's lists.
  local -A C
  C[rps]=$(kv "$WRK_LINE" rps)
  C[eps]=$(kv "$WRK_LINE" events_per_s)
  C[p50]=$(kv "$WRK_LINE" p50_ms)
  C[p99]=$(kv "$WRK_LINE" p99_ms)
  C[err]=$(($(kv "$WRK_LINE" errors) + $(kv "$WRK_LINE" non2xx)))
  C[hwm]=$(awk -v k="$hwm" 'BEGIN { printf "%.0f", k / 1024 }')
  C[scpu]=$server_cpu
  C[wcpu]=$(awk -v c="$WRK_CPU_S" -v d="$dur" 'BEGIN { printf "%.0f", 100 * c / d }')
  # CPU microseconds per event, server and wrk: less sensitive to other load than events/s.
  local events
  events=$(awk -v r="$(kv "$WRK_LINE" requests)" -v b="$batch" 'BEGIN { print r * b }')
  C[sus]=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$events" 'BEGIN { printf "%.1f", 1e6 * (b - a) / n }')
  C[wus]=$(awk -v c="$WRK_CPU_S" -v n="$events" 'BEGIN { printf "%.2f", 1e6 * c / n }')
  C[unique]=$(stats_field "$stats" unique_processed)
  C[dups]=$(stats_field "$stats" duplicate_dropped)
  local f
  for f in "${!C[@]}"; do R[$key,$f]="${R[$key,$f]:-} ${C[$f]}"; done
  echo "cell key=$key round=$ROUND conns=$conns batch=$batch ids=$ids dup_ratio=$dup $WRK_LINE" \
    "server_vmhwm_kb=$hwm server_cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')" \
    "server_cpu_pct=$server_cpu server_cpu_us_per_event=${C[sus]} wrk_cpu_us_per_event=${C[wus]} wrk_cpu_s=$WRK_CPU_S wrk_cpu_pct_of_core=${C[wcpu]}" \
    "stored_unique=${C[unique]} stored_duplicates=${C[dups]}" \
    "overload_refusals_incl_warmup=${refusals:-unknown}" >>"$RAW"
  log "round $ROUND: cell $key: $(human "${C[rps]}") req/s, $(human "${C[eps]}") events/s," \
    "p99 ${C[p99]} ms, errors ${C[err]}, RSS ${C[hwm]} MiB," \
    "server CPU ${server_cpu}%, wrk CPU ${C[wcpu]}% of a core"
}

if [[ $SMOKE == 1 ]]; then
  MATRIX=("64 1 seq 0" "64 100 uuid 0")
  CONNS_SWEEP=(64)
  BATCH_SWEEP=(1)
else
  MATRIX=("64 1 seq 0" "64 100 seq 0" "64 100 uuid 0" "64 100 seq 0.1")
  CONNS_SWEEP=(1 4 16 64 256)
  BATCH_SWEEP=(1 10 100 1000)
fi
for ((ROUND = 1; ROUND <= REPEATS; ROUND++)); do
  ceilings
  http_ceilings
  for spec in "${MATRIX[@]}"; do
    # shellcheck disable=SC2086 # spec is four words on purpose
    run_cell $spec
  done
done
ROUND=1 # The sweeps run once; their 64-connection cells were measured in the rounds.
for c in "${CONNS_SWEEP[@]}"; do run_cell "$c" 1 seq 0; done
for b in "${BATCH_SWEEP[@]}"; do run_cell 64 "$b" seq 0; done

# ---------------------------------------------------------------------------------------------
# 3. GET /events streaming one topic of STREAM_EVENTS events, on a freshly restarted server.
stream_test() {
  local dir=$WORK/stream
  mkdir -p "$dir"
  start_server "$dir/data"
  local url=http://127.0.0.1:$SERVER_PORT
  log "filling topic stream-0 with $STREAM_EVENTS events"
  fill_to "$url" "$STREAM_EVENTS" 4 600 "$dir/fill.out" BATCH=1000 IDS=seq TOPICS=1 \
    TOPIC_PREFIX=stream-
  log "filled in $FILL_S s"
  stop_server
  start_server "$dir/data"
  url=http://127.0.0.1:$SERVER_PORT
  local n rss0
  n=$(stats_field "$(curl -sf --max-time 5 "$url/stats")" unique_processed)
  rss0=$(proc_status_kb "$SERVER_PID" VmRSS)
  # Sample the server's RSS every 20 ms while the stream runs.
  (
    while [[ -r /proc/$SERVER_PID/status ]]; do
      awk '$1 == "VmRSS:" { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || true
      sleep 0.02
    done
  ) >"$dir/rss.samples" &
  # shellcheck disable=SC2034 # read by stop_sampler in lib.sh
  SAMPLER_PID=$!
  local curl_out
  curl_out=$(curl -s -o /dev/null --max-time 600 -w '%{http_code} %{size_download} %{time_total}' \
    "$url/events?topic=stream-0")
  stop_sampler
  local code size secs hwm rss_max
  read -r code size secs <<<"$curl_out"
  hwm=$(proc_status_kb "$SERVER_PID" VmHWM)
  stop_server
  [[ $code == 200 ]] || die "GET /events answered $code"
  rss_max=$(sort -n "$dir/rss.samples" | tail -n 1)
  STREAM_N=$n
  STREAM_EPS=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')
  STREAM_MBPS=$(awk -v b="$size" -v s="$secs" 'BEGIN { printf "%.1f", b / s / 1048576 }')
  STREAM_SECS=$secs
  STREAM_RSS0=$((rss0 / 1024))
  STREAM_RSSMAX=$((${rss_max:-0} / 1024))
  STREAM_HWM=$((hwm / 1024))
  echo "stream events=$n bytes=$size seconds=$secs events_per_s=$STREAM_EPS mib_per_s=$STREAM_MBPS" \
    "server_rss_before_kb=$rss0 server_rss_max_sampled_kb=${rss_max:-0} server_vmhwm_kb=$hwm" >>"$RAW"
  log "stream: $n events in $secs s = $(human "$STREAM_EPS") events/s, RSS ${STREAM_RSS0} -> max ${STREAM_RSSMAX} MiB"
}
stream_test

# ---------------------------------------------------------------------------------------------
# 4. Report: Markdown table, .dat files for gnuplot.
ceil_for() { echo "${CEIL[$1,10000]:-}"; } # the 10,000-rows-per-transaction ceiling of an id kind

REPORT=$OUT_DIR/results.md
{
  if awk -v l="$LOAD_BEFORE" 'BEGIN { exit !(l > 0.5) }'; then
    echo "**Warning:** the load average was $LOAD_BEFORE when this run started: other work shared the"
    echo "2 cores, so these figures are low and noisy. Re-run on an idle machine for real numbers."
    echo
  fi
  echo "Load: wrk -t1, ${DURATION} s per cell after ${WARMUP} s warm-up, fresh server and store per cell;"
  echo "events ~220 bytes over 8 topics; durable acks (--sync full, the default, unless SERVER_ARGS says otherwise)."
  echo "The ceilings and the first four service cells ran $REPEATS rounds, interleaved: figures are"
  echo "medians (min-max over the rounds), ratios the median of each round's own ratio."
  echo
  echo "**Storage ceiling** (bench/storage_ceiling: SQLite alone with the classic layout, a unique B-tree index on (topic_id, event_id), and the server's settings; $(human "$CEILING_ROWS") rows into an empty store each time):"
  echo
  echo "| ids | rows per transaction | rows/s |"
  echo "|---|---:|---:|"
  for ids in seq uuid; do
    for b in 100 10000; do
      [[ -n ${CEIL[$ids,$b]:-} ]] && echo "| $ids | $(human "$b") | $(mid_human "${CEIL[$ids,$b]}") |"
    done
  done
  echo
  echo "**HTTP ceiling** (bench/http_ceiling: cpp-httplib with the server's tuning answering a fixed 200, nothing parsed or stored; 64 connections):"
  echo
  echo "| request | req/s | the service's req/s as a share of it |"
  echo "|---|---:|---:|"
  for b in 1 100; do
    [[ -n ${HCEIL[$b]:-} ]] || continue
    k=$(cell_key 64 "$b" seq 0)
    echo "| $( ((b == 1)) && echo "single event" || echo "batch of $b") | $(mid_human "${HCEIL[$b]}") | $(mid_plain "$(ratios "${R[$k,rps]:-}" "${HCEIL[$b]}")") |"
  done
  echo
  echo "**Service** (ratio = events/s ÷ the ceiling at 10,000 rows per transaction with the same kind of ids):"
  echo
  echo "| load | conns | req/s | events/s | ratio to ceiling | p50 ms | p99 ms | errors | server peak RSS MiB | server CPU % (200 = both cores) | server CPU µs/event | wrk CPU % of a core | wrk CPU µs/event |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  row() {
    local label=$1 key
    key=$(cell_key "$2" "$3" "$4" "$5")
    [[ -n ${R[$key,rps]:-} ]] || return 0
    echo "| $label | $2 | $(mid_human "${R[$key,rps]}") | $(mid_human "${R[$key,eps]}") | $(mid_plain "$(ratios "${R[$key,eps]}" "$(ceil_for "$4")")") | $(mid_plain "${R[$key,p50]}") | $(mid_plain "${R[$key,p99]}") | $(mid_plain "${R[$key,err]}") | $(mid_plain "${R[$key,hwm]}") | $(mid_plain "${R[$key,scpu]}") | $(mid_plain "${R[$key,sus]}") | $(mid_plain "${R[$key,wcpu]}") | $(mid_plain "${R[$key,wus]}") |"
  }
  row "single event, seq ids" 64 1 seq 0
  row "batch 100, seq ids" 64 100 seq 0
  row "batch 100, UUID v4 ids" 64 100 uuid 0
  row "batch 100, seq ids, 10% duplicates" 64 100 seq 0.1
  for c in "${CONNS_SWEEP[@]}"; do [[ $c == 64 ]] || row "single event, seq ids" "$c" 1 seq 0; done
  for b in "${BATCH_SWEEP[@]}"; do [[ $b == 1 || $b == 100 ]] || row "batch $b, seq ids" 64 "$b" seq 0; done
  dup=$(cell_key 64 100 seq 0.1)
  plain=$(cell_key 64 100 seq 0)
  if [[ -n ${R[$dup,eps]:-} ]]; then
    echo
    echo "10% duplicates against none (batch 100, seq ids), per round: $(mid_plain "$(ratios "${R[$dup,eps]}" "${R[$plain,eps]}")")."
  fi
  echo
  echo "**GET /events** streaming one topic of $(human "$STREAM_N") events after a restart:"
  echo "$(human "$STREAM_EPS") events/s ($STREAM_MBPS MiB/s, $STREAM_SECS s);"
  echo "server RSS $STREAM_RSS0 MiB before, at most $STREAM_RSSMAX MiB sampled during it (VmHWM $STREAM_HWM MiB)."
} >"$REPORT"

{
  echo "# connections  req_per_s  p50_ms  p99_ms  (single events, seq ids)"
  for c in "${CONNS_SWEEP[@]}"; do
    k=$(cell_key "$c" 1 seq 0)
    echo "$c $(median "${R[$k,rps]}") $(median "${R[$k,p50]}") $(median "${R[$k,p99]}")"
  done
} >"$OUT_DIR/conns.dat"
{
  echo "# batch  events_per_s  req_per_s  p99_ms  ceiling_seq_10000  (64 connections, seq ids)"
  for b in "${BATCH_SWEEP[@]}"; do
    k=$(cell_key 64 "$b" seq 0)
    echo "$b $(median "${R[$k,eps]}") $(median "${R[$k,rps]}") $(median "${R[$k,p99]}") $(median "${CEIL[seq,10000]:-0}")"
  done
} >"$OUT_DIR/batch.dat"

cat "$REPORT"
log "results in $OUT_DIR (results.md, raw.txt, conns.dat, batch.dat); measuring took $((SECONDS - START_S)) s"

if [[ ${PLOT:-1} != 0 ]] && command -v gnuplot >/dev/null; then
  if [[ $SMOKE == 1 ]]; then img=$OUT_DIR; else img=$ROOT_DIR/docs/img; fi
  mkdir -p "$img"
  gnuplot -e "results='$OUT_DIR'; img='$img'" "$BENCH_DIR/plot.gp" && log "plots in $img"
fi
