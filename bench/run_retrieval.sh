#!/usr/bin/env bash
# Retrieval quality over the shipped corpus (bench/retrieval): recall@1, recall@5, MRR and the
# honesty of answers to questions the corpus cannot answer, against the Release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF -DAGENTD_BUILD_BENCH=ON >/dev/null
cmake --build build-release --target agentd retrieval_bench >/dev/null
./build-release/retrieval_bench "$PWD/build-release/agentd" "$PWD/bench/retrieval"
