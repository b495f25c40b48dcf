#!/usr/bin/env bash
# Installs what is missing, builds agentd (Release) and starts it on its embedded defaults:
# SQLite in ./data, the builtin model, listening on 127.0.0.1:8080. Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF
cmake --build build-release --target agentd
exec ./build-release/agentd serve --data-dir ./data "$@"
