#!/usr/bin/env bash
# Times scoring an assessment (考核评价) of every union of a level.
#
#   scripts/bench_assessment.sh [sqlite|postgres] [HOUSEHOLDS]   (defaults: sqlite 100000)
#
# Builds the release binary (or takes BANGFU_BENCH_BIN), generates the
# national tree (2 000 grassroots unions) and HOUSEHOLDS households
# (`bangfu demo --households N`; BANGFU_BENCH_DB reuses a database already
# generated: a SQLite file, or a PostgreSQL URL), starts the server and, as
# a national administrator, defines Yunnan's 6 × 25 scheme for the county
# and for the grassroots level of the whole tree, then times
# POST /api/v1/assessments/{id}/score (the nine computed items counted for
# every union of the level: one grouped query per item) and the report
# read after it. The issue's target: <= 10 s for 1 000 000 households on
# SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-100000}"
port="${BANGFU_BENCH_PORT:-18084}"
. scripts/bench_lib.sh
bench_setup "$backend" "$n" assessment
bench_serve "$port"
echo "households: $(sql 'SELECT count(*) FROM households'), on file: $(sql "SELECT count(*) FROM households WHERE status = 'on_file'")"
curl -sf "$api/assessments/example" -H "$auth" > "$work/items.json"
year=$(date -u +%Y)
for level in county grassroots; do
    # A year no earlier run of this script used on this database.
    y=$year
    while :; do
        body=$(python3 -c 'import sys,json; print(json.dumps({"level":sys.argv[1],"year":int(sys.argv[2]),"title":"性能测试考核","items":json.load(open(sys.argv[3]))}))' "$level" "$y" "$work/items.json")
        code=$(curl -s -o "$work/scheme.json" -w '%{http_code}' "$api/assessments" -H "$auth" -H 'content-type: application/json' -d "$body")
        [ "$code" = 409 ] || break
        y=$((y - 1))
    done
    [ "$code" = 201 ] || { echo "define ($level): $code $(cat "$work/scheme.json")" >&2; exit 1; }
    id=$(python3 -c 'import sys,json; print(json.load(open(sys.argv[1]))["scheme"]["id"])' "$work/scheme.json")
    t0=$(date +%s%N)
    curl -sf -X POST "$api/assessments/$id/score" -H "$auth" > "$work/report.json"
    t1=$(date +%s%N)
    curl -sf "$api/assessments/$id" -H "$auth" > /dev/null
    t2=$(date +%s%N)
    unions=$(python3 -c 'import sys,json; print(json.load(open(sys.argv[1]))["assessed"])' "$work/report.json")
    echo "score $level ($y): $unions unions in $(ms "$t0" "$t1") ms; report read $(ms "$t1" "$t2") ms"
done
