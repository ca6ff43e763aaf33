#!/usr/bin/env bash
# Side by side in one run: the service's publish throughput for each binary given, and the
# nginx fixed-200 ceiling under the same wrk load (publish.lua, so the same request bytes).
#   bash bench/front_compare.sh NAME=BINARY [NAME=BINARY...]
#   DURATION (default 10) s per cell after WARMUP (default 2) s; CELLS default "1:64 1:256 100:64"
#   (BATCH:CONNECTIONS). Prints one line per cell: name batch conns req/s events/s p99.
# Run it under `flock /work/bench.lock` on a shared machine. Load goes to 127.0.0.1 only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
duration="${DURATION:-10}"
warmup="${WARMUP:-2}"
cells="${CELLS:-1:64 1:256 100:64}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_up() { for _ in $(seq 200); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }

cell() { # NAME PORT BATCH CONNS
  local name=$1 port=$2 batch=$3 conns=$4
  BATCH=$batch wrk -t1 -c"$conns" -d"${warmup}s" -s "$here/publish.lua" "http://127.0.0.1:$port/publish" >/dev/null 2>&1 || true
  local out
  out="$(BATCH=$batch wrk -t1 -c"$conns" -d"${duration}s" --latency --timeout 10s -s "$here/publish.lua" "http://127.0.0.1:$port/publish" 2>&1)"
  local rps p99 non2xx
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  printf '%-10s batch=%-4s conns=%-4s req/s=%-10s events/s=%-10s p99=%-8s non2xx=%s\n' \
    "$name" "$batch" "$conns" "$rps" "$(awk -v r="$rps" -v b="$batch" 'BEGIN{printf "%.0f", r*b}')" "$p99" "${non2xx:-0}"
}

# The ceiling: nginx answering every request with a fixed 200, as the service would.
if [[ -x /usr/sbin/nginx ]]; then
  port="$(free_port)"
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $work/nginx/pid; error_log $work/nginx/error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/p;
  fastcgi_temp_path $work/nginx/f; uwsgi_temp_path $work/nginx/u; scgi_temp_path $work/nginx/s;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$port; location / { client_body_buffer_size 1m; return 200 '{"status":"ok"}'; } } }
CONF
  /usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" & pids+=($!)
  sleep 0.5
  for c in $cells; do cell nginx-200 "$port" "${c%%:*}" "${c##*:}"; done
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
fi

for spec in "$@"; do
  name="${spec%%=*}" bin="${spec#*=}"
  for c in $cells; do
    port="$(free_port)"
    rm -rf "$work/data" && mkdir -p "$work/data"
    "$bin" --port "$port" --data-dir "$work/data" >"$work/$name.log" 2>&1 & pids+=($!)
    wait_up "$port" || { echo "$name did not start" >&2; cat "$work/$name.log" >&2; exit 1; }
    cell "$name" "$port" "${c%%:*}" "${c##*:}"
    kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  nproc: $(nproc)"
