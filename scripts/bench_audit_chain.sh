#!/usr/bin/env bash
# The audit log's hash chain at scale: N audit entries written outside the
# application (as an upgrade from before the chain finds them), then timed:
#   seal   — the first start seals every entry into the chain (SM3, in id order)
#   verify — `bangfu audit verify` recomputes the whole chain
#
#   scripts/bench_audit_chain.sh [sqlite|postgres] [N]     (default sqlite 1000000)
#
# SQLite needs python3 (its sqlite3 module) to insert the rows; PostgreSQL
# uses psql. Builds the release binary unless BANGFU_BENCH_BIN is given.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${2:-1000000}"
pg="${BANGFU_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
bin="${BANGFU_BENCH_BIN:-target/release/bangfu}"
[ -n "${BANGFU_BENCH_BIN:-}" ] || cargo build --release -q -p bangfu
work="$(mktemp -d "${TMPDIR:-/tmp}/bangfu-bench-chain.XXXXXX")"
source "$(dirname "$0")/bench_lib.sh"
bench_key
dbname=""
cleanup() {
    rm -rf "$work"
    if [ -n "$dbname" ]; then psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $dbname" || true; fi
}
trap cleanup EXIT
case "$backend" in
    sqlite) url="sqlite://$work/bench.db" ;;
    postgres)
        dbname="bangfu_bench_chain_$$"
        psql "$pg/postgres" -qc "CREATE DATABASE $dbname"
        url="$pg/$dbname" ;;
    *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac
$bin --database "$url" migrate > /dev/null
echo "== inserting $n audit entries outside the application"
case "$backend" in
    sqlite)
        python3 - "$work/bench.db" "$n" <<'PY'
import sqlite3, sys
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
rows = ((f"2026-01-01 00:00:{i % 60:02d}.{i % 1000000:06d}", i % 5000, f"user{i % 5000}",
         1, "/1/", "update_household", "household", str(i),
         '{"worker_name":"张三","phone":"138****0000"}', None, "10.0.0.1", 1)
        for i in range(n))
c.executemany("""INSERT INTO audit_log (at, actor_id, actor_username, union_id, union_path,
    action, object_kind, object_id, before_json, after_json, ip, success)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""", rows)
c.commit()
PY
        ;;
    postgres)
        psql "$url" -qc "INSERT INTO audit_log (at, actor_id, actor_username, union_id, union_path,
            action, object_kind, object_id, before_json, after_json, ip, success)
            SELECT timestamp '2026-01-01' + i * interval '1 microsecond', i % 5000, 'user' || (i % 5000),
                   1, '/1/', 'update_household', 'household', i::text,
                   '{\"worker_name\":\"张三\",\"phone\":\"138****0000\"}', NULL, '10.0.0.1', TRUE
            FROM generate_series(1, $n) AS i" ;;
esac
t0=$(date +%s%N)
$bin --database "$url" migrate > /dev/null
t1=$(date +%s%N)
$bin --database "$url" audit verify > "$work/verify.log"
t2=$(date +%s%N)
cat "$work/verify.log"
echo
echo "backend $backend, $n entries"
echo "seal (first start)  $(( (t1 - t0) / 1000000 )) ms"
echo "audit verify        $(( (t2 - t1) / 1000000 )) ms"
