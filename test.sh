#!/usr/bin/env bash
# The whole test suite, as the README names it: formatting, lints, every test
# on SQLite, then every test again on PostgreSQL when a server answers.
#
#   ./test.sh
#
# Environment:
#   BANGFU_TEST_PG_URL      PostgreSQL server for the second run
#                           (default postgres://postgres@127.0.0.1:5432; each
#                           test creates and drops a database of its own)
#   BANGFU_REQUIRE_PG=1     fail instead of skipping when PostgreSQL is not there
#   BANGFU_REQUIRE_BROWSER=1  fail instead of skipping the browser test when
#                           chromium/chromedriver are not installed
#   BANGFU_TEST_READ_DATABASE_URL  a PostgreSQL streaming replica
#                           (scripts/pg_replica.sh start: postgres://postgres@127.0.0.1:5434)
#                           of BANGFU_TEST_REPLICA_PRIMARY_URL (default …:5433):
#                           the HTTP tests run a third time, reading from it
#   BANGFU_REQUIRE_REPLICA=1  fail instead of skipping that run when the
#                           replica does not answer
set -euo pipefail
cd "$(dirname "$0")"

PG_URL="${BANGFU_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_URL="${PG_URL%/}"
# Two cores: two tests at a time (each starts a server and hashes passwords).
TEST_THREADS="${BANGFU_TEST_THREADS:-2}"

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/bangfu-test.XXXXXX")"
trap 'rm -rf "$LOG_DIR"' EXIT

declare -a SUMMARY=()
FAILED=0
PASSED_TESTS=0
FAILED_TESTS=0

# run NAME COMMAND...: runs a step, records its outcome and time, never exits.
run() {
    local name="$1"
    shift
    local start=$SECONDS
    echo
    echo "==> $name: $*"
    if "$@"; then
        SUMMARY+=("ok      $(printf '%-28s' "$name") $((SECONDS - start)) s")
    else
        SUMMARY+=("FAILED  $(printf '%-28s' "$name") $((SECONDS - start)) s")
        FAILED=1
    fi
}

# cargo test, keeping its output to count the results: cargo_test NAME
# [ENV=VALUE...] [-- CARGO TEST ARGUMENTS] (default: the whole workspace).
cargo_test() {
    local log="$LOG_DIR/$1.log"
    shift
    local -a vars=() args=(--workspace)
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do vars+=("$1"); shift; done
    if [ "${1:-}" = "--" ]; then shift; args=("$@"); fi
    local rc=0
    env "${vars[@]}" cargo test "${args[@]}" --no-fail-fast -- --test-threads="$TEST_THREADS" 2>&1 | tee "$log" || rc=$?
    local p f
    p=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed' "$log" \
        | awk '{s += $4} END {print s + 0}')
    f=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed' "$log" \
        | awk '{s += $6} END {print s + 0}')
    PASSED_TESTS=$((PASSED_TESTS + p))
    FAILED_TESTS=$((FAILED_TESTS + f))
    return "$rc"
}

if [ -x /usr/bin/chromedriver ]; then
    SUMMARY+=("ok      $(printf '%-28s' "browser available") /usr/bin/chromedriver")
elif [ "${BANGFU_REQUIRE_BROWSER:-0}" = "1" ]; then
    echo "==> /usr/bin/chromedriver is missing and BANGFU_REQUIRE_BROWSER=1: the browser test will fail"
else
    echo "==> skipping the browser test: /usr/bin/chromedriver is missing (apt-get install chromium chromium-driver)"
    SUMMARY+=("skipped $(printf '%-28s' "browser test") (no /usr/bin/chromedriver)")
fi

# The shape newcomers rely on: no source file over 1,000 lines before its
# tests, no import cycle among the service modules.
long_files() {
    local f n bad=0
    for f in $(git ls-files 'crates/*/src/*.rs' 'crates/*/src/**/*.rs' 2>/dev/null || find crates -path '*/src/*.rs'); do
        n=$(awk '/^[[:space:]]*#\[cfg\(test\)\]/{exit} {c++} END{print c+0}' "$f")
        if [ "$n" -gt 1000 ]; then
            echo "$f: $n lines before its tests (split it by what a person does)"
            bad=1
        fi
    done
    return "$bad"
}

run "cargo fmt --check" cargo fmt --all -- --check
run "files under 1,000 lines" long_files
run "no service module cycles" python3 scripts/check_module_cycles.py
run "cargo clippy -D warnings" cargo clippy --workspace --all-targets -- -D warnings
run "tests on SQLite" cargo_test sqlite BANGFU_TEST_DATABASE_URL= BANGFU_TEST_READ_DATABASE_URL=

if psql "$PG_URL/postgres" -qtAc 'select 1' >/dev/null 2>&1; then
    run "tests on PostgreSQL" cargo_test postgres BANGFU_TEST_DATABASE_URL="$PG_URL" BANGFU_TEST_READ_DATABASE_URL=
elif [ "${BANGFU_REQUIRE_PG:-0}" = "1" ]; then
    echo "PostgreSQL at $PG_URL does not answer and BANGFU_REQUIRE_PG=1" >&2
    SUMMARY+=("FAILED  $(printf '%-28s' "tests on PostgreSQL") (server not answering at $PG_URL)")
    FAILED=1
else
    echo
    echo "==> skipped PostgreSQL: no server answers at $PG_URL (set BANGFU_TEST_PG_URL, or BANGFU_REQUIRE_PG=1 to fail)"
    SUMMARY+=("skipped $(printf '%-28s' "tests on PostgreSQL") (no server at $PG_URL)")
fi

# Reads from a streaming replica: the HTTP tests once more, every server
# reading from the replica's copy of its database (see docs/operations.md).
READ_URL="${BANGFU_TEST_READ_DATABASE_URL:-}"
READ_URL="${READ_URL%/}"
PRIMARY_URL="${BANGFU_TEST_REPLICA_PRIMARY_URL:-postgres://postgres@127.0.0.1:5433}"
PRIMARY_URL="${PRIMARY_URL%/}"
if [ -n "$READ_URL" ] && psql "$READ_URL/postgres" -qtAc 'select 1' >/dev/null 2>&1 \
    && psql "$PRIMARY_URL/postgres" -qtAc 'select 1' >/dev/null 2>&1; then
    run "tests with a read replica" cargo_test replica \
        BANGFU_TEST_DATABASE_URL="$PRIMARY_URL" BANGFU_TEST_READ_DATABASE_URL="$READ_URL" \
        -- --workspace --test api
elif [ "${BANGFU_REQUIRE_REPLICA:-0}" = "1" ]; then
    echo "the replica ($READ_URL) or its primary ($PRIMARY_URL) does not answer and BANGFU_REQUIRE_REPLICA=1" >&2
    SUMMARY+=("FAILED  $(printf '%-28s' "tests with a read replica") (no replica at '$READ_URL')")
    FAILED=1
else
    SUMMARY+=("skipped $(printf '%-28s' "tests with a read replica") (BANGFU_TEST_READ_DATABASE_URL not set)")
fi

echo
echo "==> summary"
for line in "${SUMMARY[@]}"; do
    echo "    $line"
done
echo "tests: $PASSED_TESTS passed, $FAILED_TESTS failed"
exit "$FAILED"
