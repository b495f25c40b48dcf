#!/usr/bin/env bash
# Starts the Release binary on a temporary data directory and drives it over loopback with wrk:
# GET /health (no auth, no database) and an authenticated GET /api/external/credits (key check,
# both buckets, a ledger read on the worker pool, JSON) on the same server in one run.
# Prints requests/s, p50 and p99 of each and their ratio. Goal: ratio >= 0.6, auth p99 < 2 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${BENCH_DURATION:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"

./scripts/install-deps.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF >/dev/null
cmake --build build-release --target agentd >/dev/null
BIN=./build-release/agentd

WORK=$(mktemp -d)
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

$BIN admin org create --slug bench --plan enterprise --credits 1000 --data-dir "$WORK/data" >/dev/null
KEY=$($BIN admin key create --org bench --rpm 1000000000 --rph 1000000000 --concurrency 10000 \
        --data-dir "$WORK/data" | tail -n 1)

mkfifo "$WORK/out"
$BIN serve --listen 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/out" 2>"$WORK/server.log" &
PID=$!
PORT=""
while read -r line; do
  case "$line" in *"listening on"*) PORT="${line##*:}"; break ;; esac
done <"$WORK/out"
cat "$WORK/out" >/dev/null &
[ -n "$PORT" ] || { echo "server did not start"; exit 1; }
BASE="http://127.0.0.1:$PORT"

# wrk's latency lines use us/ms/s; print milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }

run() {  # name url [header]
  local args=(-t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency)
  [ $# -ge 3 ] && args+=(-H "$3")
  wrk "${args[@]}" -d2s "$2" >/dev/null  # warm-up
  wrk "${args[@]}" "$2" >"$WORK/$1.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$WORK/$1.txt")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$WORK/$1.txt")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/$1.txt")")
  non2xx=$(awk '/Non-2xx/ { print $5 }' "$WORK/$1.txt")
  printf '%-28s %12s req/s   p50 %8s ms   p99 %8s ms   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
  eval "${1//[^a-z]/_}_rps=$rps; ${1//[^a-z]/_}_p99=$p99"
}

echo "agentd bench: $CONNECTIONS connections, ${DURATION}s per scenario, $(nproc) cores"
run health "$BASE/health"
run auth_credits "$BASE/api/external/credits?limit=5" "X-API-Key: $KEY"
ratio=$(awk -v a="$auth_credits_rps" -v h="$health_rps" 'BEGIN { printf "%.2f", a / h }')
echo "ratio authenticated/health: $ratio (goal >= 0.6); authenticated p99: ${auth_credits_p99} ms (goal < 2 ms)"
awk -v r="$ratio" -v p="$auth_credits_p99" 'BEGIN { exit !(r >= 0.6 && p < 2.0) }' && echo "goals: met" || echo "goals: NOT met"
