#!/usr/bin/env bash
# Turn latency at turn 10 and at turn 2,000 of one session (builtin model, loopback upstream).
# Argument: turns (default 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF -DAGENTD_BUILD_BENCH=ON >/dev/null
cmake --build build-release --target agentd long_session_bench >/dev/null
./build-release/long_session_bench "$PWD/build-release/agentd" "${1:-2000}"
