#!/usr/bin/env bash
# Shared rate limits: what counting one failure costs when two nodes share the count, through the database (the
# appliance's own FailureCounts on a throw-away PostgreSQL) and through Payara's built-in Hazelcast (the Hazelcast
# jar inside the appliance's Payara Micro, a cluster of two members in two JVMs). bench/SharedLimits.java does the
# measuring; bench/README.md explains the figures.
#
#   bench/shared-limits.sh [--seconds S] [--threads N,...]
#
# Environment: BENCH_SUMMARY  a file to which one machine-readable line is appended (bench/all.sh reads it)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
NAME=shared-limits
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
APP_JAR=$ROOT/appliance-war/target/otp-appliance.jar
WAR_DIR=$ROOT/appliance-war/target/ROOT

SECONDS_EACH=10
THREADS=1,8

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) SECONDS_EACH=${2:?}; shift 2 ;;
        --threads) THREADS=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $SECONDS_EACH =~ ^[0-9]+$ && $SECONDS_EACH -gt 0 ]] || die "--seconds must be a positive whole number"
[[ $THREADS =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--threads must be whole numbers separated by commas"
command -v java >/dev/null || die "java (17+) is not installed"
command -v unzip >/dev/null || die "unzip is not installed"
bench_build "$APP_JAR"
[ -d "$WAR_DIR/WEB-INF/classes" ] || die "$WAR_DIR is missing: build the appliance (mvn -B -DskipTests install)"

LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
bench_workdir
unzip -p "$APP_JAR" MICRO-INF/runtime/hazelcast.jar >"$WORK/hazelcast.jar"
bench_start_postgres
JDBC=$(bench_create_database limits)
CP="$WAR_DIR/WEB-INF/classes:$WAR_DIR/WEB-INF/lib/*:$WORK/hazelcast.jar"
log "counting failures for $SECONDS_EACH s per store and thread count ($THREADS threads)"
LINE=$(java -cp "$CP" -Dbench.source="$BENCH_DIR/SharedLimits.java" "$BENCH_DIR/SharedLimits.java" \
    --jdbc "$JDBC" --seconds "$SECONDS_EACH" --threads "$THREADS" 2>"$WORK/shared-limits.log" | tail -n 1)
BENCH_LOGS+=(shared-limits)
[[ $LINE == limits\ * ]] || die "no figures from SharedLimits.java"

{
    echo "Shared rate limits, one failure counted for a user and a source; commit $(bench_commit); $(nproc) cores;"
    echo "PostgreSQL $PG_VERSION; load average $LOAD_BEFORE before."
    echo
    echo "| store | threads | failures/s | p50 µs | p99 µs |"
    echo "|---|---|---|---|---|"
    for store in db hz; do
        for t in ${THREADS//,/ }; do
            f() { sed -n "s/.* ${store}_t${t}_$1=\([^ ]*\).*/\1/p" <<<"$LINE"; }
            echo "| $([ $store = db ] && echo "database (PostgreSQL)" || echo "Hazelcast, 2 members") | $t | $(f ops) | $(f p50_us) | $(f p99_us) |"
        done
    done
} | tee /dev/stderr >/dev/null
if [ -n "${BENCH_SUMMARY:-}" ]; then
    echo "${LINE#limits } pg_version=$PG_VERSION load_before=$LOAD_BEFORE" | sed 's/^/limits /' >>"$BENCH_SUMMARY"
fi
