#!/usr/bin/env bash
# Builds the Docker image and checks it as an operator uses it, offline, on one machine:
# publish, read, health, user, volume, restart, stop, size and the compose file. One line per
# check ("ok   ..." or "FAIL ..."), then a summary line; exits 1 when a check failed.
#
# Engine: the one DOCKER_HOST (or /var/run/docker.sock) names when it answers; otherwise the
# script starts its own dockerd (Debian's docker.io) without networking of its own
# (--bridge=none, no iptables), keeps its images and build cache in DOCKER_SMOKE_CACHE so the
# next run reuses them, and stops it at exit. Containers then run with --network host and
# talk only to 127.0.0.1. Missing base images (debian:bookworm, debian:bookworm-slim) are made
# with debootstrap from the Debian mirror apt uses, since no image registry may be reachable.
#
#   DOCKER_SMOKE_REQUIRED=1     an engine that cannot start or run a container here (no
#                               overlayfs, no cgroups) fails the script; otherwise it says so
#                               and exits 0. CI sets it.
#   DOCKER_SMOKE_CACHE          default /var/cache/event-aggregator-docker
#   DOCKER_SMOKE_BUILDERS       default "buildkit legacy": the image is built with each, and
#                               the checks run on the first one's image
#   DOCKER_SMOKE_MAX_IMAGE_MB   default 120 (the image was 89 MB when this was written)
#   DOCKER_SMOKE_MIRROR         the Debian mirror for debootstrap (default: read from apt)
# Logs (builds, dockerd, containers) go to build-docker-smoke/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cache="${DOCKER_SMOKE_CACHE:-/var/cache/event-aggregator-docker}"
builders="${DOCKER_SMOKE_BUILDERS:-buildkit legacy}"
max_image_mb="${DOCKER_SMOKE_MAX_IMAGE_MB:-120}"
logs="$root/build-docker-smoke"
image=event-aggregator
container=agg-smoke
volume=agg-smoke-data
project=agg-smoke
start_seconds=$SECONDS

rm -rf "$logs"
mkdir -p "$logs"

passed=0
failed=0
say() { echo "docker-smoke: $*"; }
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# Prints the last lines of a log under the failed check, indented.
show_tail() { tail -n "${2:-25}" "$1" 2>/dev/null | sed 's/^/     | /'; }
elapsed() { echo "$((SECONDS - $1)) s"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

summary() {
  echo "docker-smoke: took $((SECONDS - start_seconds)) s; logs in $logs"
  echo "docker-smoke: $passed passed, $failed failed"
}

# The engine cannot work on this machine: not a failure of the image, unless CI asked.
engine_unavailable() {
  say "no Docker engine can run containers here: $1"
  if [[ "${DOCKER_SMOKE_REQUIRED:-0}" == 1 ]]; then
    fail "engine: $1 (DOCKER_SMOKE_REQUIRED=1)"
    summary
    exit 1
  fi
  say "skipped (set DOCKER_SMOKE_REQUIRED=1 to make this an error)"
  exit 0
}

# Polls "$@" every 0.2 s until it succeeds or $1 seconds have passed.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.2
  done
}

# --- packages --------------------------------------------------------------------------------

apt_install() {
  if [[ "$(id -u)" -ne 0 ]]; then
    say "needs $* and is not root; as root: apt-get update && apt-get install -y $*"
    return 1
  fi
  say "installing $*"
  local apt_options=(-o DPkg::Lock::Timeout=600)
  apt-get "${apt_options[@]}" update -q >"$logs/apt.log" 2>&1 \
    || say "warning: apt-get update failed; trying the install anyway"
  DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" install -y -q \
    --no-install-recommends "$@" >>"$logs/apt.log" 2>&1 || {
    show_tail "$logs/apt.log"
    return 1
  }
}

engine_answers() { timeout 10 docker version >/dev/null 2>&1; }

missing=()
command -v curl >/dev/null || missing+=(curl)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# A machine with an engine of its own (Docker CE, say) keeps it: docker.io would replace it.
if ! engine_answers && ! command -v dockerd >/dev/null; then
  missing+=(docker.io)
fi
if ! command -v docker-compose >/dev/null && ! docker compose version >/dev/null 2>&1; then
  missing+=(docker-compose) # Compose v1 (1.29): the one Debian 12 has
fi
if ((${#missing[@]} > 0)); then
  apt_install "${missing[@]}" || {
    fail "packages: could not install ${missing[*]}"
    summary
    exit 1
  }
fi

# --- engine ----------------------------------------------------------------------------------

dockerd_pid=""
run_dir=""
stop_engine() {
  [[ -n "$dockerd_pid" ]] || return 0
  kill -TERM "$dockerd_pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$dockerd_pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$dockerd_pid" 2>/dev/null; then
    say "dockerd (pid $dockerd_pid) did not stop within 30 s; killing it"
    kill -KILL "$dockerd_pid" 2>/dev/null || true
  fi
  wait "$dockerd_pid" 2>/dev/null || true
  dockerd_pid=""
  # dockerd leaves the host's network namespace bind-mounted under its exec root.
  awk -v dir="$run_dir/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r mount; do umount "$mount" || umount -l "$mount"; done
  rm -rf "$run_dir"
}

cleanup() {
  if [[ -n "${docker:-}" ]] && engine_answers; then
    remove_leftovers
  fi
  stop_engine
}
trap cleanup EXIT

if engine_answers; then
  say "engine: the running one at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
  own_engine=0
else
  own_engine=1
  command -v dockerd >/dev/null || engine_unavailable "no dockerd, and none answers"
  [[ "$(id -u)" -eq 0 ]] || engine_unavailable "none answers, and starting dockerd needs root"
  mkdir -p "$cache"
  # One dockerd per data root: a second smoke run waits for the first.
  exec 9>"$cache/lock"
  flock -w 1800 9 || engine_unavailable "$cache is locked by another run for 30 min"
  run_dir="$(mktemp -d /tmp/agg-dockerd.XXXXXX)"
  export DOCKER_HOST="unix://$run_dir/docker.sock"
  # overlay2 named explicitly: without overlayfs, dockerd would fall back to vfs, which
  # copies every layer and is no real test of the image.
  dockerd --data-root "$cache/data-root" --exec-root "$run_dir/exec" \
    --pidfile "$run_dir/dockerd.pid" -H "$DOCKER_HOST" --storage-driver overlay2 \
    --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
    >"$logs/dockerd.log" 2>&1 &
  dockerd_pid=$!
  dockerd_alive() { kill -0 "$dockerd_pid" 2>/dev/null; }
  dockerd_up() { ! dockerd_alive || engine_answers; }
  if ! wait_until 60 dockerd_up || ! dockerd_alive; then
    show_tail "$logs/dockerd.log" 15
    stop_engine
    engine_unavailable "dockerd did not start (its log: $logs/dockerd.log)"
  fi
  say "engine: dockerd $(dockerd --version | awk '{print $3}' | tr -d ,) (pid $dockerd_pid)," \
    "data root $cache/data-root"
fi

# Docker 23+ clients build with BuildKit only through the buildx plugin; Debian's 20.10
# client has BuildKit built in. Take a client that can do both builders.
docker=docker
if ! docker buildx version >/dev/null 2>&1 && [[ -x /usr/bin/docker ]]; then
  docker=/usr/bin/docker
fi
dk() { "$docker" "$@"; }
say "client: $docker ($(dk version -f '{{.Client.Version}}' 2>/dev/null)), server $(dk version -f '{{.Server.Version}}')"

if dk compose version >/dev/null 2>&1; then
  compose=("$docker" compose)
else
  compose=(docker-compose)
fi

remove_leftovers() {
  dk rm -f "$container" >/dev/null 2>&1 || true
  "${compose[@]}" -p "$project" -f docker-compose.yml down -v --timeout 10 >/dev/null 2>&1 || true
  dk volume rm -f "$volume" >/dev/null 2>&1 || true
}
remove_leftovers

# --- base images -----------------------------------------------------------------------------

# Prints the first URI of the apt sources (one-line or deb822) that serve suite $1.
apt_mirror() {
  local suite="$1" file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$file" ]] || continue
    awk -v suite="$suite" '$1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "$file"
  done
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    awk -v suite="$suite" 'BEGIN { RS = ""; FS = "\n" } {
        types = uris = suites = ""; enabled = 1
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/) types = $i
          else if ($i ~ /^URIs:/) uris = $i
          else if ($i ~ /^Suites:/) suites = $i
          else if ($i ~ /^Enabled: *no/) enabled = 0
        }
        if (enabled && types ~ /[ :]deb( |$)/ && (" " suites " ") ~ (" " suite " ")) {
          split(uris, u, " "); print u[2]; exit
        }
      }' "$file"
  done | head -n 1
}

# Makes debian:bookworm (debootstrap minbase) and debian:bookworm-slim (the same without docs,
# man pages and locales, as Debian's own slim images) and imports them.
make_base_images() {
  local mirror security rootfs="$cache/rootfs"
  mirror="${DOCKER_SMOKE_MIRROR:-$(apt_mirror bookworm)}"
  security="$(apt_mirror bookworm-security)"
  if [[ -z "$mirror" ]]; then
    echo "no apt source for bookworm in /etc/apt (set DOCKER_SMOKE_MIRROR)"
    return 1
  fi
  mkdir -p "$cache"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$logs/debootstrap.log" 2>&1 || {
    echo "debootstrap from $mirror failed (log: $logs/debootstrap.log)"
    return 1
  }
  rm -f "$rootfs/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$mirror"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    if [[ -n "$security" ]]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\n' "$security"
      printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    fi
  } >"$rootfs/etc/apt/sources.list.d/debian.sources"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | dk import --change 'CMD ["bash"]' - debian:bookworm >/dev/null || {
    echo "docker import of debian:bookworm failed"
    return 1
  }
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
    -exec rm -rf {} +
  tar -C "$rootfs" -c . | dk import --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null || {
    echo "docker import of debian:bookworm-slim failed"
    return 1
  }
  rm -rf "$rootfs"
  echo "made with debootstrap from $mirror"
}

t=$SECONDS
if dk image inspect debian:bookworm >/dev/null 2>&1 &&
  dk image inspect debian:bookworm-slim >/dev/null 2>&1; then
  ok "base images: debian:bookworm and debian:bookworm-slim are there"
elif detail="$(make_base_images)"; then
  ok "base images: debian:bookworm and debian:bookworm-slim $detail in $(elapsed "$t")"
else
  fail "base images: $detail"
  show_tail "$logs/debootstrap.log"
  summary
  exit 1
fi

# cgroups, namespaces and the runtime are only tried by running something.
if ! dk run --rm --network none debian:bookworm-slim true >"$logs/probe.log" 2>&1; then
  show_tail "$logs/probe.log" 10
  engine_unavailable "the engine starts but cannot run a container (log: $logs/probe.log)"
fi

# --- build -----------------------------------------------------------------------------------

checked_image=""
for builder in $builders; do
  t=$SECONDS
  case "$builder" in
    buildkit)
      tag="$image:buildkit"
      env=(DOCKER_BUILDKIT=1)
      args=(--progress plain)
      ;;
    legacy)
      tag="$image:legacy-builder"
      env=(DOCKER_BUILDKIT=0)
      args=()
      ;;
    *)
      fail "build: unknown builder '$builder' in DOCKER_SMOKE_BUILDERS"
      continue
      ;;
  esac
  # The checks below (and compose) run on the first builder's image, tagged plainly; it also
  # runs the unit tests, which the other builders skip.
  if [[ -z "$checked_image" ]]; then
    tag="$image"
  else
    args+=(--build-arg RUN_UNIT_TESTS=0)
  fi
  log="$logs/build-$builder.log"
  if env "${env[@]}" "$docker" build --network host "${args[@]}" -t "$tag" . >"$log" 2>&1; then
    # The legacy builder keeps its cache in images: tagging the build stage keeps it out of
    # the dangling images pruned below.
    if [[ "$builder" == legacy && "$own_engine" == 1 ]]; then
      env "${env[@]}" "$docker" build --network host "${args[@]}" --target build \
        -t "$image-build:legacy-builder" . >>"$log" 2>&1 || true
    fi
    size_mb=$(($(dk image inspect -f '{{.Size}}' "$tag") / 1000000))
    ok "build ($builder): $tag, $size_mb MB, in $(elapsed "$t")"
    [[ -n "$checked_image" ]] || checked_image="$tag"
  else
    fail "build ($builder): see $log"
    show_tail "$log"
  fi
done
if [[ "$own_engine" == 1 ]]; then
  # Keep the cache bounded: older builds' images, and BuildKit's cache beyond 4 GB.
  dk image prune -f >/dev/null 2>&1 || true
  DOCKER_BUILDKIT=1 dk builder prune -f --keep-storage 4GB >/dev/null 2>&1 || true
fi
if [[ -z "$checked_image" ]]; then
  summary
  exit 1
fi
image="$checked_image"

size_mb=$(($(dk image inspect -f '{{.Size}}' "$image") / 1000000))
if ((size_mb <= max_image_mb)); then
  ok "image size: $size_mb MB (at most $max_image_mb MB)"
else
  fail "image size: $size_mb MB, more than $max_image_mb MB"
fi

# --- run -------------------------------------------------------------------------------------

# A port nobody listens on (from /proc/net/tcp*, so no extra tool is needed).
free_port() {
  local used port _
  used=" $(awk 'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | while read -r hex; do
    echo $((16#$hex))
  done | tr '\n' ' ') "
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 30000))
    if [[ "$used" != *" $port "* ]]; then
      echo "$port"
      return 0
    fi
  done
  return 1
}
port="$(free_port)"
base="http://127.0.0.1:$port"

# http METHOD PATH [BODY]: prints "<status> <body>".
http() {
  local args=(-sS --max-time 10 -o "$logs/http-body" -w '%{http_code}' -X "$1" "$base$2")
  [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  local code
  code="$(curl "${args[@]}" 2>>"$logs/curl.log")" || code=000
  echo "$code $(cat "$logs/http-body" 2>/dev/null)"
}

health() { dk inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1" 2>/dev/null; }
is_healthy() { [[ "$(health "$1")" == healthy ]]; }
is_running() { [[ "$(dk inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" == true ]]; }
healthy_or_gone() { is_healthy "$1" || ! is_running "$1"; }
# Waits for the image's own HEALTHCHECK to say healthy; prints how long it took.
wait_healthy() {
  local t0
  t0=$(now_ms)
  wait_until 60 healthy_or_gone "$1" && is_healthy "$1" || return 1
  local ms=$(($(now_ms) - t0))
  printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100))
}

event() { # event ID: one event of topic "smoke"
  printf '{"topic":"smoke","event_id":"%s","timestamp":"2025-01-31T12:00:00Z","source":"docker-smoke","payload":{"n":1}}' "$1"
}

# Health checks every second instead of 30 s: only the interval changes, the check is the
# image's. The host network, as the engine may have no bridge; loopback only.
dk volume create "$volume" >/dev/null
if ! dk run -d --name "$container" --network host --health-interval 1s \
  -e EVENT_AGGREGATOR_HOST=127.0.0.1 -e EVENT_AGGREGATOR_PORT="$port" \
  -v "$volume:/data" "$image" >"$logs/run.log" 2>&1; then
  fail "run: docker run failed"
  show_tail "$logs/run.log"
  summary
  exit 1
fi

if took="$(wait_healthy "$container")"; then
  ok "healthy (the image's HEALTHCHECK, interval 1 s): after $took"
else
  fail "healthy: status '$(health "$container")' after 60 s"
  dk logs --tail 20 "$container" 2>&1 | sed 's/^/     | /'
fi

uid="$(dk exec "$container" id -u 2>&1 || true)"
if [[ "$uid" =~ ^[0-9]+$ && "$uid" != 0 ]]; then
  ok "non-root: the server runs as uid $uid ($(dk exec "$container" id -un))"
else
  fail "non-root: id -u in the container says '$uid'"
fi

# check NAME EXPECTED ACTUAL
check() {
  if [[ "$3" == "$2" ]]; then
    ok "$1: $3"
  else
    fail "$1: expected '$2', got '$3'"
  fi
}
check "publish one event" \
  '200 {"duplicate_dropped":0,"received":1,"status":"ok","unique_processed":1}' \
  "$(http POST /publish "$(event s-1)")"
check "publish a batch (one stored before, one twice)" \
  '200 {"duplicate_dropped":2,"received":4,"status":"ok","unique_processed":2}' \
  "$(http POST /publish "[$(event s-1),$(event s-2),$(event s-3),$(event s-3)]")"

# event_ids TOPIC: the event ids GET /events returns, space-separated.
event_ids() {
  local answer
  answer="$(http GET "/events?topic=$1")"
  echo "${answer%% *} $(grep -o '"event_id":"[^"]*"' <<<"${answer#* }" | cut -d'"' -f4 | paste -sd ' ')"
}
check "GET /events" "200 s-1 s-2 s-3" "$(event_ids smoke)"

stats() { http GET /stats | sed 's/,"uptime":[0-9.e+-]*//'; }
check "GET /stats" \
  '200 {"duplicate_dropped":2,"received":5,"topics":["smoke"],"unique_processed":3}' "$(stats)"

# The store is in WAL mode: until a checkpoint, the events are in events.db-wal.
if stat="$(dk run --rm --network none -v "$volume:/data" -w /data --entrypoint stat "$image" \
  -c '%n (uid %u, %s bytes)' events.db events.db-wal 2>&1 | paste -sd ' ')"; then
  ok "data in the volume $volume: $stat"
else
  fail "data in the volume $volume: $stat"
fi

t=$SECONDS
if dk restart "$container" >"$logs/restart.log" 2>&1 && took="$(wait_healthy "$container")"; then
  ok "docker restart: healthy again after $took"
  check "after the restart: events kept" "200 s-1 s-2 s-3" "$(event_ids smoke)"
  check "after the restart: a re-sent event is a duplicate" \
    '200 {"duplicate_dropped":1,"received":1,"status":"ok","unique_processed":0}' \
    "$(http POST /publish "$(event s-2)")"
  check "after the restart: GET /stats kept its counts" \
    '200 {"duplicate_dropped":3,"received":6,"topics":["smoke"],"unique_processed":3}' "$(stats)"
else
  fail "docker restart: status '$(health "$container")' after $(elapsed "$t")"
  show_tail "$logs/restart.log"
fi

t0=$(now_ms)
dk stop -t 10 "$container" >/dev/null 2>&1 || true
stop_ms=$(($(now_ms) - t0))
code="$(dk inspect -f '{{.State.ExitCode}}' "$container")"
if ((stop_ms <= 5000)) && [[ "$code" == 0 ]]; then
  ok "docker stop: exit code $code after $stop_ms ms (at most 5000)"
else
  fail "docker stop: exit code $code after $stop_ms ms (want 0 within 5000)"
  dk logs --tail 20 "$container" 2>&1 | sed 's/^/     | /'
fi
dk logs "$container" >"$logs/container.log" 2>&1 || true
dk rm -f "$container" >/dev/null 2>&1 || true
dk volume rm -f "$volume" >/dev/null 2>&1 || true

# --- compose ---------------------------------------------------------------------------------

# The project's compose file, plus what this machine needs: the host network on a free
# loopback port, and the 1 s health interval. Compose refuses port bindings on the host
# network, and an override cannot remove them, so the copy leaves out the "ports:" key.
awk '
  skip { match($0, /^ */); if (RLENGTH > indent || $0 ~ /^ *$/) next; skip = 0 }
  /^ *ports:/ { skip = 1; match($0, /^ */); indent = RLENGTH; next }
  { print }' docker-compose.yml >"$logs/docker-compose.yml"
override="$logs/compose.override.yml"
cat >"$override" <<EOF
services:
  event-aggregator:
    image: $image
    network_mode: host
    environment:
      EVENT_AGGREGATOR_HOST: "127.0.0.1"
      EVENT_AGGREGATOR_PORT: "$port"
    healthcheck:
      interval: 1s
EOF
compose_files=(--project-directory "$root" -p "$project" -f "$logs/docker-compose.yml" -f "$override")
compose_run() { "${compose[@]}" "${compose_files[@]}" "$@" >>"$logs/compose.log" 2>&1; }
compose_name="$("${compose[@]}" version --short 2>/dev/null || true)"
compose_name="${compose[*]} ${compose_name:-}"
t=$SECONDS
if ! "${compose[@]}" -f docker-compose.yml config -q >>"$logs/compose.log" 2>&1; then
  fail "compose ($compose_name): docker-compose.yml does not validate"
  show_tail "$logs/compose.log"
elif ! compose_run config -q; then
  fail "compose ($compose_name): the file with the smoke override does not validate"
  show_tail "$logs/compose.log"
elif ! compose_run up -d --no-build; then
  fail "compose ($compose_name): up failed"
  show_tail "$logs/compose.log"
else
  id="$("${compose[@]}" "${compose_files[@]}" ps -q event-aggregator)"
  if ! took="$(wait_healthy "$id")"; then
    fail "compose ($compose_name): status '$(health "$id")' after 60 s"
    dk logs --tail 20 "$id" 2>&1 | sed 's/^/     | /'
  else
    answer="$(http POST /publish "$(event c-1)")"
    if [[ "$answer" != '200 {"duplicate_dropped":0,"received":1,"status":"ok","unique_processed":1}' ]]; then
      fail "compose ($compose_name): publish answered '$answer'"
    elif ! dk volume inspect "${project}_aggregator-data" >/dev/null 2>&1; then
      fail "compose ($compose_name): no volume ${project}_aggregator-data"
    elif ! compose_run down -v --timeout 10; then
      fail "compose ($compose_name): down failed"
      show_tail "$logs/compose.log"
    else
      ok "compose ($compose_name): up, healthy $took after it, publish, volume" \
        "${project}_aggregator-data, down -v; in $(elapsed "$t")"
    fi
  fi
fi

summary
((failed == 0))
