#!/usr/bin/env bash
# A PostgreSQL primary and a streaming replica on this machine, from
# Debian's own packages (postgresql-common: pg_createcluster, pg_ctlcluster; pg_basebackup), for trying and testing Bangfu's reads from a
# replica. Run as root.
#
#   scripts/pg_replica.sh start [PRIMARY_PORT] [REPLICA_PORT]   (defaults 5433 5434)
#   scripts/pg_replica.sh delay SECONDS    the replica applies changes that late (0: at once)
#   scripts/pg_replica.sh status           role, ports and the replica's lag
#   scripts/pg_replica.sh stop             stops and drops both clusters
#
# The primary is cluster `bangfu_primary`, the replica `bangfu_replica`, of
# the installed major version; both listen on 127.0.0.1 with trust
# authentication (a test machine: a real deployment uses scram and TLS, see
# docs/operations.md). The replica is a byte copy of the primary taken with
# pg_basebackup -R, so it follows the primary's WAL by streaming
# replication and refuses writes. `delay` sets recovery_min_apply_delay,
# which is how a test makes the replica lag on purpose.
set -euo pipefail
cmd="${1:-status}"
primary_port="${2:-5433}"
replica_port="${3:-5434}"
version="$(pg_lsclusters -h | awk 'NR==1 {print $1}')"
[ -n "$version" ] || version="$(ls /usr/lib/postgresql | sort -n | tail -n 1)"
primary=bangfu_primary
replica=bangfu_replica
as_pg() { runuser -u postgres -- "$@"; }
exists() { pg_lsclusters -h | awk -v c="$1" '$2 == c {found=1} END {exit !found}'; }
port_of() { pg_lsclusters -h | awk -v c="$1" '$2 == c {print $3}'; }
psql_at() { as_pg psql -h 127.0.0.1 -p "$1" -U postgres -Atq -c "$2"; }

trust_local() { # CLUSTER: trust connections and replication from 127.0.0.1
    local hba="/etc/postgresql/$version/$1/pg_hba.conf"
    cat > "$hba" <<'HBA'
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    replication     all             127.0.0.1/32            trust
HBA
    set_conf "$1" listen_addresses "'127.0.0.1'"
}

set_conf() { # CLUSTER NAME VALUE: in conf.d/bangfu.conf, read after postgresql.conf
    local f="/etc/postgresql/$version/$1/conf.d/bangfu.conf"
    touch "$f"
    sed -i "/^$2 = /d" "$f"
    echo "$2 = $3" >> "$f"
}

case "$cmd" in
start)
    if exists "$primary" && exists "$replica"; then
        # Made before: started if they are down (after a reboot).
        pg_ctlcluster "$version" "$primary" start 2>/dev/null || true
        pg_ctlcluster "$version" "$replica" start 2>/dev/null || true
        echo "already there (scripts/pg_replica.sh stop to make them afresh):"
        pg_lsclusters | grep -E "bangfu_(primary|replica)"
        exit 0
    fi
    # Half made (a start that failed): made afresh.
    for c in "$replica" "$primary"; do
        if exists "$c"; then pg_dropcluster --stop "$version" "$c"; fi
    done
    pg_createcluster -q "$version" "$primary" -p "$primary_port" > /dev/null
    trust_local "$primary"
    set_conf "$primary" wal_level replica
    set_conf "$primary" max_wal_senders 10
    pg_ctlcluster "$version" "$primary" start
    # The replica: a cluster whose data directory is replaced by a base
    # backup of the primary; -R writes standby.signal and primary_conninfo.
    pg_createcluster -q "$version" "$replica" -p "$replica_port" > /dev/null
    trust_local "$replica"
    set_conf "$replica" hot_standby on
    # Long reads (an export, the panel) are not cancelled by the replay of
    # a cleanup on the primary: the replica tells the primary what it reads.
    set_conf "$replica" hot_standby_feedback on
    data="/var/lib/postgresql/$version/$replica"
    pg_ctlcluster "$version" "$replica" stop 2>/dev/null || true
    find "$data" -mindepth 1 -delete
    as_pg pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres -D "$data" -R -X stream -c fast
    pg_ctlcluster "$version" "$replica" start
    for _ in $(seq 1 50); do
        [ "$(psql_at "$replica_port" 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" = t ] && break
        sleep 0.2
    done
    echo "primary  postgres://postgres@127.0.0.1:$primary_port"
    echo "replica  postgres://postgres@127.0.0.1:$replica_port  (in recovery: $(psql_at "$replica_port" 'SELECT pg_is_in_recovery()'))"
    ;;
delay)
    seconds="${2:?delay SECONDS}"
    set_conf "$replica" recovery_min_apply_delay "'${seconds}s'"
    pg_ctlcluster "$version" "$replica" reload
    echo "the replica applies changes ${seconds} s late"
    ;;
status)
    for c in "$primary" "$replica"; do
        exists "$c" || { echo "$c: not created (scripts/pg_replica.sh start)"; continue; }
        p="$(port_of "$c")"
        echo "$c: port $p, in recovery: $(psql_at "$p" 'SELECT pg_is_in_recovery()' 2>/dev/null || echo down)"
    done
    if exists "$replica"; then
        echo "replica lag: $(psql_at "$(port_of "$replica")" \
            "SELECT COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)::numeric(10,1)" \
            2>/dev/null || echo '?') s since the last change it applied"
    fi
    ;;
stop)
    for c in "$replica" "$primary"; do
        exists "$c" && pg_dropcluster --stop "$version" "$c"
    done
    echo "dropped $primary and $replica"
    ;;
*)
    echo "usage: scripts/pg_replica.sh start|delay SECONDS|status|stop" >&2
    exit 2
    ;;
esac
