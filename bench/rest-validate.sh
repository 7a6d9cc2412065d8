#!/usr/bin/env bash
# REST validation benchmark: accepted HOTP validations per second and latency percentiles of
# POST /api/v1/validate, next to the trivial GET /api/v1/ping on the same server as the baseline.
# bench/README.md explains what it measures and how to read the report.
#
#   bench/rest-validate.sh [--tokens N] [--rounds R] [--duration S] [--connections C] [--threads T]
#                          [--warmup S] [--port P] [--db-url URL] [--seed SEED]
#
# Environment: BENCH_JAVA_OPTS  extra JVM options for the appliance (e.g. -Xmx2g)
#              BENCH_ADMIN_KEY  admin API key, needed only with a --db-url whose database already has
#                               an admin client (the appliance then writes no admin.key)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
NAME=rest-validate
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
APP_JAR=$ROOT/appliance-war/target/otp-appliance.jar
CORE_JAR=$ROOT/otp-core/target/otp-core-0.1.0-SNAPSHOT.jar

TOKENS=2000
ROUNDS=""
DURATION=20
CONNECTIONS=32
THREADS=2
WARMUP=15
PORT=""              # default: the first free port from 18700 on
DB_URL=""
SEED=otp-bench-1
RATE_HEADROOM=15000   # requests/s the generated codes must last for: above anything 2 cores reach

usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
        --tokens) TOKENS=${2:?}; shift 2 ;;
        --rounds) ROUNDS=${2:?}; shift 2 ;;
        --duration) DURATION=${2:?}; shift 2 ;;
        --connections) CONNECTIONS=${2:?}; shift 2 ;;
        --threads) THREADS=${2:?}; shift 2 ;;
        --warmup) WARMUP=${2:?}; shift 2 ;;
        --port) PORT=${2:?}; shift 2 ;;
        --db-url) DB_URL=${2:?}; shift 2 ;;
        --seed) SEED=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
for v in TOKENS DURATION CONNECTIONS THREADS WARMUP ${PORT:+PORT} ${ROUNDS:+ROUNDS}; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "--${v,,} must be a positive whole number, not '${!v}'"
done
[ "$CONNECTIONS" -ge "$THREADS" ] || die "--connections ($CONNECTIONS) must be at least --threads ($THREADS)"
# A token's next code is TOKENS/THREADS requests further in its thread's queue, which has at most
# CONNECTIONS/THREADS requests in flight: TOKENS >= 8*CONNECTIONS keeps a token's codes in order
# unless one request stalls while 8 rounds of its neighbours pass it (seen, rarely, at 4x under load).
[ "$TOKENS" -ge $((8 * CONNECTIONS)) ] || die "--tokens must be at least 8 x --connections ($((8 * CONNECTIONS)))"
if [ -z "$ROUNDS" ]; then
    ROUNDS=$(( (DURATION * RATE_HEADROOM + TOKENS - 1) / TOKENS ))
    [ "$ROUNDS" -ge 40 ] || ROUNDS=40
fi
WARM_TOKENS=$(( TOKENS < 500 ? TOKENS : 500 ))
WARM_ROUNDS=$(( (WARMUP * RATE_HEADROOM + WARM_TOKENS - 1) / WARM_TOKENS ))

# --- tools -----------------------------------------------------------------------------------------
command -v java >/dev/null || die "java (17+) is not installed"
command -v curl >/dev/null || die "curl is not installed"
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "wrk is missing: installing the Debian package (apt-get update && apt-get install -y wrk)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    fi
    command -v wrk >/dev/null || die "wrk is missing: install it (Debian/Ubuntu: sudo apt-get install wrk)"
fi
bench_build "$APP_JAR" "$CORE_JAR"
PORT=$(bench_port 18700 "$PORT")

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)   # before anything of ours runs

# --- the appliance, on a fresh data dir ------------------------------------------------------------
bench_workdir
cp "$CORE_JAR" "$WORK/otp-core.jar"
bench_start_appliance "$PORT" ${DB_URL:+OTP_APPLIANCE_DB_URL="$DB_URL"}
log "started the appliance on $BASE (data dir $WORK/data${DB_URL:+, database $DB_URL})"

# Meanwhile: compile the helper and write the request files (they need no server).
javac -d "$WORK/classes" -cp "$WORK/otp-core.jar" "$BENCH_DIR/GenerateCodes.java"
helper() { java -cp "$WORK/classes:$WORK/otp-core.jar" GenerateCodes "$@"; }
RUN=$(date +%s)   # in the user names, so that a reused database (--db-url) gets new users
BENCH_PREFIX=bench$RUN-u
WARM_PREFIX=warm$RUN-u
log "generating codes: measured $TOKENS tokens x $ROUNDS rounds, warm-up $WARM_TOKENS tokens x $WARM_ROUNDS rounds"
helper codes bench "$BENCH_PREFIX" "$TOKENS" "$ROUNDS" "$SEED" "$WORK/bench-codes.txt"
helper codes warm "$WARM_PREFIX" "$WARM_TOKENS" "$WARM_ROUNDS" "$SEED" "$WORK/warm-codes.txt"

bench_wait_healthy

if [ -s "$WORK/data/admin.key" ]; then
    ADMIN_KEY=$(tr -d '[:space:]' <"$WORK/data/admin.key")
elif [ -n "${BENCH_ADMIN_KEY:-}" ]; then
    ADMIN_KEY=$BENCH_ADMIN_KEY
else
    die "no $WORK/data/admin.key (the database already had an admin?): set BENCH_ADMIN_KEY"
fi
CLIENT_JSON=$(curl -sS --fail-with-body -X POST "$BASE/api/v1/clients" -H "Authorization: Bearer $ADMIN_KEY" \
    -H 'Content-Type: application/json' -d "{\"name\":\"bench-$RUN\",\"role\":\"validate\"}") \
    || die "creating the validate client failed: $CLIENT_JSON"
VALIDATE_KEY=$(printf '%s' "$CLIENT_JSON" | sed -n 's/.*"apiKey" *: *"\([^"]*\)".*/\1/p')
[ -n "$VALIDATE_KEY" ] || die "no apiKey in the answer: $CLIENT_JSON"

log "enrolling $TOKENS + $WARM_TOKENS users with one HOTP token each"
helper enroll "$BASE" "$ADMIN_KEY" bench "$BENCH_PREFIX" "$TOKENS" "$SEED" 8
helper enroll "$BASE" "$ADMIN_KEY" warm "$WARM_PREFIX" "$WARM_TOKENS" "$SEED" 8

# --- load ------------------------------------------------------------------------------------------
# run_wrk NAME SECONDS ARGS...: wrk's full output to $WORK/NAME.out, its BENCH line to stdout.
run_wrk() {
    local name=$1 secs=$2; shift 2
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 10s --latency "$@" >"$WORK/$name.out" 2>&1 \
        || { cat "$WORK/$name.out" >&2; die "wrk failed ($name)"; }
    grep '^BENCH ' "$WORK/$name.out" || { cat "$WORK/$name.out" >&2; die "no BENCH line from wrk ($name)"; }
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
# validated RESULT: the appliance's own count of REST validations that answered RESULT (/metrics).
validated() {
    curl -sS --fail --max-time 10 "$BASE/metrics" | awk -v r="result=\"$1\"" '
        /^validations_total\{/ && index($0, "entry_point=\"REST\"") && index($0, r) { n += $NF }
        END { printf "%d", n }'
}

log "warm-up: ${WARMUP} s of ping, ${WARMUP} s of validation (separate tokens)"
run_wrk warm-ping "$WARMUP" -s "$BENCH_DIR/ping.lua" "$BASE/api/v1/ping" >/dev/null
run_wrk warm-validate "$WARMUP" -s "$BENCH_DIR/validate.lua" "$BASE/api/v1/validate" \
    -- "$WORK/warm-codes.txt" "$WARM_TOKENS" "$VALIDATE_KEY" "$THREADS" >/dev/null

log "baseline: GET /api/v1/ping for ${DURATION} s"
PING=$(run_wrk ping "$DURATION" -s "$BENCH_DIR/ping.lua" "$BASE/api/v1/ping")
log "measured: POST /api/v1/validate for ${DURATION} s"
ACCEPT_BEFORE=$(validated ACCEPT); REJECT_BEFORE=$(validated REJECT)
VAL=$(run_wrk validate "$DURATION" -s "$BENCH_DIR/validate.lua" "$BASE/api/v1/validate" \
    -- "$WORK/bench-codes.txt" "$TOKENS" "$VALIDATE_KEY" "$THREADS")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 1   # requests in flight when wrk stopped are answered and counted
ACCEPT=$(( $(validated ACCEPT) - ACCEPT_BEFORE )); REJECT=$(( $(validated REJECT) - REJECT_BEFORE ))

# --- report ----------------------------------------------------------------------------------------
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "n/a" }'; }
row() {
    printf '%-24s %10.1f %9.2f %9.2f %9.2f %9.2f\n' "$1" "$(field "$2" rps)" "$(field "$2" p50_ms)" \
        "$(field "$2" p90_ms)" "$(field "$2" p99_ms)" "$(field "$2" max_ms)"
}
V_REQ=$(field "$VAL" requests); WRAPPED=$(field "$VAL" wrapped)
# wrk counts the answers it received; the appliance may have decided up to -c more that were in
# flight when wrk stopped, so the accept rate is the ACCEPT share of the decisions times wrk's rate.
DECIDED=$((ACCEPT + REJECT))
ACCEPT_RPS=$(awk -v a="$ACCEPT" -v d="$DECIDED" -v r="$(field "$VAL" rps)" 'BEGIN { printf "%.1f", (d > 0 ? r * a / d : 0) }')

REPORT=$(
    echo "OTP appliance REST validation benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "commit $(bench_commit); $(nproc) cores (nproc); $(java -version 2>&1 | head -1)"
    echo "load average (1/5/15 min) before the appliance started: $LOAD_BEFORE; after the validation run: $LOAD_AFTER"
    echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s after ${WARMUP} s warm-up of each; $TOKENS HOTP tokens x $ROUNDS rounds;" \
        "database: ${DB_URL:-H2 file in a fresh data dir (default)}"
    echo
    printf '%-24s %10s %9s %9s %9s %9s\n' "" "req/s" "p50 ms" "p90 ms" "p99 ms" "max ms"
    row "baseline GET /ping" "$PING"
    row "POST /validate" "$VAL"
    echo
    echo "validation / baseline: $(pct "$(field "$VAL" rps)" "$(field "$PING" rps)") % of the requests per second"
    echo "validate decisions (the appliance's count): ACCEPT $ACCEPT ($(pct "$ACCEPT" "$DECIDED") %), REJECT $REJECT;" \
        "wrk received $V_REQ answers; accepted validations/s: $ACCEPT_RPS"
    echo "errors: validate non-2xx $(field "$VAL" non2xx), socket $(field "$VAL" socket_errors);" \
        "ping non-2xx $(field "$PING" non2xx), socket $(field "$PING" socket_errors)"
    if [ "$WRAPPED" -gt 0 ]; then
        echo "WARNING: the $(field "$VAL" lines) generated codes ran out: $WRAPPED requests were replays" \
            "(rejected); use more --rounds"
    fi
    if [ $((ACCEPT * 100)) -lt $((V_REQ * 99)) ]; then
        echo "WARNING: fewer than 99 % of the requests were accepted: this run did not measure the accept path"
    fi
    bench_busy_note "${LOAD_BEFORE%% *}"
)
mkdir -p "$BENCH_DIR/results"
RESULT=$BENCH_DIR/results/rest-validate-$(date '+%Y%m%d-%H%M%S').txt
{
    echo "$REPORT"
    echo
    echo "--- wrk, baseline:"; cat "$WORK/ping.out"
    echo "--- wrk, validation:"; cat "$WORK/validate.out"
} >"$RESULT"
echo
echo "$REPORT"
echo
echo "(written to ${RESULT#"$ROOT"/})"
