#!/usr/bin/env bash
# Load benchmark of the check endpoint against the release binary, as a ratio to /healthz of
# the same server under the same client: alternating healthz and checks ROUNDS times.
#
#   bench/load.sh MANDATES [ROUNDS] [SECONDS]
#
# With BENCH_DIR set, the seeded database is kept there and reused by the next run. With
# BENCH_BIN set, that binary is used as it is (no build).
#
# Seeds a fresh SQLite database with MANDATES synthetic mandates (mandates bench seed), starts
# the server on it, reports the index build time and resident memory, then runs wrk (64
# connections, 2 threads) and prints one line per run and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."

mandates="${1:?how many mandates}"
rounds="${2:-5}"
seconds="${3:-10}"
port=18700
work="${BENCH_DIR:-$(mktemp -d /tmp/mandates-bench.XXXXXX)}"
mkdir -p "$work"
bin="${BENCH_BIN:-target/release/mandates}"

source bench/lib.sh
prepare "$mandates"

MANDATES_DEMO_DATA=false MANDATES_LOG=info "$bin" --database "sqlite://$work/m.db" serve --demo --bind "127.0.0.1:$port" 2>"$work/serve.log" &
server=$!
cleanup() {
    kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
    if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.5
done
if ! kill -0 "$server" 2>/dev/null; then
    echo "the server did not start:" >&2
    cat "$work/serve.log" >&2
    exit 1
fi
build_ms="$(grep -o 'millis=[0-9]*' "$work/serve.log" | head -n 1 | cut -d= -f2 || true)"
grants="$(grep -o 'grants=[0-9]*' "$work/serve.log" | head -n 1 | cut -d= -f2 || true)"
rss_kb="$(grep VmRSS "/proc/$server/status" | awk '{print $2}')"
echo "index: $grants grants built in ${build_ms} ms; server resident memory $((rss_kb / 1024)) MiB"

export TOKEN QUESTIONS="$work/checks.jsonl"
TOKEN="$(client_token "$port")"

run() { # name, wrk args...
    local name="$1"; shift
    local line
    line="$(wrk "$@" "http://127.0.0.1:$port" | grep '^RESULT')"
    echo "$name ${line#RESULT }"
}

results="$work/results"
: >"$results"
for round in $(seq 1 "$rounds"); do
    run healthz -t2 -c64 -d"${seconds}s" -s bench/healthz.lua | tee -a "$results"
    run check -t2 -c64 -d"${seconds}s" -s bench/check.lua | tee -a "$results"
done
for round in $(seq 1 "$rounds"); do
    run healthz-1conn -t1 -c1 -d"${seconds}s" -s bench/healthz.lua | tee -a "$results"
    run check-1conn -t1 -c1 -d"${seconds}s" -s bench/check.lua | tee -a "$results"
done
BATCH=1000 run batch-1000 -t2 -c8 -d"${seconds}s" -s bench/check.lua | tee -a "$results"
echo "server resident memory after the load: $(( $(grep VmRSS "/proc/$server/status" | awk '{print $2}') / 1024 )) MiB"

echo
echo "medians over $rounds rounds (latencies in microseconds):"
for name in healthz check healthz-1conn check-1conn; do
    for field in rps p50 p99 p999; do
        value="$(grep "^$name " "$results" | grep -o "$field=[0-9.]*" | cut -d= -f2 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
        printf '%s %s=%s  ' "$name" "$field" "$value"
    done
    echo
done
