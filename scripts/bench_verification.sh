#!/usr/bin/env bash
# Measures 部门核对 (cross-department verification) at scale on SQLite.
#
#   scripts/bench_verification.sh [HOUSEHOLDS] [ROWS]     (defaults: 100000 100000)
#
# Builds the release binary, generates the national tree (2 000 grassroots
# unions) and HOUSEHOLDS households (`bangfu demo --households N`), starts
# the server and, as a national administrator, sends one `death` batch of
# ROWS rows through POST /api/v1/verification/batches (the service path a
# department uses): half plain ID numbers of people on file, half `id_hash`
# of other people on file, and about a tenth naming nobody. The batch goes
# in chunks of at most 200 000 rows so each body stays under the 32 MB
# upload limit. Reports the elapsed time of each chunk and the server's
# maximum resident set (/usr/bin/time -v), then times the hashed export.
# The issue's target: 1 000 000 rows against 1 000 000 households in
# <= 30 s and <= 500 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
m="${2:-100000}"
chunk="${BANGFU_BENCH_CHUNK:-200000}"
port="${BANGFU_BENCH_PORT:-18082}"
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed: apt-get install time" >&2; exit 1; }

[ -n "${BANGFU_BENCH_NO_BUILD:-}" ] || cargo build --release -q -p bangfu
bin=target/release/bangfu
work="$(mktemp -d "${TMPDIR:-/tmp}/bangfu-bench-v.XXXXXX")"
db="$work/bench-v.db"
url="sqlite://$db"
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
ms() { echo $(( ($2 - $1) / 1000000 )); }

echo "== national tree with 2000 grassroots unions"
$bin --database "$url" demo --grassroots 2000 > "$work/tree.log"
echo "== generating $n households"
t0=$(date +%s%N)
$bin --database "$url" demo --households "$n" > "$work/households.log"
t1=$(date +%s%N)
echo "generate $n households: $(ms "$t0" "$t1") ms"

echo 'Bench-Admin-2026' | $bin --database "$url" user create --username bench-admin --role admin,auditor,officer >/dev/null
/usr/bin/time -v -o "$work/serve.time" $bin --database "$url" serve --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"bench-admin","password":"Bench-Admin-2026"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
key=$(curl -sf "http://127.0.0.1:$port/api/v1/verification/key" -H "authorization: Bearer $token")

# The people on file (read straight from the benchmark database: a
# department would hold these numbers itself).
sqlite3 "$db" "SELECT worker_id_number FROM households WHERE status IN ('on_file','relieved') UNION ALL SELECT m.id_number FROM members m JOIN households h ON h.id = m.household_id WHERE m.id_number IS NOT NULL AND h.status IN ('on_file','relieved')" > "$work/people.txt"
echo "people on file: $(wc -l < "$work/people.txt")"

python3 - "$work" "$m" "$chunk" "$key" <<'PY'
import hashlib, hmac, json, random, sys
work, m, chunk, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
k = bytes.fromhex(key["key"])
people = open(f"{work}/people.txt").read().split()
random.seed(7)
random.shuffle(people)
nobody = m // 10
named = m - nobody
rows = []
for i, p in enumerate(people[:named]):
    if i % 2 == 0:
        rows.append({"id_number": p, "died_on": "2024-01-01"})
    else:
        rows.append({"id_hash": hmac.new(k, p.upper().encode(), hashlib.sha256).hexdigest()})
for i in range(nobody):
    rows.append({"id_hash": hashlib.sha256(f"nobody-{i}".encode()).hexdigest()})
random.shuffle(rows)
for c in range(0, len(rows), chunk):
    body = {"dataset": "death", "source": "性能测试", "as_of": "2024-06-30",
            "key_id": key["key_id"], "rows": rows[c:c + chunk]}
    with open(f"{work}/chunk-{c // chunk:03d}.json", "w") as f:
        json.dump(body, f)
print(f"rows: {len(rows)} ({named} naming people on file, {nobody} naming nobody) in {(len(rows) + chunk - 1) // chunk} chunk(s)")
PY

total0=$(date +%s%N)
for f in "$work"/chunk-*.json; do
    t0=$(date +%s%N)
    curl -sf -X POST "http://127.0.0.1:$port/api/v1/verification/batches" -H "authorization: Bearer $token" \
        -H 'content-type: application/json' --data-binary "@$f" > "$work/batch.json"
    t1=$(date +%s%N)
    python3 -c 'import sys,json; b=json.load(open(sys.argv[1])); print(f"  batch {b[\"id\"]}: rows {b[\"rows\"]}, hashed {b[\"hashed_rows\"]}, matched {b[\"matched_people\"]}, findings {b[\"findings\"]}")' "$work/batch.json"
    echo "  $(basename "$f"): $(ms "$t0" "$t1") ms"
done
total1=$(date +%s%N)
echo "batch of $m rows against $n households: $(ms "$total0" "$total1") ms"

t0=$(date +%s%N)
curl -sf "http://127.0.0.1:$port/api/v1/verification/export" -H "authorization: Bearer $token" > "$work/export.csv"
t1=$(date +%s%N)
echo "hashed export: $(($(wc -l < "$work/export.csv") - 2)) people in $(ms "$t0" "$t1") ms"

kill -INT "$server"; wait "$server" 2>/dev/null || true; server=""
grep -E "Maximum resident set size|Elapsed" "$work/serve.time" | sed 's/^\s*/server: /'
