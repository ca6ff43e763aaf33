#!/usr/bin/env bash
# Makes docs/img/dashboard.png: starts the built server on a temp data dir, publishes a
# varying load (with retries, so duplicates) for LOAD_SECONDS, and screenshots GET / with
# headless Chromium. Needs build/event-aggregator (scripts/build.sh) and chromium.
#   BUILD_DIR (default build), LOAD_SECONDS (default 90), PORT (default 18490)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="$root/${BUILD_DIR:-build}/event-aggregator"
port="${PORT:-18490}"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$binary" --port "$port" --data-dir "$work/data" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do
  curl -sf "localhost:$port/healthz" >/dev/null && break
  sleep 0.1
done

# Batches of events; every third batch is sent twice, as a client retrying after a timeout.
python3 - "$port" "${LOAD_SECONDS:-90}" <<'PY'
import json, math, random, sys, time, urllib.request
port, seconds = int(sys.argv[1]), float(sys.argv[2])
topics = ["orders"] * 6 + ["payments"] * 3 + ["shipments"] * 2 + ["audit", "greetings"]
start, n = time.time(), 0
while (now := time.time()) - start < seconds:
    phase = (now - start) / seconds
    rate = 40 + 35 * math.sin(phase * 2 * math.pi * 1.5)  # batches per second, varying
    batch = []
    for _ in range(random.randint(5, 30)):
        n += 1
        batch.append({"topic": random.choice(topics), "event_id": f"e-{n}",
                      "timestamp": "2025-01-31T12:00:00Z", "source": "screenshot",
                      "payload": {"n": n}})
    body = json.dumps(batch).encode()
    for _ in range(2 if n % 3 == 0 else 1):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/publish", body,
                                     {"Content-Type": "application/json"})
        urllib.request.urlopen(req).read()
    time.sleep(max(0.0, 1.0 / rate))
PY

chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
  --window-size=1280,780 --virtual-time-budget=3000 \
  --screenshot="$root/docs/img/dashboard.png" "http://127.0.0.1:$port/" 2>/dev/null
echo "wrote docs/img/dashboard.png"
