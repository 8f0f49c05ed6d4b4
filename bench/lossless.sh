#!/usr/bin/env bash
# Counts, under load, the checks the server answered against the entries its access log holds.
#
#   bench/lossless.sh MANDATES [CONNECTIONS] [SECONDS]
#
# BENCH_DIR and BENCH_BIN as in bench/load.sh (a seeded database there is reused).
#
# Runs wrk with CONNECTIONS connections (default 5000) against POST /api/v1/checks and, after
# SECONDS, stops the server (SIGTERM) while wrk is still sending. The server then answers what
# it has begun and closes every connection, so each answer it sent reached wrk and was counted:
# the number of 200 answers wrk received is the number of checks answered. When the server has
# exited (having moved what it could of its spool into the store), it is started once more
# until its spool is empty, and the rows added to the access_log table are counted.
set -euo pipefail
cd "$(dirname "$0")/.."

mandates="${1:?how many mandates}"
connections="${2:-5000}"
seconds="${3:-30}"
port=18701
work="${BENCH_DIR:-$(mktemp -d /tmp/mandates-lossless.XXXXXX)}"
mkdir -p "$work"
bin="${BENCH_BIN:-target/release/mandates}"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

source bench/lib.sh
prepare "$mandates"

server=
start() {
    MANDATES_DEMO_DATA=false MANDATES_LOG=info "$bin" --database "sqlite://$work/m.db" serve --demo --bind "127.0.0.1:$port" 2>>"$work/serve.log" &
    server=$!
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$server" 2>/dev/null || break
        sleep 0.5
    done
    echo "the server did not start:" >&2
    cat "$work/serve.log" >&2
    exit 1
}
stop() {
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
trap 'kill "$server" 2>/dev/null || true; if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$work"; fi' EXIT
logged() { sqlite3 "$work/m.db" 'SELECT COUNT(*) FROM access_log'; }

start
before="$(logged)"
export TOKEN QUESTIONS="$work/checks.jsonl"
TOKEN="$(client_token "$port")"

wrk -t2 -c"$connections" -d"$((seconds + 15))s" --timeout 10s -s bench/check.lua "http://127.0.0.1:$port" >"$work/wrk.out" &
load=$!
sleep "$seconds"
rss_kb="$(grep VmHWM "/proc/$server/status" | awk '{print $2}')"
stop
wait "$load" || true
answered="$(grep -o 'checks=[0-9]*' "$work/wrk.out" | cut -d= -f2)"

# What the writer had not moved yet waits in the spool: a second start moves it.
start
previous=-1
while [ "$(logged)" != "$previous" ]; do
    previous="$(logged)"
    sleep 2
done
stop
after="$(logged)"

echo "$(grep '^RESULT' "$work/wrk.out")"
echo "connections=$connections seconds=$seconds peak_rss_mib=$((rss_kb / 1024))"
echo "answered=$answered logged=$((after - before))"
if [ "$answered" -eq "$((after - before))" ]; then
    echo "every answered check is logged, once"
else
    echo "answered and logged differ" >&2
    exit 1
fi
