# Shared by the benchmark scripts (sourced): the binary and the seeded database they run on.
# Expects $work (the benchmark directory) and $bin (the binary; built unless BENCH_BIN is set).

# Builds the release binary unless BENCH_BIN names one, then seeds $work/m.db with $1
# mandates and sample questions, or reuses them when BENCH_DIR already holds them.
prepare() {
    if [ -z "${BENCH_BIN:-}" ]; then
        cargo build --release -p mandates-cli >/dev/null
    fi
    if [ -f "$work/m.db" ] && [ -n "${BENCH_DIR:-}" ]; then
        echo "reusing the seeded database in $work"
    else
        echo "seeding $1 mandates in $work"
        "$bin" --database "sqlite://$work/m.db" bench seed --mandates "$1" --sample "$work/checks.jsonl" 2>/dev/null
    fi
}

# A token of the demo application of fin from the server on port $1.
client_token() {
    curl -s -u demo-fin:demo-secret -d grant_type=client_credentials "http://127.0.0.1:$1/oauth/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/'
}
