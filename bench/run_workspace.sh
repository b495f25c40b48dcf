#!/usr/bin/env bash
# Workspace API: contact search over 100,000 contacts and 10,000 reminders due in one second.
# Arguments: contacts (default 100000), reminders (default 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF -DAGENTD_BUILD_BENCH=ON >/dev/null
cmake --build build-release --target agentd workspace_bench >/dev/null
./build-release/workspace_bench "$PWD/build-release/agentd" "${1:-100000}" "${2:-10000}"
