#!/usr/bin/env python3
"""Idle keep-alive connections and slowloris clients against a running server: holds IDLE
keep-alive connections (each answered once) and SLOW clients that dribble a header byte per
second, then times ROUNDS new-client GET /healthz round trips and reads the server's RSS.

  python3 bench/idle_connections.py PORT PID [IDLE=10000] [SLOW=1000] [ROUNDS=200]

Needs an open-file limit above IDLE + SLOW (ulimit -n), and the server's --max-connections
above it too. Load goes to 127.0.0.1 only. Prints key=value lines."""
import os, socket, sys, threading, time

port, pid = int(sys.argv[1]), int(sys.argv[2])
idle_n = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
slow_n = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 200
req = b"GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n"

def status(field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split()[1]
    return "?"

def read_answer(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        body += s.recv(4096)
    return head.split(b" ")[1]

rss_start = status("VmRSS")
idle = []
for i in range(idle_n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    idle.append(s)
for s in idle:
    read_answer(s)
slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(slow_n)]
stop = False
def dribble():
    header = b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"a" * 200
    i = 0
    while not stop and i < len(header):
        for s in slow:
            try:
                s.send(header[i:i + 1])
            except OSError:
                pass
        i += 1
        time.sleep(1)
t = threading.Thread(target=dribble)
t.start()
time.sleep(2)
took = []
for _ in range(rounds):
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(req)
        assert read_answer(s) == b"200"
    took.append((time.perf_counter() - t0) * 1000)
took.sort()
alive = 0
for s in idle:
    s.setblocking(False)
    try:
        alive += 0 if s.recv(1) == b"" else 1
    except BlockingIOError:
        alive += 1
print(f"idle={idle_n} slow={slow_n} idle_still_open={alive}")
print(f"new_client_ms_p50={took[len(took)//2]:.2f} p99={took[int(len(took)*0.99)-1]:.2f} max={took[-1]:.2f}")
print(f"rss_before_kib={rss_start} rss_with_connections_kib={status('VmRSS')} hwm_kib={status('VmHWM')} threads={status('Threads')}")
stop = True
t.join()
