#!/usr/bin/env bash
# National scale on this machine: every figure of the national-scale table
# (README, "National scale"), over one generated database.
#
#   scripts/bench_national.sh [sqlite|postgres] [HOUSEHOLDS]      (defaults: sqlite 100000)
#
# Builds the release binary (or takes BANGFU_BENCH_BIN), generates the
# national union tree with 2 000 grassroots unions and HOUSEHOLDS households
# with three years of decisions and assistance (or takes BANGFU_BENCH_DB,
# an existing database), starts one server and measures:
#   - the generation itself;
#   - re-identifying every file on file, as a job (its own milliseconds);
#   - the panel of the top union (today and a year ago) and of a county, and
#     the ratio of the two; target progress of the top union;
#   - the monthly run (its own milliseconds);
#   - the national list, filtered, and a name search, as the administrator;
#   - the home dashboards of the national administrator and a manager;
#   - a county officer's list and one household's page under 64 concurrent
#     clients (wrk, from Debian's package, installed when missing):
#     requests per second and the 99th percentile;
#   - the server's peak memory (VmHWM) after all of it.
# Single requests are the median of 9, one at a time. Timings are printed,
# never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-100000}"
port="${BANGFU_BENCH_PORT:-18090}"
source "$(dirname "$0")/bench_lib.sh"
bench_setup "$backend" "$n" national
json() { python3 -c "import sys,json; d=json.load(sys.stdin); print($1)"; }
command -v wrk >/dev/null || { apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }; }

echo 'Bench-Admin-2026' | $bin --database "$url" user create --username nat-admin --role admin --keep-password >/dev/null
$bin --database "$url" serve --listen "127.0.0.1:$port" --monthly-schedule false --two-factor-roles none > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(bench_token nat-admin Bench-Admin-2026)
auth=(-H "authorization: Bearer $token")
api() { curl -sf "${auth[@]}" "http://127.0.0.1:$port$1"; }
root=$(api /api/v1/auth/me | json 'd["union_id"]')
county=$(api "/api/v1/unions?q=440103&level=county" | json 'd["items"][0]["id"]')
today=$(TZ=Asia/Shanghai date +%F)
year=${today%%-*}
year_ago=$(python3 -c "import datetime; d=datetime.date.fromisoformat('$today'); print(d.replace(year=d.year-1, day=min(d.day, 28)))")

# Accounts: a national reviewer (the administrator does not read files), a
# manager (reviewer) of a province, and an officer of the county.
echo 'Bench-Officer-2026' | $bin --database "$url" user create --username nat-officer --role officer --union 440103 --keep-password >/dev/null
echo 'Bench-Manager-2026' | $bin --database "$url" user create --username nat-manager --role reviewer --union 440000 --keep-password >/dev/null
echo 'Bench-Reviewer-2026' | $bin --database "$url" user create --username nat-reviewer --role reviewer --keep-password >/dev/null
officer=$(bench_token nat-officer Bench-Officer-2026)
reviewer=$(bench_token nat-reviewer Bench-Reviewer-2026)


page_login() { # USER PASSWORD JAR: a browser session
    local csrf
    csrf=$(curl -s -c "$3" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    curl -s -b "$3" -c "$3" -o /dev/null "http://127.0.0.1:$port/login" \
        --data-urlencode "username=$1" --data-urlencode "password=$2" --data-urlencode "csrf=$csrf"
}

load() { # LABEL PATH TOKEN: 64 clients for 10 s
    local out
    out=$(wrk -t 2 -c 64 -d 10s --latency -H "authorization: Bearer $3" "http://127.0.0.1:$port$2" 2>&1)
    printf '%-58s %9s req/s, p99 %s, non-2xx: %s\n' "$1" \
        "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
        "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
        "$(awk '/Non-2xx/ {print $NF} END {}' <<<"$out" | grep . || echo 0)"
}

echo "== $backend, $n households: re-identification"
reid=$(bench_reidentify "$token")
printf '%-58s %9s ms (%s files)\n' "re-identify every file on file (job)" "$(head -n 1 <<<"$reid")" \
    "$(tail -n 1 <<<"$reid" | json 'd.get("total", "?")')"

echo "== $backend: panel and targets"
bench_single "panel, top union, today" "/api/v1/stats/panel?union=$root&as_of=$today" "${auth[@]}"
top=$last_ms
bench_single "panel, top union, a year ago" "/api/v1/stats/panel?union=$root&as_of=$year_ago" "${auth[@]}"
bench_single "panel, county 440103, today" "/api/v1/stats/panel?union=$county&as_of=$today" "${auth[@]}"
printf '%-58s %9s\n' "panel: top union / county" "$(python3 -c "print(f'{$top/max($last_ms,0.001):.1f}×')")"
bench_single "target progress, top union, $year" "/api/v1/targets/progress?union=$root&year=$year" "${auth[@]}"

echo "== $backend: the monthly run"
bench_monthly "$token" > "$work/run.json"
if [ ! -s "$work/run.json" ]; then
    echo "monthly run: not started (one ran this month already?)"
else
    printf '%-58s %9s ms (%s)\n' "the monthly run" "$(json 'd["millis"]' < "$work/run.json")" \
        "$(json '"%s of %s households, found %s" % (d["evaluated"], d["total"], d["found"])' < "$work/run.json")"
fi

echo "== $backend: lists"
national=(-H "authorization: Bearer $reviewer")
bench_single "national list, on file, near-dibao, by filing date" "/api/v1/households?status=on_file&category=near_dibao&sort=filed_desc" "${national[@]}"
bench_single "national name search (建国)" "/api/v1/households?q=%E5%BB%BA%E5%9B%BD" "${national[@]}"
bench_single "national name search (王, one character)" "/api/v1/households?q=%E7%8E%8B" "${national[@]}"
bench_single "county officer's list" "/api/v1/households" -H "authorization: Bearer $officer"

echo "== $backend: home dashboards"
page_login nat-admin Bench-Admin-2026 "$work/admin.jar"
page_login nat-manager Bench-Manager-2026 "$work/manager.jar"
bench_single "home, national administrator" "/" -b "$work/admin.jar"
bench_single "home, province reviewer (manager)" "/" -b "$work/manager.jar"

echo "== $backend: 64 concurrent clients, 10 s each"
household=$(curl -sf -H "authorization: Bearer $officer" "http://127.0.0.1:$port/api/v1/households?per_page=1" | json 'd["items"][0]["id"]')
load "county officer's list" "/api/v1/households" "$officer"
load "one household" "/api/v1/households/$household" "$officer"
printf '%-58s %9s\n' "server peak memory (VmHWM)" "$(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$server/status")"
