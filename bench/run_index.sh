#!/usr/bin/env bash
# Indexing throughput vs a plain FTS5 insert, and search latency over >= 100,000 chunks.
# Argument: corpus size in MB (default 66: past 100,000 chunks; 650 reaches 1,000,000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF -DAGENTD_BUILD_BENCH=ON >/dev/null
cmake --build build-release --target index_bench >/dev/null
./build-release/index_bench "${1:-66}"
