#!/usr/bin/env bash
# Installs the Debian 12 packages event-aggregator needs. Idempotent: when every package is
# already installed it changes nothing and needs neither root nor the network.
#
#   scripts/install-deps.sh            build + test + tooling packages (developer machine, CI)
#   scripts/install-deps.sh --build    only what compiling the server and the unit tests needs
#                                      (the Docker image's build stage)
#   scripts/install-deps.sh --runtime  only the shared libraries the binary loads (Docker runtime)
set -euo pipefail

usage() {
  echo "usage: $0 [--build | --runtime]" >&2
}

mode=dev
for arg in "$@"; do
  case "$arg" in
    --build) mode=build ;;
    --runtime) mode=runtime ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install-deps: unknown argument '$arg'" >&2; usage; exit 2 ;;
  esac
done

# Build: compilers, the libraries' -dev packages and Catch2: enough for the server and the
# unit tests, which is all the image's build stage compiles.
# libcpp-httplib-dev's cpp-httplib.pc requires openssl, zlib and libbrotli (hence their -dev).
# libsimdjson-dev: publish bodies are decoded with simdjson, because nlohmann's lexer was the
# measured hot spot of batch publishing (~25% of the HTTP threads' time at batches of 100).
# libxxhash-dev: XXH3 hashes dedup keys for the key index (header-only, nothing at run time);
# its output is fixed by specification, which a hash kept on disk needs.
# libboost-dev: Boost.Beast and Asio (header-only) are the HTTP front's parser and event loop.
# libpq-dev: the PostgreSQL store (--store postgres) talks to the server through libpq's C API.
# haproxy, nginx-light: the proxy tests run the smuggling probes through both (and
# bench/front_compare.sh's ceiling is nginx's fixed 200), each started by the test from a config in a
# temp dir on 127.0.0.1 (on systemd machines the packages also start their default services,
# which the tests do not use: `systemctl disable --now nginx haproxy` if unwanted).
build_packages=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev libcpp-httplib-dev nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev catch2
  libjemalloc-dev libsimdjson-dev libxxhash-dev libboost-dev libpq-dev
  libssl-dev zlib1g-dev libbrotli-dev
)
# Development adds the tools of the integration tests, benchmarks and fuzzing; none of them
# runs in the image's build stage, hence --build.
# clang + libclang-rt-14-dev: the libFuzzer build (scripts/fuzz.sh); openssl: the TLS tests
# make throw-away certificates; prometheus: its promtool checks GET /metrics in the tests
# (the package also brings the Prometheus server, which systemd machines then start);
# chromium: the dashboard test renders GET / headless (--headless --no-sandbox, fine as root).
# postgresql-15: the PostgreSQL store's tests start a throw-away cluster of their own (initdb
# and pg_ctl as the postgres user the package creates, on a unix socket in a temp dir); the
# package's own cluster "main" is not used.
dev_packages=(
  "${build_packages[@]}"
  git ca-certificates
  wrk sqlite3 curl jq
  clang libclang-rt-14-dev openssl
  prometheus
  chromium
  haproxy nginx-light
  postgresql-15
)
# Runtime: what `ldd event-aggregator` resolves to. SQLiteCpp and nlohmann-json are linked in
# statically / header-only; httplib's .so pulls libssl3, zlib1g and libbrotli1; libsimdjson14
# is simdjson's .so (the publish decoder); libpq5 is the PostgreSQL client (--store postgres).
runtime_packages=(
  libcaf-core0.17 libcpp-httplib0.11 libsqlite3-0 libssl3 zlib1g libbrotli1 libjemalloc2
  libsimdjson14 libpq5
  libstdc++6 libgcc-s1
)

case "$mode" in
  dev) packages=("${dev_packages[@]}") ;;
  build) packages=("${build_packages[@]}") ;;
  runtime) packages=("${runtime_packages[@]}") ;;
esac

missing=()
for pkg in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} ${mode} packages are installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"

if [[ "$(id -u)" -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: not root and no sudo; as root, run:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

# Wait for another apt/dpkg (unattended-upgrades, a parallel job) instead of failing at once.
apt_options=(-o DPkg::Lock::Timeout=600)

# A failed update (offline mirror) is not fatal by itself: the lists may already be good enough.
if ! "${as_root[@]}" apt-get "${apt_options[@]}" update; then
  echo "install-deps: warning: apt-get update failed; trying the install anyway" >&2
fi
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get "${apt_options[@]}" install -y --no-install-recommends "${missing[@]}"
echo "install-deps: done"
