#!/usr/bin/env bash
# Concurrent SSE streams held by one agentd (RSS) and the time to first token it adds over a
# local upstream. Arguments: streams (default 10000), TTFT samples (default 300). Needs a high
# open-file limit: it raises its own, which takes root or `ulimit -Hn` above 2 x streams.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF -DAGENTD_BUILD_BENCH=ON >/dev/null
cmake --build build-release --target agentd sse_bench >/dev/null
./build-release/sse_bench "$PWD/build-release/agentd" "${1:-10000}" "${2:-300}"
