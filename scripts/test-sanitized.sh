#!/usr/bin/env bash
# Builds agentd and its tests with AddressSanitizer and UndefinedBehaviorSanitizer (jemalloc
# off, leak detection on) in build-sanitized/ and runs the whole suite. Called by .ci/run after
# the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
export CCACHE_BASEDIR="$PWD"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
# clang 14 at -O1 -g1: g++ 12 takes five times as long on the sanitized Asio/Beast code. Without
# -fsanitize=function: clang 14 cannot emit it for coroutines ("difference across sections").
# Without -fsanitize=vptr: Boost.System's constexpr error categories (in libboost_system, not
# instrumented) fail its check on every virtual call, a known false positive.
cmake -S . -B build-sanitized -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DAGENTD_JEMALLOC=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize=function,vptr -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  -DAGENTD_BUILD_FUZZ=ON \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
cmake --build build-sanitized
export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp"
ctest --test-dir build-sanitized --output-on-failure -j2 --timeout 600
