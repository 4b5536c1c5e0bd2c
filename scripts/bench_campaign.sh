#!/usr/bin/env bash
# Times starting a 专项行动 (回头看) over every household of the tree.
#
#   scripts/bench_campaign.sh [sqlite|postgres] [HOUSEHOLDS]   (defaults: sqlite 100000)
#
# Builds the release binary (or takes BANGFU_BENCH_BIN), generates the
# national tree (2 000 grassroots unions) and HOUSEHOLDS households
# (`bangfu demo --households N`; BANGFU_BENCH_DB reuses a database already
# generated: a SQLite file, or a PostgreSQL URL), starts the server and, as
# a national administrator, POSTs /api/v1/campaigns (look_back over the
# root): one INSERT … SELECT of the tasks and one of their to-dos in one
# transaction. Reports the request's time and the tasks made, which must
# equal the households on file. The issue's target: <= 10 s for 1 000 000
# households on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-100000}"
port="${BANGFU_BENCH_PORT:-18083}"
pg="${BANGFU_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"

bin="${BANGFU_BENCH_BIN:-target/release/bangfu}"
[ -n "${BANGFU_BENCH_BIN:-}" ] || cargo build --release -q -p bangfu
work="$(mktemp -d "${TMPDIR:-/tmp}/bangfu-bench-c.XXXXXX")"
server=""
dbname=""
cleanup() {
    [ -n "$server" ] && { kill "$server" 2>/dev/null; } || true
    wait 2>/dev/null || true
    [ -n "$dbname" ] && psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" || true
    rm -rf "$work"
}
trap cleanup EXIT
ms() { echo $(( ($2 - $1) / 1000000 )); }

case "$backend" in
    sqlite)
        if [ -n "${BANGFU_BENCH_DB:-}" ]; then url="sqlite://$BANGFU_BENCH_DB"; else url="sqlite://$work/bench-c.db"; fi
        sql() { sqlite3 "${url#sqlite://}" "$1"; } ;;
    postgres)
        if [ -n "${BANGFU_BENCH_DB:-}" ]; then url="$BANGFU_BENCH_DB"; else
            dbname="bangfu_bench_campaign_$$"
            psql "$pg/postgres" -qc "CREATE DATABASE $dbname"
            url="$pg/$dbname"
        fi
        sql() { psql "$url" -At -c "$1"; } ;;
    *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac

if [ -z "${BANGFU_BENCH_DB:-}" ]; then
    echo "== national tree with 2000 grassroots unions"
    $bin --database "$url" demo --grassroots 2000 > "$work/tree.log"
    echo "== generating $n households"
    t0=$(date +%s%N)
    $bin --database "$url" demo --households "$n" > "$work/households.log"
    t1=$(date +%s%N)
    echo "generate $n households: $(ms "$t0" "$t1") ms"
fi
on_file=$(sql "SELECT count(*) FROM households WHERE status = 'on_file'")
echo "households: $(sql 'SELECT count(*) FROM households'), on file: $on_file"

admin="bench-admin-$$"
echo 'Bench-Admin-2026' | $bin --database "$url" user create --username "$admin" --role admin --keep-password >/dev/null
$bin --database "$url" serve --listen "127.0.0.1:$port" --monthly-schedule false > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$admin\",\"password\":\"Bench-Admin-2026\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
deadline=$(date -u -d '+30 days' +%F)
t0=$(date +%s%N)
curl -sf "http://127.0.0.1:$port/api/v1/campaigns" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' \
    -d "{\"kind\":\"look_back\",\"title\":\"性能测试回头看\",\"deadline\":\"$deadline\"}" > "$work/campaign.json"
t1=$(date +%s%N)
tasks=$(python3 -c 'import sys,json; print(json.load(open(sys.argv[1]))["tasks"])' "$work/campaign.json")
echo "POST /api/v1/campaigns: $tasks tasks in $(ms "$t0" "$t1") ms (households on file: $on_file)"
[ "$tasks" = "$on_file" ] || { echo "tasks differ from the households on file" >&2; exit 1; }
