#!/usr/bin/env bash
# An authenticated read's p99 while a generated corpus is uploaded and indexed, against the same
# read on the idle server. Argument: corpus size in MB (default 64).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF -DAGENTD_BUILD_BENCH=ON >/dev/null
cmake --build build-release --target agentd indexing_reads_bench >/dev/null
./build-release/indexing_reads_bench "$PWD/build-release/agentd" "${1:-64}"
