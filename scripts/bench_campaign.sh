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
. scripts/bench_lib.sh
bench_setup "$backend" "$n" campaign
on_file=$(sql "SELECT count(*) FROM households WHERE status = 'on_file'")
echo "households: $(sql 'SELECT count(*) FROM households'), on file: $on_file"

bench_serve "$port"
deadline=$(date -u -d '+30 days' +%F)
t0=$(date +%s%N)
curl -sf "$api/campaigns" -H "$auth" \
    -H 'content-type: application/json' \
    -d "{\"kind\":\"look_back\",\"title\":\"性能测试回头看\",\"deadline\":\"$deadline\"}" > "$work/campaign.json"
t1=$(date +%s%N)
tasks=$(python3 -c 'import sys,json; print(json.load(open(sys.argv[1]))["tasks"])' "$work/campaign.json")
echo "POST /api/v1/campaigns: $tasks tasks in $(ms "$t0" "$t1") ms (households on file: $on_file)"
[ "$tasks" = "$on_file" ] || { echo "tasks differ from the households on file" >&2; exit 1; }
