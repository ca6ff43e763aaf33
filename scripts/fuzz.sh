#!/usr/bin/env bash
# Builds the libFuzzer target for the publish decoder with clang (its own tree, build-fuzz/),
# replays the seed corpus, then fuzzes.
#   FUZZ_SECONDS  how long to fuzz (default 60)
#   FUZZ_DIR      build directory (default build-fuzz)
# Extra arguments are libFuzzer flags, e.g. `scripts/fuzz.sh -jobs=2`. Replay a crash file with
# `build-fuzz/fuzz/publish_decoder_fuzz CRASH_FILE`.
# New inputs go to $FUZZ_DIR/fuzz/corpus-publish, crash files to $FUZZ_DIR/fuzz/crash-*: the
# committed seeds in fuzz/corpus/publish never change. To keep a good new input, copy it there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-deps.sh

dir="${FUZZ_DIR:-build-fuzz}"
# Only the fuzz target is built: the tests and the server stay with g++ in the other trees.
cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAGG_BUILD_FUZZ=ON -DAGG_BUILD_TESTS=OFF
cmake --build "$dir" -j "$(nproc)" --target publish_decoder_fuzz

fuzzer="$dir/fuzz/publish_decoder_fuzz"
scratch="$dir/fuzz/corpus-publish"
mkdir -p "$scratch"
echo "fuzz: replaying the seed corpus"
"$fuzzer" -runs=0 fuzz/corpus/publish
echo "fuzz: fuzzing for ${FUZZ_SECONDS:-60} s"
"$fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=1024 \
  -print_final_stats=1 -artifact_prefix="$dir/fuzz/" "$scratch" fuzz/corpus/publish "$@"
