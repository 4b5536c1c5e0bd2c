#!/usr/bin/env bash
# Social resources at scale: how long the suggestions for one resource take
# over every household of the nation.
#
#   scripts/bench_resources.sh [sqlite|postgres] [HOUSEHOLDS]      (defaults: sqlite 100000)
#
# Generates the national tree and HOUSEHOLDS households (or takes
# BANGFU_BENCH_DB), makes a national officer, registers one provider with
# a resource of each kind that suggests by a different rule, and times the
# first page of suggestions (the API's default, 50 households) of each,
# the median of 9, one request at a time. A rule few households meet reads
# up to 20 000 households for a page and says where to continue: that is
# the slowest page. Timings are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-100000}"
port="${BANGFU_BENCH_PORT:-18092}"
source "$(dirname "$0")/bench_lib.sh"
bench_setup "$backend" "$n" resources
json() { python3 -c "import sys,json; d=json.load(sys.stdin); print($1)"; }

echo 'Bench-Officer-2026' | $bin --database "$url" user create --username res-officer --role officer --keep-password >/dev/null
$bin --database "$url" serve --listen "127.0.0.1:$port" --monthly-schedule false --two-factor-roles none > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(bench_token res-officer Bench-Officer-2026)
post() { curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' "http://127.0.0.1:$port$1" -d "$2"; }
provider=$(post /api/v1/providers '{"name":"全国某爱心企业","kind":"enterprise"}' | json 'd["id"]')
resource() { post /api/v1/resources "{\"provider_id\":$provider,\"quantity\":100000,$1}" | json 'd["id"]'; }
on_file=$(curl -sf -H "authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/households?status=on_file&per_page=1" | json 'd["total"]')
echo "== suggestions over $n households ($on_file on file), $backend"
for spec in \
    'jobs (unemployed, of working age, able)|"kind":"job","title":"岗位"' \
    'training (also flexible workers)|"kind":"training","title":"培训"' \
    'school aid (pupils and students)|"kind":"goods","aim":"education","title":"助学礼包"' \
    'rehabilitation (the ill; health is sealed)|"kind":"service","service":"rehabilitation","title":"康复护理"' \
    'day care (cannot look after themselves)|"kind":"service","service":"day_care","title":"日间照料"' \
    'legal aid (entitlements not settled)|"kind":"service","service":"legal","title":"法律援助"' \
    'worst case: a donation for anything suits nobody by itself|"kind":"goods","title":"生活物资"'; do
    label="${spec%%|*}"
    id=$(resource "${spec#*|}")
    page=$(curl -sf -H "authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/resources/$id/suggestions")
    found=$(echo "$page" | json 'len(d["items"])')
    scanned=$(echo "$page" | json 'd["scanned"]')
    bench_single "$label: $found found, $scanned read" "/api/v1/resources/$id/suggestions" -H "authorization: Bearer $token"
done
