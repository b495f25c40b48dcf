#!/usr/bin/env bash
# Installs what is missing, builds agentd and its tests, and runs the whole suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# No file includes a header of a higher layer (docs/architecture.md).
./scripts/check-layers.sh
# Cache hits across clones (CI builds a fresh clone) and with precompiled headers.
export CCACHE_BASEDIR="$PWD"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build
ctest --test-dir build --output-on-failure -j2 --timeout 300
