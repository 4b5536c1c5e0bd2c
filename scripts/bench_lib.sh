# Shared by the benchmark scripts that time one request over generated
# data (bench_campaign.sh, bench_assessment.sh); sourced, not run.
#
# bench_setup BACKEND N NAME: builds the release binary (or takes
# BANGFU_BENCH_BIN), makes a database (a temporary SQLite file or
# PostgreSQL database, or BANGFU_BENCH_DB), generates the national tree
# (2 000 grassroots unions) and N households unless the database was given,
# and defines `bin`, `url`, `work` and `sql`.
# bench_serve PORT: makes a national administrator, starts the server and
# defines `api` and `auth` (the bearer header).

ms() { echo $(( ($2 - $1) / 1000000 )); }

# bench_key: the data key that seals ID numbers, phones and addresses, one
# of this run's own (in $work), unless a key or an existing database was
# given.
bench_key() {
    if [ -z "${BANGFU_KEY:-}${BANGFU_KEY_FILE:-}${BANGFU_BENCH_DB:-}" ]; then
        export BANGFU_KEY_FILE="$work/bangfu.key"
        echo "kbench-$$ sm4-gcm $(head -c 16 /dev/urandom | base64)" > "$BANGFU_KEY_FILE"
        chmod 600 "$BANGFU_KEY_FILE"
    fi
}

bench_setup() {
    local backend="$1" n="$2" name="$3"
    pg="${BANGFU_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
    bin="${BANGFU_BENCH_BIN:-target/release/bangfu}"
    [ -n "${BANGFU_BENCH_BIN:-}" ] || cargo build --release -q -p bangfu
    work="$(mktemp -d "${TMPDIR:-/tmp}/bangfu-bench-$name.XXXXXX")"
    bench_key
    server=""
    dbname=""
    trap bench_cleanup EXIT
    case "$backend" in
        sqlite)
            if [ -n "${BANGFU_BENCH_DB:-}" ]; then url="sqlite://$BANGFU_BENCH_DB"; else url="sqlite://$work/bench.db"; fi
            sql() { sqlite3 "${url#sqlite://}" "$1"; } ;;
        postgres)
            if [ -n "${BANGFU_BENCH_DB:-}" ]; then url="$BANGFU_BENCH_DB"; else
                dbname="bangfu_bench_${name}_$$"
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
        local t0 t1
        t0=$(date +%s%N)
        $bin --database "$url" demo --households "$n" > "$work/households.log"
        t1=$(date +%s%N)
        echo "generate $n households: $(ms "$t0" "$t1") ms"
    fi
}

# bench_token USER PASSWORD: a bearer token from the server on $port.
bench_token() {
    curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'
}

# bench_median TOKEN PATH: milliseconds of a GET on $port, one request at a
# time, the median of 9 (what a single user waits for).
bench_median() {
    local t
    t=$(for _ in $(seq 1 9); do
        curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $1" "http://127.0.0.1:$port$2"
    done | sort -n | sed -n 5p)
    python3 -c "print(f'{$t*1000:.1f}')"
}

# bench_reidentify TOKEN: starts re-identifying every open file in the
# token's subtree on $port, follows the job to its end and prints its
# milliseconds, then the job's last state (JSON) on the next line. The
# milliseconds are the job's own (`millis`, measured by the server from its
# first batch to its end) when it reports them, so the polling below does
# not count; versions before the job answered when done, and their figure
# is the request's.
bench_reidentify() {
    local t0 t1 url state ms
    t0=$(date +%s%N)
    state=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/households/reidentify" -H "authorization: Bearer $1")
    t1=$(date +%s%N)
    url=$(python3 -c 'import sys,json; print(json.loads(sys.argv[1]).get("status_url", ""))' "$state")
    while [ -n "$url" ]; do
        state=$(curl -sf "http://127.0.0.1:$port$url" -H "authorization: Bearer $1")
        [ "$(python3 -c 'import sys,json; print(json.loads(sys.argv[1])["finished"])' "$state")" = True ] && break
        sleep 0.1
    done
    ms=$(python3 -c 'import sys,json; print(json.loads(sys.argv[1]).get("millis", ""))' "$state")
    echo "${ms:-$(( (t1 - t0) / 1000000 ))}"
    echo "$state"
}

# bench_single LABEL PATH CURL-ARGS...: a GET on $port, one at a time, the
# median of 9 in milliseconds, printed after LABEL and kept in $last_ms
# (nothing measured when it does not answer 200).
bench_single() {
    local label="$1" path="$2"; shift 2
    local t code
    code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$port$path")
    if [ "$code" != 200 ]; then
        printf '%-58s answered %s: not measured\n' "$label" "$code"
        last_ms=0
        return
    fi
    t=$(for _ in $(seq 1 9); do
        curl -s -o /dev/null -w '%{time_total}\n' "$@" "http://127.0.0.1:$port$path"
    done | sort -n | sed -n 5p)
    last_ms=$(python3 -c "print(round($t*1000, 1))")
    printf '%-58s %9.1f ms\n' "$label" "$last_ms"
}

# bench_monthly TOKEN: starts the monthly run on $port and follows it to its
# end (at most an hour); prints the run's last state (JSON), or nothing when
# no run started (one already ran this month).
bench_monthly() {
    local job state t0
    t0=$(date +%s)
    job=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/monthly/run" -H "authorization: Bearer $1" \
        | python3 -c 'import sys,json; print(json.load(sys.stdin)["job_id"])') || return 0
    while :; do
        state=$(curl -sf "http://127.0.0.1:$port/api/v1/monthly/runs/$job" -H "authorization: Bearer $1") || state=""
        [ -n "$state" ] && [ "$(python3 -c 'import sys,json; print(json.loads(sys.argv[1]).get("finished", False))' "$state")" = True ] && break
        [ $(( $(date +%s) - t0 )) -gt 3600 ] && break
        sleep 0.25
    done
    echo "$state"
}

bench_cleanup() {
    [ -n "$server" ] && { kill "$server" 2>/dev/null; } || true
    wait 2>/dev/null || true
    [ -n "$dbname" ] && psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" || true
    rm -rf "$work"
}

bench_serve() {
    local port="$1" admin="bench-admin-$$" token
    echo 'Bench-Admin-2026' | $bin --database "$url" user create --username "$admin" --role admin --keep-password >/dev/null
    $bin --database "$url" serve --listen "127.0.0.1:$port" --monthly-schedule false > "$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
    api="http://127.0.0.1:$port/api/v1"
    token=$(curl -sf "$api/auth/login" -H 'content-type: application/json' \
        -d "{\"username\":\"$admin\",\"password\":\"Bench-Admin-2026\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
    auth="authorization: Bearer $token"
}
