#!/usr/bin/env bash
# Measures the household file at scale.
#
#   scripts/bench_households.sh [sqlite|postgres] [HOUSEHOLDS]     (defaults: sqlite 100000)
#
# Builds the release binary, generates the national union tree with 2 000
# grassroots unions and HOUSEHOLDS households with members and 12 months of
# incomes (`bangfu demo --grassroots 2000 --households N`), then measures:
#   - the generation itself (every file numbered, identified and audited);
#   - identifying every household again (POST /api/v1/households/reidentify,
#     a job followed to its end);
#   - wrk (2 threads, 16 connections, 10 s) on a filtered list page, on a
#     search by full ID number, and on one file with its identification;
# The import from .xlsx is measured by an ignored test that builds the file:
#   BANGFU_IMPORT_BENCH_N=100000 cargo test --release -p bangfu --test api \
#       -- --ignored --nocapture households_import::benchmark_large_import
# (add BANGFU_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432 for PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-100000}"
port="${BANGFU_BENCH_PORT:-18081}"
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
    postgres) psql "$pg/postgres" -qc "CREATE DATABASE $dbname"; url="$pg/$dbname" ;;
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
ms() { echo $(( ($2 - $1) / 1000000 )); }

echo "== $backend: national tree with 2000 grassroots unions"
$bin --database "$url" demo --grassroots 2000 > "$work/tree.log"
echo "== $backend: generating $n households"
t0=$(date +%s%N)
$bin --database "$url" demo --households "$n" > "$work/households.log"
t1=$(date +%s%N)
tail -n 1 "$work/households.log"
echo "generate $n households: $(ms "$t0" "$t1") ms"

# The administrator re-identifies; a national reviewer reads the nation's
# files (an administrator does not), a county officer its own.
echo 'Bench-Admin-2026' | $bin --database "$url" user create --username hh-admin --role admin --keep-password >/dev/null
echo 'Bench-Reviewer-2026' | $bin --database "$url" user create --username hh-reviewer --role reviewer --keep-password >/dev/null
echo 'Bench-Officer-2026' | $bin --database "$url" user create --username hh-officer --role officer --union 440103 --keep-password >/dev/null
$bin --database "$url" serve --listen "127.0.0.1:$port" --two-factor-roles none > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
admin=$(bench_token hh-admin Bench-Admin-2026)
national=$(bench_token hh-reviewer Bench-Reviewer-2026)
county=$(bench_token hh-officer Bench-Officer-2026)

bench_reidentify "$admin" > "$work/reid.txt"
echo "identify all (a job, followed to its end): $(sed -n 2p "$work/reid.txt") in $(sed -n 1p "$work/reid.txt") ms"

# A full ID number to search for: reveal one file's (audited, with a reason).
hid=$(curl -sf "http://127.0.0.1:$port/api/v1/households?per_page=1&sort=name" -H "authorization: Bearer $national" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
idn=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/households/$hid/reveal" -H "authorization: Bearer $national" \
    -H 'content-type: application/json' -d '{"reason":"性能测试"}' \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)["worker_id_number"])')

bench() {
    local label="$1" tok="$2" path="$3"
    local out rps avg p99
    out=$(wrk -t2 -c16 -d10s --latency -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$path")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    avg=$(awk '/^    Latency/ {print $2}' <<<"$out")
    p99=$(awk '/^     99%/ {print $2}' <<<"$out")
    printf '%-64s %10s req/s   avg %8s   p99 %8s\n' "$label" "$rps" "$avg" "$p99"
}
# One request at a time: what a single officer waits for (median of 9).
single() {
    printf '%-64s %8s ms (one request at a time, median of 9)\n' "$1" "$(bench_median "$2" "$3")"
}
echo "== $backend: single requests"
single "national: filtered list (near_dibao, eligible, national tier)" "$national" \
    "/api/v1/households?category=near_dibao&decision=eligible&tier=national&per_page=30"
single "national: search by full ID number" "$national" "/api/v1/households?q=$idn"
single "national: search by name (substring)" "$national" "/api/v1/households?q=%E5%BB%BA%E5%9B%BD&per_page=30"
single "county officer: own files, first page" "$county" "/api/v1/households?per_page=30"

echo "== $backend: wrk -t2 -c16 -d10s per endpoint"
bench "national: filtered list (near_dibao, eligible, national tier)" "$national" \
    "/api/v1/households?category=near_dibao&decision=eligible&tier=national&per_page=30"
bench "national: list, region 440000 (广东), sorted by name" "$national" \
    "/api/v1/households?region=440000&sort=name&per_page=30"
bench "national: search by full ID number" "$national" "/api/v1/households?q=$idn"
bench "national: search by name (substring)" "$national" "/api/v1/households?q=%E5%BB%BA%E5%9B%BD&per_page=30"
bench "county officer: own files, first page" "$county" "/api/v1/households?per_page=30"
bench "national: one file with its identification" "$national" "/api/v1/households/$hid"
