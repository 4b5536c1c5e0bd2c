#!/usr/bin/env bash
# Measures exits, the monthly run and the province panel at scale (issue 5).
#
#   scripts/bench_exits.sh [sqlite|postgres] [HOUSEHOLDS] [MONTHS]    (defaults: sqlite 100000 36)
#
# Builds the release binary, generates the national union tree with 2 000
# grassroots unions, then HOUSEHOLDS households with MONTHS months of
# incomes each, three years of decisions (exits by pathway, reliefs,
# removals, revocations, relapses and reopened files, a few targets) and
# three years of assistance (`bangfu demo --households N --months M`), and
# measures:
#   - the generation (households, decisions, assistance: one command);
#   - the monthly run over the nation, started by hand as an administrator
#     (POST /api/v1/monthly/run) and polled until done (wall time, and the
#     run's own figure);
#   - the province panel (GET /api/v1/stats/panel) for the top union, a
#     province (广东, 440000) and a county (荔湾区, 440103), as of today and
#     as of a year ago; target progress (GET /api/v1/targets/progress) for
#     the top union; the panel page (/stats) for the top union;
#     each one request at a time, median of 9.
# Timings are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-100000}"
months="${3:-36}"
port="${BANGFU_BENCH_PORT:-18083}"
pg="${BANGFU_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"

cargo build --release -q -p bangfu
bin=target/release/bangfu
work="$(mktemp -d "${TMPDIR:-/tmp}/bangfu-bench.XXXXXX")"
source "$(dirname "$0")/bench_lib.sh"
bench_key
dbname="bangfu_bench_exits_$$"
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
json() { python3 -c "import sys,json; d=json.load(sys.stdin); print($1)"; }

echo "== $backend: national tree with 2000 grassroots unions"
$bin --database "$url" demo --grassroots 2000 > "$work/tree.log"
echo "== $backend: generating $n households, $months months of incomes, three years of decisions and assistance"
t0=$(date +%s%N)
$bin --database "$url" demo --households "$n" --months "$months" > "$work/households.log"
t1=$(date +%s%N)
grep -E '^已生成' "$work/households.log" || true
echo "generate (households + decisions + assistance): $(ms "$t0" "$t1") ms"

echo 'Bench-Admin-2026' | $bin --database "$url" user create --username exits-admin --role admin --keep-password >/dev/null
# The scheduler would start this month's run by itself: off, so the run below is the one measured.
$bin --database "$url" serve --listen "127.0.0.1:$port" --monthly-schedule false --two-factor-roles none > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"exits-admin","password":"Bench-Admin-2026"}' | json 'd["token"]')
auth=(-H "authorization: Bearer $token")
api() { curl -sf "${auth[@]}" "http://127.0.0.1:$port$1"; }
root=$(api /api/v1/auth/me | json 'd["union_id"]')
province=$(api "/api/v1/unions?q=440000&level=province" | json 'd["items"][0]["id"]')
county=$(api "/api/v1/unions?q=440103&level=county" | json 'd["items"][0]["id"]')
today=$(TZ=Asia/Shanghai date +%F)
year=${today%%-*}
year_ago=$(python3 -c "import datetime; d=datetime.date.fromisoformat('$today'); print(d.replace(year=d.year-1) if not (d.month==2 and d.day==29) else d.replace(year=d.year-1, day=28))")

echo "== $backend: the monthly run (national, by hand)"
t0=$(date +%s%N)
bench_monthly "$token" > "$work/run.json"
t1=$(date +%s%N)
if [ ! -s "$work/run.json" ]; then
    echo "monthly run: POST /api/v1/monthly/run did not start a run (not measured)"
else
    echo "monthly run: $(ms "$t0" "$t1") ms wall (polled every 0.25 s); $(json '"%s: %s of %s households in %s ms, found %s, to-dos added %s" % (d["status_label"], d["evaluated"], d["total"], d["millis"], d["found"], d["added"])' < "$work/run.json")"
fi


echo "== $backend: the panel and targets"
bench_single "panel, top union, as of today" "/api/v1/stats/panel?union=$root&as_of=$today" "${auth[@]}"
bench_single "panel, top union, as of a year ago" "/api/v1/stats/panel?union=$root&as_of=$year_ago" "${auth[@]}"
bench_single "panel drill-down: province 440000, as of today" "/api/v1/stats/panel?union=$province&as_of=$today" "${auth[@]}"
bench_single "panel drill-down: county 440103, as of today" "/api/v1/stats/panel?union=$county&as_of=$today" "${auth[@]}"
bench_single "target progress, top union, $year" "/api/v1/targets/progress?union=$root&year=$year" "${auth[@]}"
if panel=$(api "/api/v1/stats/panel?union=$root&as_of=$today" 2>/dev/null); then
    echo "top union as of $today: $(json '"on file %s households (%s persons), filed %s, exits %s, relief %s, removals %s, reopened %s; %s child unions" % (d["total"]["on_file"]["households"], d["total"]["on_file"]["persons"], d["total"]["filed"], d["total"]["decisions"]["out"], d["total"]["decisions"]["relief"], d["total"]["decisions"]["removal"], d["total"]["reopened"], len(d["children"]))' <<<"$panel" 2>/dev/null || echo "(figures not read)")"
fi

# The page, with a browser session (login form and its CSRF token).
jar="$work/cookies.txt"
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -s -b "$jar" -c "$jar" -o /dev/null "http://127.0.0.1:$port/login" \
    --data-urlencode "username=exits-admin" --data-urlencode "password=Bench-Admin-2026" --data-urlencode "csrf=$csrf"
bench_single "page: /stats (top union, today)" "/stats?union=$root" -b "$jar"
bench_single "page: /targets (top union, $year)" "/targets?union=$root&year=$year" -b "$jar"
bench_single "page: / (administrator's dashboard)" "/" -b "$jar"
