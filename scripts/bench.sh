#!/usr/bin/env bash
# Measures Bangfu on a national-scale union tree.
#
#   scripts/bench.sh [sqlite|postgres] [GRASSROOTS]      (defaults: sqlite 100000)
#
# Builds the release binary, generates the whole national tree (every
# province, city and county union of GB/T 2260) plus GRASSROOTS grassroots
# unions and one officer per county (`bangfu demo --grassroots N`), starts the
# server and drives the JSON API with wrk (Debian package `wrk`; 2 threads,
# 16 connections, 10 s per endpoint). Prints one line per endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-100000}"
port="${BANGFU_BENCH_PORT:-18080}"
pg="${BANGFU_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release -q -p bangfu
bin=target/release/bangfu
work="$(mktemp -d "${TMPDIR:-/tmp}/bangfu-bench.XXXXXX")"
source "$(dirname "$0")/bench_lib.sh"
bench_key
dbname="bangfu_bench_$$"
case "$backend" in
    sqlite) url="sqlite://$work/bench.db" ;;
    postgres) psql "$pg/postgres" -qc "CREATE DATABASE $dbname" ; url="$pg/$dbname" ;;
    *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    wait 2>/dev/null || true
    [ "$backend" = postgres ] && psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "== generating: $backend, $n grassroots unions"
start=$(date +%s%N)
$bin --database "$url" demo --grassroots "$n" > "$work/demo.log"
end=$(date +%s%N)
tail -n 1 "$work/demo.log"
echo "generation: $(( (end - start) / 1000000 )) ms wall"
county_pw=$(python3 -c 'import re,sys; print(re.search(r"共用密码：([^）]+)）", open(sys.argv[1]).read()).group(1))' "$work/demo.log")
# Separate accounts: an administrator may not also be the auditor.
echo 'Bench-Admin-2026' | $bin --database "$url" user create --username national-admin --role admin --keep-password >/dev/null
echo 'Bench-Auditor-2026' | $bin --database "$url" user create --username national-auditor --role auditor --keep-password >/dev/null

$bin --database "$url" serve --listen "127.0.0.1:$port" --two-factor-roles none > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

token() {
    curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'
}
national=$(token national-admin Bench-Admin-2026)
auditor=$(token national-auditor Bench-Auditor-2026)
county=$(token officer-440103 "$county_pw")
gd=$(curl -sf "http://127.0.0.1:$port/api/v1/unions?level=province&q=%E5%B9%BF%E4%B8%9C" -H "authorization: Bearer $national" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')

bench() {
    local label="$1" tok="$2" path="$3"
    local out
    out=$(wrk -t2 -c16 -d10s --latency -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$path")
    local rps avg p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    avg=$(awk '/^    Latency/ {print $2}' <<<"$out")
    p99=$(awk '/^     99%/ {print $2}' <<<"$out")
    printf '%-58s %10s req/s   avg %8s   p99 %8s\n' "$label" "$rps" "$avg" "$p99"
}

echo "== $backend: wrk -t2 -c16 -d10s per endpoint"
bench "GET /healthz" "$national" "/healthz"
bench "national admin: GET /unions (first 50 of the nation)" "$national" "/api/v1/unions?per_page=50"
bench "national admin: GET /unions?q=机械厂 (search the nation)" "$national" "/api/v1/unions?q=%E6%9C%BA%E6%A2%B0%E5%8E%82&per_page=50"
bench "national admin: GET /unions/{广东} (detail + children)" "$national" "/api/v1/unions/$gd"
bench "national admin: GET /users (first 50 of the nation)" "$national" "/api/v1/users?per_page=50"
bench "national auditor: GET /audit (latest 50)" "$auditor" "/api/v1/audit?per_page=50"
bench "county officer: GET /unions (own subtree)" "$county" "/api/v1/unions?per_page=50"
bench "county officer: GET /unions/{out of scope} (404)" "$county" "/api/v1/unions/$gd"
