#!/usr/bin/env bash
# Starts the Release binary on a temporary data directory and drives it over loopback with wrk:
# GET /health (no auth, no database) and an authenticated GET /api/external/credits (key check,
# both buckets, a ledger read on the worker pool, JSON) on the same server in one run.
# Prints requests/s, p50 and p99 of each and their ratio. Goal: ratio >= 0.6, auth p99 < 2 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${BENCH_DURATION:-5}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"

./scripts/install-deps.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTD_BUILD_TESTS=OFF >/dev/null
cmake --build build-release --target agentd >/dev/null
BIN=./build-release/agentd

WORK=$(mktemp -d)
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

$BIN admin org create --slug bench --plan enterprise --credits 1000 --data-dir "$WORK/data" >/dev/null
KEY=$($BIN admin key create --org bench --rpm 100000000 --rph 100000000 --concurrency 10000 \
        --data-dir "$WORK/data" | tail -n 1)

mkfifo "$WORK/out"
START_NS=$(date +%s%N)
${BENCH_PRELOAD:+env LD_PRELOAD=$BENCH_PRELOAD} $BIN serve --listen 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/out" 2>"$WORK/server.log" &
PID=$!
PORT=""
while read -r line; do
  case "$line" in *"listening on"*) PORT="${line##*:}"; break ;; esac
done <"$WORK/out"
cat "$WORK/out" >/dev/null &
[ -n "$PORT" ] || { echo "server did not start"; exit 1; }
BASE="http://127.0.0.1:$PORT"
until curl -sf "$BASE/health" >/dev/null; do :; done
COLD_MS=$(( ($(date +%s%N) - START_NS) / 1000000 ))

# wrk's latency lines use us/ms/s; print milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /s$/ && v !~ /ms$/) n *= 1000; printf "%.3f", n }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

once() {  # name connections url [header]: one wrk run, appends "rps p50 p99" to $WORK/name.runs
  local args=(-t1 -c"$2" -d"${DURATION}s" --latency)
  [ $# -ge 4 ] && args+=(-H "$4")
  wrk "${args[@]}" "$3" >"$WORK/$1.txt"
  if grep -q "Non-2xx" "$WORK/$1.txt"; then echo "$1: non-2xx responses"; cat "$WORK/$1.txt"; exit 1; fi
  echo "$(awk '/^Requests\/sec/ { print $2 }' "$WORK/$1.txt") \
$(to_ms "$(awk '$1 == "50%" { print $2 }' "$WORK/$1.txt")") \
$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/$1.txt")")" >>"$WORK/$1.runs"
}

report() {  # name: medians over the rounds
  local rps p50 p99
  rps=$(awk '{ print $1 }' "$WORK/$1.runs" | median)
  p50=$(awk '{ print $2 }' "$WORK/$1.runs" | median)
  p99=$(awk '{ print $3 }' "$WORK/$1.runs" | median)
  printf '%-30s %10s req/s   p50 %7s ms   p99 %7s ms\n' "$1" "$rps" "$p50" "$p99"
  eval "$1_rps=$rps; $1_p99=$p99"
}

ROUNDS="${BENCH_ROUNDS:-3}"
AUTH_URL="$BASE/api/external/credits?limit=5"
echo "agentd bench: $(nproc) cores; wrk -t1; $ROUNDS alternating rounds of ${DURATION}s per scenario, medians"
echo "cold start to first answered request (existing data directory): ${COLD_MS} ms (goal < 200 ms)"
wrk -t1 -c"$CONNECTIONS" -d2s "$BASE/health" >/dev/null
wrk -t1 -c"$CONNECTIONS" -d2s -H "X-API-Key: $KEY" "$AUTH_URL" >/dev/null
for _ in $(seq "$ROUNDS"); do
  once health "$CONNECTIONS" "$BASE/health"
  once auth "$CONNECTIONS" "$AUTH_URL" "X-API-Key: $KEY"
  once health_c8 8 "$BASE/health"
  once auth_c8 8 "$AUTH_URL" "X-API-Key: $KEY"
done
echo "at $CONNECTIONS connections:"
report health
report auth
echo "at 8 connections (little queueing):"
report health_c8
report auth_c8
ratio=$(awk -v a="$auth_rps" -v h="$health_rps" 'BEGIN { printf "%.2f", a / h }')
echo "ratio authenticated/health at $CONNECTIONS connections: $ratio (goal >= 0.6)"
echo "authenticated p99 at $CONNECTIONS connections: ${auth_p99} ms (goal < 2 ms; /health itself: ${health_p99} ms)"
