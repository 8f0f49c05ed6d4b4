#!/usr/bin/env bash
# How fast what the service decides leaves it: `mandates bench dispatch` on a fresh SQLite
# database and a fresh PostgreSQL database, sending mails to a real SMTP server (aiosmtpd,
# e2e/smtp_sink.py) and webhook events to a local receiver (bench/receiver.py).
#
#   bench/dispatch.sh [MANDATES]      # default 10000; needs python3 with aiosmtpd
#   PG_URL=postgres://postgres@127.0.0.1:5432 bench/dispatch.sh   # PostgreSQL server to use
set -euo pipefail
cd "$(dirname "$0")/.."
mandates="${1:-10000}"
pg="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
work="$(mktemp -d)"
bin="${BENCH_BIN:-target/release/mandates}"
[ -n "${BENCH_BIN:-}" ] || cargo build --release -p mandates-cli >/dev/null

mkdir -p "$work/mails"
python3 e2e/smtp_sink.py "$work/mails" > "$work/smtp.port" &
smtp_pid=$!
python3 bench/receiver.py > "$work/hook.port" &
hook_pid=$!
trap 'kill $smtp_pid $hook_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
    [ -s "$work/smtp.port" ] && [ -s "$work/hook.port" ] && break
    sleep 0.1
done
smtp="smtp://127.0.0.1:$(head -n 1 "$work/smtp.port")"
hook="http://127.0.0.1:$(head -n 1 "$work/hook.port")/"

echo "SQLite:"
(cd "$work" && "$OLDPWD/$bin" --database "sqlite://$work/d.db" bench dispatch \
    --mandates "$mandates" --smtp "$smtp" --webhook "$hook" 2>/dev/null)
echo "PostgreSQL:"
psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS bench_dispatch" -c "CREATE DATABASE bench_dispatch" 2>/dev/null
(cd "$work" && "$OLDPWD/$bin" --database "$pg/bench_dispatch" bench dispatch \
    --mandates "$mandates" --smtp "$smtp" --webhook "$hook" 2>/dev/null)
echo "mails received by the SMTP server: $(ls "$work/mails" | wc -l)"
