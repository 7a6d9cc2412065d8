#!/usr/bin/env bash
# RADIUS benchmark: Access-Requests per second with fresh, valid one-time codes, answered by the
# appliance's RADIUS server, next to FreeRADIUS 3.2 with rlm_totp on the same machine in the same run.
# bench/README.md explains what it measures and how to read the report.
#
#   bench/radius.sh [--duration S] [--inflight N] [--tokens N] [--warmup S] [--channels C]
#                   [--timeout-ms MS] [--retransmit-after S] [--port P] [--seed SEED]
#                   [--only appliance|freeradius]
#
# Environment: BENCH_JAVA_OPTS  extra JVM options for the appliance (e.g. -Xmx2g)
#              BENCH_SUMMARY    a file to which one machine-readable line is appended (bench/all.sh reads it)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
NAME=radius
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
APP_JAR=$ROOT/appliance-war/target/otp-appliance.jar
CORE_JAR=$ROOT/otp-core/target/otp-core-0.1.0-SNAPSHOT.jar
RADIUS_JAR=$ROOT/radius-adapter/target/radius-adapter-0.1.0-SNAPSHOT.jar

DURATION=20
INFLIGHT=32
TOKENS=2000
WARMUP=15
CHANNELS=1
TIMEOUT_MS=2000
RETRANSMIT_AFTER=10  # seconds after an answer that the retransmission probes send the request again; 0: none
PORT=""              # the appliance's HTTP port; default: the first free port from 18900 on
SEED=otp-radius-bench-1
ONLY=""

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
        --duration) DURATION=${2:?}; shift 2 ;;
        --inflight) INFLIGHT=${2:?}; shift 2 ;;
        --tokens) TOKENS=${2:?}; shift 2 ;;
        --warmup) WARMUP=${2:?}; shift 2 ;;
        --channels) CHANNELS=${2:?}; shift 2 ;;
        --timeout-ms) TIMEOUT_MS=${2:?}; shift 2 ;;
        --retransmit-after) RETRANSMIT_AFTER=${2:?}; shift 2 ;;
        --port) PORT=${2:?}; shift 2 ;;
        --seed) SEED=${2:?}; shift 2 ;;
        --only) ONLY=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $RETRANSMIT_AFTER =~ ^[0-9]+$ ]] || die "--retransmit-after must be a whole number of seconds (0: no probes), not '$RETRANSMIT_AFTER'"
for v in DURATION INFLIGHT TOKENS WARMUP CHANNELS TIMEOUT_MS ${PORT:+PORT}; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "--${v,,} must be a positive whole number, not '${!v}'"
done
case $ONLY in ""|appliance|freeradius) ;; *) die "--only is appliance or freeradius, not '$ONLY'" ;; esac
[ "$INFLIGHT" -le $((200 * CHANNELS)) ] || die "--inflight must be at most 200 x --channels (256 RADIUS identifiers per socket)"
# The generator skips a user with a request in flight, so each user's HOTP codes arrive in order;
# with 4 times as many users as requests in flight it always finds a free one at once.
[ "$TOKENS" -ge $((4 * INFLIGHT)) ] || die "--tokens must be at least 4 x --inflight ($((4 * INFLIGHT)))"
WARM_TOKENS=$(( TOKENS < 500 ? TOKENS : 500 ))
[ "$WARM_TOKENS" -ge $((4 * INFLIGHT)) ] || WARM_TOKENS=$((4 * INFLIGHT))
RUN_APPLIANCE=$([ "$ONLY" != freeradius ] && echo yes || echo no)
RUN_FREERADIUS=$([ "$ONLY" != appliance ] && echo yes || echo no)

# --- tools -----------------------------------------------------------------------------------------
command -v java >/dev/null || die "java (17+) is not installed"
command -v javac >/dev/null || die "javac (JDK 17+) is not installed"
command -v curl >/dev/null || die "curl is not installed"
FREERADIUS_INSTALLED_NOW=no
if [ "$RUN_FREERADIUS" = yes ] && ! command -v freeradius >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "freeradius is missing: installing the Debian package (apt-get update && apt-get install -y freeradius)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq freeradius >/dev/null
        FREERADIUS_INSTALLED_NOW=yes
    fi
    command -v freeradius >/dev/null || die "freeradius is missing: install it (Debian/Ubuntu: sudo apt-get install freeradius)"
fi
if [ "$FREERADIUS_INSTALLED_NOW" = yes ]; then
    # Debian starts the system service on installation where it can: this benchmark runs its own
    # instance, so the one the installation started is stopped again.
    if [ -s /run/freeradius/freeradius.pid ] && kill -0 "$(cat /run/freeradius/freeradius.pid)" 2>/dev/null; then
        log "stopping the freeradius system service that the installation started"
        if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
            systemctl stop freeradius || true
        else
            invoke-rc.d freeradius stop || service freeradius stop || true
        fi
    fi
fi
bench_build "$APP_JAR" "$CORE_JAR" "$RADIUS_JAR"
# A UDP port is taken when any local socket is bound to it (/proc/net/udp*, port in hex).
udp_port_in_use() {
    local hex f; hex=$(printf '%04X' "$1")
    for f in /proc/net/udp /proc/net/udp6; do
        [ -r "$f" ] || continue
        awk -v p=":$hex" 'FNR > 1 && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' "$f" && return 0
    done
    return 1
}
free_udp_port() {
    local p=$1
    while udp_port_in_use "$p" || [ "$p" = "${2:-}" ]; do p=$((p + 1)); done
    echo "$p"
}
PORT=$(bench_port 18900 "$PORT")
APP_RADIUS_PORT=$(free_udp_port 18912)
FR_RADIUS_PORT=$(free_udp_port $((APP_RADIUS_PORT + 1)) "$APP_RADIUS_PORT")

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)   # before anything of ours runs

# --- working directory and cleanup -----------------------------------------------------------------
bench_workdir   # on exit: stops the appliance and FreeRADIUS (BENCH_PIDS), shows their logs after a failure
BENCH_LOGS=(freeradius)

# Private copies: a concurrent rebuild cannot pull a jar from under the running server. A jar being
# written right now (a build in another shell) is waited for: copied only when its size and time
# stayed the same during the copy and it is at least 2 s old.
copy_stable() {
    local src=$1 dst=$2 before after
    for _ in $(seq 1 60); do
        before=$(stat -c '%s %Y' "$src" 2>/dev/null || true)
        if [ -n "$before" ] && [ $(( $(date +%s) - ${before#* } )) -ge 2 ] && cp "$src" "$dst" 2>/dev/null; then
            after=$(stat -c '%s %Y' "$src" 2>/dev/null || true)
            [ "$before" != "$after" ] || return 0
        fi
        sleep 2
    done
    die "$src kept changing (a build running?): try again later"
}
copy_stable "$CORE_JAR" "$WORK/otp-core.jar"
copy_stable "$RADIUS_JAR" "$WORK/radius-adapter.jar"
mkdir -p "$WORK/classes"
SECRET=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)   # RADIUS shared secret, 32 characters
[ "${#SECRET}" -ge 16 ] || die "could not make a shared secret"
RUN=$(date +%s)
BENCH_PREFIX=bench$RUN-u
WARM_PREFIX=warm$RUN-u

# The generator: compiled once, run for both servers.
javac -d "$WORK/classes" -cp "$WORK/otp-core.jar:$WORK/radius-adapter.jar" \
    "$BENCH_DIR/RadiusLoad.java" "$BENCH_DIR/GenerateCodes.java"
CP="$WORK/classes:$WORK/otp-core.jar:$WORK/radius-adapter.jar"
# load NAME MODE SERVER_PORT SERVER_PID [ARGS...]: the generator's RESULT line to stdout, its
# summary to $WORK/NAME.out.
load() {
    local name=$1 mode=$2 port=$3 pid=$4; shift 4
    java -cp "$CP" RadiusLoad run --label "$name" --host 127.0.0.1 --port "$port" --secret "$SECRET" --mode "$mode" \
        --seed "$SEED" --set bench --prefix "$BENCH_PREFIX" --users "$TOKENS" --duration "$DURATION" \
        --warm-set warm --warm-prefix "$WARM_PREFIX" --warm-users "$WARM_TOKENS" --warmup "$WARMUP" \
        --inflight "$INFLIGHT" --channels "$CHANNELS" --timeout-ms "$TIMEOUT_MS" --retransmit-after "$RETRANSMIT_AFTER" \
        --server-pid "$pid" "$@" \
        >"$WORK/$name.result" 2>"$WORK/$name.out" || { cat "$WORK/$name.out" >&2; die "the load generator failed ($name)"; }
    cat "$WORK/$name.out" >&2
    grep '^RESULT ' "$WORK/$name.result" || die "no RESULT line from the load generator ($name)"
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }

# --- 1. the appliance ------------------------------------------------------------------------------
APP=""; LOAD_APP_BEFORE=""; LOAD_APP_AFTER=""
if [ "$RUN_APPLIANCE" = yes ]; then
    copy_stable "$APP_JAR" "$WORK/otp-appliance.jar"   # bench_start_appliance runs this copy
    unset OTP_APPLIANCE_PAM_SOCKET   # no PAM socket: it is not measured here
    bench_start_appliance "$PORT" OTP_APPLIANCE_RADIUS_PORT="$APP_RADIUS_PORT" OTP_APPLIANCE_RADIUS_BIND_ADDRESS=127.0.0.1
    log "starting the appliance on $BASE, RADIUS on 127.0.0.1 UDP $APP_RADIUS_PORT (data dir $WORK/data)"
    bench_wait_healthy
    [ -s "$WORK/data/admin.key" ] || die "no $WORK/data/admin.key"
    ADMIN_KEY=$(tr -d '[:space:]' <"$WORK/data/admin.key")
    OUT=$(curl -sS --fail-with-body -X POST "$BASE/api/v1/radius/clients" -H "Authorization: Bearer $ADMIN_KEY" \
        -H 'Content-Type: application/json' \
        -d "{\"name\":\"bench-$RUN\",\"address\":\"127.0.0.1\",\"secret\":\"$SECRET\",\"requireMessageAuthenticator\":true}") \
        || die "creating the RADIUS client failed: $OUT"
    log "enrolling $TOKENS + $WARM_TOKENS users with one HOTP token each"
    java -cp "$CP" GenerateCodes enroll "$BASE" "$ADMIN_KEY" bench "$BENCH_PREFIX" "$TOKENS" "$SEED" 8
    java -cp "$CP" GenerateCodes enroll "$BASE" "$ADMIN_KEY" warm "$WARM_PREFIX" "$WARM_TOKENS" "$SEED" 8

    log "appliance: ${WARMUP} s warm-up, then ${DURATION} s measured, $INFLIGHT requests in flight"
    LOAD_APP_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
    LOG_LINES=$(wc -l <"$WORK/appliance.log")
    APP=$(load appliance hotp "$APP_RADIUS_PORT" "$APP_PID" --require-ma true --metrics-url "$BASE/metrics")
    LOAD_APP_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
    # What the appliance logged while under load (start-up has warnings of its own).
    tail -n +$((LOG_LINES + 1)) "$WORK/appliance.log" >"$WORK/appliance-under-load.log"
    log "stopping the appliance"
    bench_stop "$APP_PID"; APP_PID=""
fi

# --- 2. FreeRADIUS with rlm_totp -------------------------------------------------------------------
FR=""; LOAD_FR_BEFORE=""; LOAD_FR_AFTER=""; FR_VERSION=""
if [ "$RUN_FREERADIUS" = yes ]; then
    FR_CONF=$WORK/freeradius
    mkdir -p "$FR_CONF" "$WORK/freeradius-run"
    for f in radiusd.conf clients.conf site; do
        sed -e "s|@CONFDIR@|$FR_CONF|g" -e "s|@RUNDIR@|$WORK/freeradius-run|g" -e "s|@PORT@|$FR_RADIUS_PORT|g" \
            -e "s|@SECRET@|$SECRET|g" "$BENCH_DIR/freeradius/$f" >"$FR_CONF/$f"
    done
    : >"$FR_CONF/acct_users"
    : >"$FR_CONF/users"
    java -cp "$CP" RadiusLoad users-file "$SEED" bench "$BENCH_PREFIX" "$TOKENS" "$FR_CONF/users"
    java -cp "$CP" RadiusLoad users-file "$SEED" warm "$WARM_PREFIX" "$WARM_TOKENS" "$FR_CONF/users"
    chmod -R go-rwx "$FR_CONF"
    FR_VERSION=$(freeradius -v 2>/dev/null | sed -n 's/.*FreeRADIUS Version \([^,]*\).*/\1/p' | head -1)
    freeradius -C -d "$FR_CONF" >"$WORK/freeradius-check.log" 2>&1 \
        || { cat "$WORK/freeradius-check.log" >&2; die "freeradius rejects the generated configuration"; }
    log "starting FreeRADIUS ${FR_VERSION:-?} on 127.0.0.1 UDP $FR_RADIUS_PORT"
    freeradius -f -d "$FR_CONF" -l stdout >"$WORK/freeradius.log" 2>&1 &
    FR_PID=$!
    BENCH_PIDS=("$FR_PID")
    bench_wait_ready "$FR_PID" freeradius 30 "was not ready" grep -q 'Ready to process requests' "$WORK/freeradius.log"
    log "FreeRADIUS: ${WARMUP} s warm-up, then ${DURATION} s measured, $INFLIGHT requests in flight"
    LOAD_FR_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
    # FreeRADIUS 3.2.1 (Debian 12) puts no Message-Authenticator in its answers (3.2.5 does, against
    # BlastRADIUS): its answers are verified by the Response Authenticator alone. No retransmission
    # probes: rlm_totp keeps no state, so a late copy is simply checked again (accepted while the code
    # is current, rejected after the 30 s step has passed): nothing to learn about duplicate detection.
    FR=$(load freeradius totp "$FR_RADIUS_PORT" "$FR_PID" --require-ma false --retransmit-after 0)
    LOAD_FR_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
    log "stopping FreeRADIUS"
    bench_stop "$FR_PID"; BENCH_PIDS=()
fi

# --- report ----------------------------------------------------------------------------------------
row() {
    printf '%-34s %10.1f %10.1f %8.2f %8.2f %8.2f %8.2f %9s %9s\n' "$1" "$(field "$2" rps)" "$(field "$2" accept_rps)" \
        "$(field "$2" p50_ms)" "$(field "$2" p90_ms)" "$(field "$2" p99_ms)" "$(field "$2" max_ms)" \
        "$(field "$2" timeouts)" "$(awk -v c="$(field "$2" server_cpu_s)" -v n="$(field "$2" answered)" \
            'BEGIN { if (c != "NaN" && n > 0) printf "%.1f", 1e6 * c / n; else print "n/a" }')"
}
counts() {
    echo "$1: answered $(field "$2" answered) in $(field "$2" seconds) s; ACCEPT $(field "$2" accepts)," \
        "REJECT $(field "$2" rejects), other $(( $(field "$2" challenges) + $(field "$2" other) )); timeouts $(field "$2" timeouts)," \
        "invalid answers $(field "$2" invalid), late $(field "$2" late); answers without Message-Authenticator" \
        "$(field "$2" without_ma); server CPU $(field "$2" server_cpu_s) s, generator CPU $(field "$2" generator_cpu_s) s"
}
COMMIT=$(bench_commit)
RATIO=""
if [ -n "$APP" ] && [ -n "$FR" ]; then
    RATIO=$(awk -v a="$(field "$APP" accept_rps)" -v f="$(field "$FR" accept_rps)" 'BEGIN { if (f > 0) printf "%.1f", 100 * a / f; else print "n/a" }')
fi

REPORT=$(
    echo "OTP appliance RADIUS benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "commit $COMMIT; $(nproc) cores (nproc), shared by the server and the load generator; $(java -version 2>&1 | head -1)"
    echo "load average (1/5/15 min) before the appliance started: $LOAD_BEFORE"
    [ -z "$APP" ] || echo "  appliance run: before $LOAD_APP_BEFORE, after $LOAD_APP_AFTER"
    [ -z "$FR" ] || echo "  FreeRADIUS run: before $LOAD_FR_BEFORE, after $LOAD_FR_AFTER"
    echo "each: ${WARMUP} s warm-up (its own $WARM_TOKENS users), then ${DURATION} s measured on $TOKENS users;" \
        "$INFLIGHT Access-Requests in flight over $CHANNELS socket(s), timeout ${TIMEOUT_MS} ms, no retransmissions (a lost answer is a timeout)"
    [ -z "$APP" ] || echo "appliance: HOTP tokens, each code fresh and sent once in counter order (accept path: durable replay protection)," \
        "H2 file database in a fresh data dir; Message-Authenticator required both ways"
    [ -z "$FR" ] || echo "FreeRADIUS ${FR_VERSION:-?} + rlm_totp: the users file gives each user's TOTP secret; the current TOTP code," \
        "re-sent as often as the load asks (rlm_totp keeps no replay state); Message-Authenticator required in requests"
    echo
    printf '%-34s %10s %10s %8s %8s %8s %8s %9s %9s\n' "" "answers/s" "accepts/s" "p50 ms" "p90 ms" "p99 ms" "max ms" \
        "timeouts" "CPU µs/req"
    [ -z "$APP" ] || row "appliance (HOTP, replay-protected)" "$APP"
    [ -z "$FR" ] || row "FreeRADIUS 3.2 + rlm_totp" "$FR"
    echo
    [ -z "$APP" ] || counts appliance "$APP"
    [ -z "$APP" ] || echo "appliance's own count of the measured phase (validations_total, entry point RADIUS):" \
        "ACCEPT $(field "$APP" server_accepts), REJECT $(field "$APP" server_rejects) (with the retransmission probes);" \
        "WARNING/SEVERE lines it logged under load: $(grep -c -E 'WARNING|SEVERE' "$WORK/appliance-under-load.log" || true)"
    [ -z "$FR" ] || counts FreeRADIUS "$FR"
    for name in appliance freeradius; do
        [ -f "$WORK/$name.out" ] && grep -h -e ' priming: ' -e ' retransmissions ' "$WORK/$name.out" | sed 's/; each (first, again):.*//' || true
    done
    for r in "$APP" "$FR"; do
        [ -n "$r" ] || continue
        if [ "$(field "$r" retransmit_changed)" != 0 ] || [ "$(field "$r" retransmit_unanswered)" != 0 ]; then
            echo "WARNING: $(field "$r" label): of $(field "$r" retransmit_probes) requests retransmitted $(field "$r" retransmit_after_s) s" \
                "after their answer, $(field "$r" retransmit_changed) got a different answer (Access-Accept, then Access-Reject:" \
                "$(field "$r" retransmit_accept_then_reject)) and $(field "$r" retransmit_unanswered) went unanswered: duplicate" \
                "detection (RFC 5080) did not hold under this load"
        fi
        if [ "$(field "$r" cross_check_disagreements)" != 0 ]; then
            echo "WARNING: $(field "$r" label): the generator's answer check and RadiusCrypto.verifyResponse disagreed" \
                "$(field "$r" cross_check_disagreements) times"
        fi
        if [ $(( $(field "$r" accepts) * 100 )) -lt $(( ($(field "$r" accepts) + $(field "$r" rejects) + $(field "$r" timeouts)) * 99 )) ]; then
            echo "WARNING: $(field "$r" label): fewer than 99 % of the requests were accepted: this run did not measure the accept path"
        fi
    done
    if [ -n "$RATIO" ]; then
        echo
        MET=$(awk -v r="$RATIO" 'BEGIN { print (r >= 25 ? "met" : "NOT met") }')
        echo "appliance / FreeRADIUS: $RATIO % of the accepted requests per second"
        echo "target (at least 25 %, a quarter of FreeRADIUS's rate, with durable replay protection on): $MET"
    fi
    bench_busy_note "${LOAD_BEFORE%% *}"
)
mkdir -p "$BENCH_DIR/results"
RESULT=$BENCH_DIR/results/radius-$(date '+%Y%m%d-%H%M%S').txt
{
    echo "$REPORT"
    echo
    for name in appliance freeradius; do
        [ -f "$WORK/$name.out" ] || continue
        echo "--- load generator, $name:"; cat "$WORK/$name.out"; cat "$WORK/$name.result"
    done
    if [ -f "$WORK/appliance-under-load.log" ]; then
        echo "--- appliance log under load, WARNING and SEVERE lines (first 40):"
        grep -E 'WARNING|SEVERE' "$WORK/appliance-under-load.log" | head -n 40 || true
    fi
    if [ -f "$WORK/freeradius.log" ]; then
        echo "--- FreeRADIUS log (last 40 lines):"; tail -n 40 "$WORK/freeradius.log"
    fi
} >"$RESULT"
if [ -n "${BENCH_SUMMARY:-}" ]; then
    # summary PREFIX LINE: the generator's figures of one server, each key with PREFIX.
    summary() {
        local f
        for f in rps accept_rps p50_ms p90_ms p99_ms max_ms timeouts accepts rejects; do printf ' %s_%s=%s' "$1" "$f" "$(field "$2" "$f")"; done
        printf ' %s_cpu_us=%s' "$1" "$(awk -v c="$(field "$2" server_cpu_s)" -v n="$(field "$2" answered)" \
            'BEGIN { if (c != "NaN" && n > 0) printf "%.1f", 1e6 * c / n; else print "n/a" }')"
    }
    {
        printf 'radius nproc=%s duration_s=%s inflight=%s load_before=%s ratio_pct=%s' "$(nproc)" "$DURATION" "$INFLIGHT" \
            "${LOAD_BEFORE%% *}" "${RATIO:-n/a}"
        [ -z "$APP" ] || summary app "$APP"
        [ -z "$FR" ] || summary fr "$FR"
        printf ' fr_version=%s result=%s\n' "${FR_VERSION:-n/a}" "${RESULT#"$ROOT"/}"
    } >>"$BENCH_SUMMARY"
fi
echo
echo "$REPORT"
echo
echo "(written to ${RESULT#"$ROOT"/})"
