#!/usr/bin/env bash
# Measures the fund audit and a household's assistance history at scale.
#
#   scripts/bench_assistance.sh [sqlite|postgres] [HOUSEHOLDS]     (defaults: sqlite 100000)
#
# Builds the release binary, generates the national union tree with 2 000
# grassroots unions, then HOUSEHOLDS households with three years of
# assistance each (`bangfu demo --households N`: plans and measures, 2–6
# records a year, about 60 % with cash, every cash payment a balanced
# disbursement funded by a receipt, a few planted rule breaks), and measures:
#   - the generation (households, then assistance);
#   - the whole fund audit over the nation (POST /api/v1/fund-audit/run),
#     first run (records the findings) and a second run (finds them again,
#     adds nothing);
#   - listing the open findings (first page, national auditor);
#   - one household's full history: the page /households/{id}/assistance
#     (when it exists) and GET /api/v1/households/{id}/assistance, median of 9.
# Timings are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-100000}"
port="${BANGFU_BENCH_PORT:-18082}"
pg="${BANGFU_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"

cargo build --release -q -p bangfu
bin=target/release/bangfu
work="$(mktemp -d "${TMPDIR:-/tmp}/bangfu-bench.XXXXXX")"
source "$(dirname "$0")/bench_lib.sh"
bench_key
dbname="bangfu_bench_assist_$$"
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
echo "== $backend: generating $n households with three years of assistance"
t0=$(date +%s%N)
$bin --database "$url" demo --households "$n" > "$work/households.log"
t1=$(date +%s%N)
grep -E '^已生成' "$work/households.log" || true
echo "generate $n households + assistance: $(ms "$t0" "$t1") ms"

echo 'Bench-Auditor-2026' | $bin --database "$url" user create --username fund-auditor --role auditor --keep-password >/dev/null
$bin --database "$url" serve --listen "127.0.0.1:$port" --two-factor-roles none > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"fund-auditor","password":"Bench-Auditor-2026"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
auth=(-H "authorization: Bearer $token")

echo "== $backend: the whole fund audit (national scope)"
for label in "first run" "second run"; do
    t0=$(date +%s%N)
    curl -sf -X POST "http://127.0.0.1:$port/api/v1/fund-audit/run" "${auth[@]}" > "$work/run.json"
    t1=$(date +%s%N)
    printf '%-12s %8s ms   %s\n' "$label" "$(ms "$t0" "$t1")" \
        "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("found", d["found"], "added", d["added"], "|", ", ".join("%s %s" % (c["check"], c["found"]) for c in d["checks"]))' "$work/run.json")"
done

single() {
    local label="$1" path="$2"; shift 2
    local t code
    code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$port$path")
    [ "$code" = 200 ] || echo "warning: $path answered $code"
    t=$(for _ in $(seq 1 9); do
        curl -s -o /dev/null -w '%{time_total}\n' "$@" "http://127.0.0.1:$port$path"
    done | sort -n | sed -n 5p)
    printf '%-64s %8.1f ms (median of 9)\n' "$label" "$(python3 -c "print($t*1000)")"
}
single "open findings, first page (national)" "/api/v1/fund-audit/findings?status=open&per_page=30" "${auth[@]}"

# A household with a full three years: the one with the most records among
# the households of the latest 200 records.
best=0; hid=""
for h in $(curl -s "http://127.0.0.1:$port/api/v1/assistance?per_page=200" "${auth[@]}" \
        | python3 -c 'import sys,json; ids=[]; [ids.append(i["household_id"]) for i in json.load(sys.stdin)["items"] if i["household_id"] not in ids]; print(" ".join(map(str, ids[:20])))'); do
    k=$(curl -sf "http://127.0.0.1:$port/api/v1/households/$h/assistance" "${auth[@]}" \
        | python3 -c 'import sys,json; d=json.load(sys.stdin); print(max([len(v) for v in d.values() if isinstance(v,list)] or [0]))' || echo 0)
    if [ "$k" -gt "$best" ]; then best=$k; hid=$h; fi
done
records=$(curl -sf "http://127.0.0.1:$port/api/v1/households/$hid/assistance" "${auth[@]}" \
    | python3 -c 'import sys,json; d=json.load(sys.stdin); print(max([len(v) for v in d.values() if isinstance(v,list)] or [0]) if isinstance(d,dict) else len(d))' || echo "?")
echo "household $hid: $records records"
single "API: GET /api/v1/households/$hid/assistance" "/api/v1/households/$hid/assistance" "${auth[@]}"

# The page, with a browser session (login form and its CSRF token).
jar="$work/cookies.txt"
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -s -b "$jar" -c "$jar" -o /dev/null "http://127.0.0.1:$port/login" \
    --data-urlencode "username=fund-auditor" --data-urlencode "password=Bench-Auditor-2026" --data-urlencode "csrf=$csrf"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "http://127.0.0.1:$port/households/$hid/assistance")
if [ "$code" = 200 ]; then
    single "page: /households/$hid/assistance" "/households/$hid/assistance" -b "$jar"
else
    echo "page /households/$hid/assistance answered $code: not measured"
fi
single "page: /households/$hid" "/households/$hid" -b "$jar"
single "page: /fund-audit (counts and first page)" "/fund-audit" -b "$jar"
