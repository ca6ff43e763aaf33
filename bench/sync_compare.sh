#!/usr/bin/env bash
# What --sync full costs beside --sync normal: bench/run.sh REPEATS times per mode, the modes
# alternating (normal, full, normal, ...) so that a slow moment of the machine hits both, then
# the median over the repeats of every cell and ceiling, side by side.
#
#   bash bench/sync_compare.sh
#   BENCH_LOCK=/path/bench.lock bash bench/sync_compare.sh   # each run.sh under flock
#
# Environment: REPEATS (default 3), OUT_DIR (default bench/results/sync), BENCH_LOCK (a file:
# each run.sh holds `flock` on it, so benchmarks of several people never overlap; the build
# runs outside it), and run.sh's own (DURATION, WARMUP, CEILING_ROWS, STREAM_EVENTS: default
# 100000 here, streaming does not depend on --sync). Writes OUT_DIR/<mode>-<n>/ (run.sh's
# results) and OUT_DIR/sync.md.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPEATS=${REPEATS:-3}
OUT_DIR=${OUT_DIR:-$BENCH_DIR/results/sync}
export STREAM_EVENTS=${STREAM_EVENTS:-100000}
mkdir -p "$OUT_DIR" "$BUILD_DIR"
build

locked() {
  if [[ -n ${BENCH_LOCK:-} ]]; then flock "$BENCH_LOCK" "$@"; else "$@"; fi
}

for ((i = 1; i <= REPEATS; i++)); do
  for mode in normal full; do
    log "run $i of $REPEATS, --sync $mode"
    SKIP_BUILD=1 PLOT=0 REPEATS=1 OUT_DIR="$OUT_DIR/$mode-$i" SERVER_ARGS="--sync $mode ${SERVER_ARGS:-}" \
      CEILING_ARGS="--sync $mode" \
      locked bash "$BENCH_DIR/run.sh" >"$OUT_DIR/$mode-$i.log" 2>&1 \
      || { tail -n 30 "$OUT_DIR/$mode-$i.log" >&2; die "run.sh failed"; }
  done
done

# The median of each figure per mode: raw.txt lines are "<kind> key=value ...".
report=$OUT_DIR/sync.md
awk -v repeats="$REPEATS" '
  function kv(line, k,   re, m) {
    re = "(^| )" k "=[^ ]*"
    if (match(line, re)) { m = substr(line, RSTART, RLENGTH); sub(/^ /, "", m); sub(/^[^=]*=/, "", m); return m }
    return ""
  }
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  FNR == 1 { mode = FILENAME; sub(/.*\//, "", mode); sub(/-[0-9]+\.raw$/, "", mode) }
  /^# load average/ { load[mode] = load[mode] " " $7 }
  /^storage_ceiling / { k = "storage ceiling, " kv($0, "ids") " ids, " kv($0, "batch") " rows per transaction"; order(k); v[k, mode, "rate"] = v[k, mode, "rate"] " " kv($0, "rows_per_s") }
  /^http_ceiling / { k = "HTTP ceiling, batch " kv($0, "batch") ", 64 conns"; order(k); v[k, mode, "rate"] = v[k, mode, "rate"] " " kv($0, "rps") }
  /^cell / {
    b = kv($0, "batch"); k = (b == 1 ? "single events" : "batches of " b) ", " kv($0, "conns") " conns, " kv($0, "ids") " ids" (kv($0, "dup_ratio") > 0 ? ", " kv($0, "dup_ratio") * 100 "% duplicates" : "")
    order(k)
    v[k, mode, "rate"] = v[k, mode, "rate"] " " kv($0, b == 1 ? "rps" : "events_per_s")
    v[k, mode, "p99"] = v[k, mode, "p99"] " " kv($0, "p99_ms")
  }
  function order(k) { if (!(k in seen)) { seen[k] = 1; keys[++nkeys] = k } }
  END {
    printf "Medians of %d runs of bench/run.sh per mode, alternating. Load averages at the start of each run: normal%s; full%s.\n", repeats, load["normal"], load["full"]
    print "The storage ceiling runs at the mode'"'"'s synchronous setting; the HTTP ceiling takes no --sync, so its two columns show the machine'"'"'s noise.\n"
    print "| figure | --sync normal | --sync full | full ÷ normal | p99 ms normal | p99 ms full |"
    print "|---|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nkeys; i++) {
      k = keys[i]; n = median(v[k, "normal", "rate"]); f = median(v[k, "full", "rate"])
      unit = (k ~ /^single|HTTP/ ? " req/s" : (k ~ /^storage/ ? " rows/s" : " events/s"))
      p = (v[k, "normal", "p99"] != "" ? sprintf("%.1f | %.1f", median(v[k, "normal", "p99"]), median(v[k, "full", "p99"])) : " | ")
      printf "| %s | %.0f%s | %.0f%s | %.2f | %s |\n", k, n, unit, f, unit, (n > 0 ? f / n : 0), p
    }
  }
' $(for ((i = 1; i <= REPEATS; i++)); do for mode in normal full; do
      ln -sf "$OUT_DIR/$mode-$i/raw.txt" "$OUT_DIR/$mode-$i.raw"; echo "$OUT_DIR/$mode-$i.raw"
    done; done) >"$report"
cat "$report"
log "report in $report"
