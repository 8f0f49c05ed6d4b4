#!/usr/bin/env bash
# How fast what the service decides leaves it: `mandates bench dispatch` on a fresh SQLite
# database and a fresh PostgreSQL database, sending mails to a real SMTP server (aiosmtpd,
# e2e/smtp_sink.py in its counting mode) and webhook events to a local receiver
# (bench/receiver.py).
#
#   bench/dispatch.sh [MANDATES]      # default 10000; needs python3 with aiosmtpd
#   PG_URL=postgres://postgres@127.0.0.1:5432 bench/dispatch.sh   # PostgreSQL server to use
#   BENCH_BIN=path/to/mandates bench/dispatch.sh                  # no build
set -euo pipefail
cd "$(dirname "$0")/.."
mandates="${1:-10000}"
pg="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
work="$(mktemp -d)"
bin="${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/mandates}"
[ -n "${BENCH_BIN:-}" ] || cargo build --release -p mandates-cli >/dev/null
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac

# Both serve until they are sent SIGTERM (a background job reads /dev/null: the sink's test
# mode, which stops when its standard input closes, would stop at once).
python3 e2e/smtp_sink.py --count > "$work/smtp.out" &
smtp_pid=$!
python3 bench/receiver.py > "$work/hook.port" &
hook_pid=$!
trap 'kill $smtp_pid $hook_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
    [ -s "$work/smtp.out" ] && [ -s "$work/hook.port" ] && break
    sleep 0.1
done
smtp="smtp://127.0.0.1:$(head -n 1 "$work/smtp.out")"
hook="http://127.0.0.1:$(head -n 1 "$work/hook.port")/"

echo "SQLite:"
(cd "$work" && "$bin" --database "sqlite://$work/d.db" bench dispatch \
    --mandates "$mandates" --smtp "$smtp" --webhook "$hook" 2>"$work/sqlite.log") ||
    { tail -n 20 "$work/sqlite.log"; exit 1; }
echo "PostgreSQL:"
psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS bench_dispatch" -c "CREATE DATABASE bench_dispatch" 2>/dev/null
(cd "$work" && "$bin" --database "$pg/bench_dispatch" bench dispatch \
    --mandates "$mandates" --smtp "$smtp" --webhook "$hook" 2>"$work/pg.log") ||
    { tail -n 20 "$work/pg.log"; exit 1; }
kill "$smtp_pid"
wait "$smtp_pid" || true
echo "mails accepted by the SMTP server, both runs: $(sed -n 2p "$work/smtp.out")"
