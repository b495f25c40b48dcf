#!/usr/bin/env bash
# Runs every fuzz target of build-sanitized/ (built by scripts/test-sanitized.sh) for SECONDS
# each (default 60) from its committed corpus, new inputs kept in build-sanitized/fuzz-work/,
# and prints one line per target: executions, coverage, corpus size, and any finding.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
for bin in build-sanitized/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  work="build-sanitized/fuzz-work/$name"
  mkdir -p "$work"
  log=$(mktemp)
  "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="build-sanitized/fuzz-work/$name-" "$work" "fuzz/corpus/$name" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
  corp=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -o 'corp: [0-9]*' | grep -o '[0-9]*')
  finding=$( [ $rc -eq 0 ] && echo "none" || grep -m1 -E 'ERROR: |SUMMARY: ' "$log")
  echo "$name: ${SECONDS_EACH}s, ${execs:-?} executions, coverage ${cov:-?} edges, corpus ${corp:-?}, findings: $finding"
  rm -f "$log"
done
