#!/usr/bin/env bash
# Measures 部门核对 (cross-department verification) at scale.
#
#   scripts/bench_verification.sh [sqlite|postgres] [HOUSEHOLDS] [ROWS] [PERCENT_ON_FILE]
#   (defaults: sqlite 100000 100000 10)
#
# Builds the release binary (or takes BANGFU_BENCH_BIN), generates the
# national tree (2 000 grassroots unions) and HOUSEHOLDS households
# (`bangfu demo --households N`; BANGFU_BENCH_DB reuses a database already
# generated: a SQLite file, or a PostgreSQL URL), then receives one `death` list of ROWS rows as a national
# administrator with `bangfu verify` (the upload page's reader and the same
# use case): PERCENT_ON_FILE % of the rows name people on file, the rest
# nobody; half of all rows are plain ID numbers and half `id_hash`. Reports
# the elapsed time and maximum resident set of that one process
# (/usr/bin/time -v), then starts the server and times the hashed export.
# The issue's target: 1 000 000 rows against 1 000 000 households in
# <= 30 s and <= 500 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-100000}"
m="${3:-100000}"
pct="${4:-10}"
port="${BANGFU_BENCH_PORT:-18082}"
pg="${BANGFU_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed: apt-get install time" >&2; exit 1; }

bin="${BANGFU_BENCH_BIN:-target/release/bangfu}"
[ -n "${BANGFU_BENCH_BIN:-}" ] || cargo build --release -q -p bangfu
work="$(mktemp -d "${TMPDIR:-/tmp}/bangfu-bench-v.XXXXXX")"
source "$(dirname "$0")/bench_lib.sh"
bench_key
server=""
dbname=""
cleanup() {
    [ -n "$server" ] && { pkill -P "$server" 2>/dev/null; kill "$server" 2>/dev/null; } || true
    wait 2>/dev/null || true
    [ -n "$dbname" ] && psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" || true
    rm -rf "$work"
}
trap cleanup EXIT
ms() { echo $(( ($2 - $1) / 1000000 )); }

case "$backend" in
    sqlite)
        if [ -n "${BANGFU_BENCH_DB:-}" ]; then url="sqlite://$BANGFU_BENCH_DB"; else url="sqlite://$work/bench-v.db"; fi
        sql() { sqlite3 "${url#sqlite://}" "$1"; } ;;
    postgres)
        if [ -n "${BANGFU_BENCH_DB:-}" ]; then url="$BANGFU_BENCH_DB"; else
            dbname="bangfu_bench_verification_$$"
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
echo "households: $(sql 'SELECT count(*) FROM households')"

admin="bench-admin-$$"
echo 'Bench-Admin-2026' | $bin --database "$url" user create --username "$admin" --role admin --keep-password >/dev/null
officer="bench-officer-$$"
echo 'Bench-Officer-2026' | $bin --database "$url" user create --username "$officer" --role officer --keep-password >/dev/null

# The matching key (made by the first administrator who asks).
$bin --database "$url" serve --listen "127.0.0.1:$port" --monthly-schedule false > "$work/serve0.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
login() { curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'; }
token=$(login "$admin" Bench-Admin-2026)
curl -sf "http://127.0.0.1:$port/api/v1/verification/key" -H "authorization: Bearer $token" > "$work/key.json"
kill -INT "$server"; wait "$server" 2>/dev/null || true; server=""

# The people on file (read straight from the benchmark database: a
# department would hold these numbers itself).
sql "SELECT worker_id_number FROM households WHERE status IN ('on_file','relieved') UNION ALL SELECT m.id_number FROM members m JOIN households h ON h.id = m.household_id WHERE m.id_number IS NOT NULL AND h.status IN ('on_file','relieved')" > "$work/people.txt"
echo "people on file: $(wc -l < "$work/people.txt")"

python3 - "$work" "$m" "$pct" <<'PY'
import hashlib, hmac, json, random, sys
work, m, pct = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
key = json.load(open(f"{work}/key.json"))
k = bytes.fromhex(key["key"])
people = open(f"{work}/people.txt").read().split()
random.seed(7)
random.shuffle(people)
named = min(len(people), m * pct // 100)
ids = people[:named]
# People on no file: valid-looking numbers from a region no demo file uses.
def check(s17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return s17 + "10X98765432"[sum(int(c) * x for c, x in zip(s17, w)) % 11]
i = 0
while len(ids) < m:
    ids.append(check(f"659001{1950 + (i // 336000) % 50}{(i // 28000) % 12 + 1:02d}{(i // 1000) % 28 + 1:02d}{i % 1000:03d}"))
    i += 1
random.shuffle(ids)
with open(f"{work}/rows.csv", "w") as f:
    f.write("id_number,id_hash,died_on\n")
    for j, p in enumerate(ids):
        if j % 2 == 0:
            f.write(f"{p},,2024-01-01\n")
        else:
            f.write(f",{hmac.new(k, p.upper().encode(), hashlib.sha256).hexdigest()},\n")
print(f"rows: {len(ids)} ({named} naming people on file), half hashed")
PY
ls -l "$work/rows.csv" | awk '{print "file: " $5 " bytes"}'

echo "== bangfu verify"
/usr/bin/time -v -o "$work/verify.time" $bin --database "$url" verify --user "$admin" \
    --dataset death --source 性能测试 --as-of 2024-06-30 "$work/rows.csv"
grep -E "Maximum resident set size|Elapsed" "$work/verify.time" | sed 's/^\s*/verify: /'

/usr/bin/time -v -o "$work/serve.time" $bin --database "$url" serve --listen "127.0.0.1:$port" --monthly-schedule false > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(login "$officer" Bench-Officer-2026)
t0=$(date +%s%N)
curl -sf "http://127.0.0.1:$port/api/v1/verification/export" -H "authorization: Bearer $token" > "$work/export.csv"
t1=$(date +%s%N)
echo "hashed export: $(($(wc -l < "$work/export.csv") - 2)) people in $(ms "$t0" "$t1") ms"
pkill -INT -P "$server"; wait "$server" 2>/dev/null || true; server=""
grep -E "Maximum resident set size" "$work/serve.time" | sed 's/^\s*/server: /'
