#!/usr/bin/env bash
# Configures and builds event-aggregator with CMake and Ninja.
#   BUILD_DIR   build directory (default: build, relative to the repository root)
#   BUILD_TYPE  CMAKE_BUILD_TYPE (default: RelWithDebInfo)
#   BUILD_TARGET  build only this target (default: all, tests included)
# Extra arguments go to the configure step, e.g. `scripts/build.sh -DAGG_SANITIZE=ON`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build_dir="${BUILD_DIR:-build}"
build_type="${BUILD_TYPE:-RelWithDebInfo}"

# A directory configured with another generator cannot be switched to Ninja in place.
cache="$build_dir/CMakeCache.txt"
if [[ -f "$cache" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$cache"; then
  echo "build: $build_dir was configured with another generator; remove it or set BUILD_DIR" >&2
  exit 1
fi

cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="$build_type" \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  "$@"
target_args=()
if [[ -n "${BUILD_TARGET:-}" ]]; then
  target_args=(--target "$BUILD_TARGET")
fi
cmake --build "$build_dir" -j "$(nproc)" "${target_args[@]}"
