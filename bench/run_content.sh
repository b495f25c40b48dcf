#!/usr/bin/env bash
# Builtin image generations and the authenticated read's p99 while they run.
# Arguments: generations (default 500), image side in pixels (default 512).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF -DAGENTD_BUILD_BENCH=ON >/dev/null
cmake --build build-release --target agentd content_bench >/dev/null
./build-release/content_bench "$PWD/build-release/agentd" "${1:-500}" "${2:-512}"
