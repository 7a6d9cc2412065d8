#!/usr/bin/env bash
# Token import benchmark: a 100,000-key PSKC file (AES-128-CBC under a pre-shared key, with MAC) imported end to
# end through token-import into a running appliance with H2: wall time, keys/s, peak memory of tool and appliance,
# and a check that a sample of the imported tokens validates. bench/README.md explains how to read the report.
#
#   bench/import.sh [--keys N] [--batch-size B] [--tool-heap SIZE] [--samples S] [--port P] [--seed SEED]
#
# Environment: BENCH_JAVA_OPTS  extra JVM options for the appliance (e.g. -Xmx2g)
#              BENCH_SUMMARY    a file to which one machine-readable line is appended (bench/all.sh reads it)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
NAME=import
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
APP_JAR=$ROOT/appliance-war/target/otp-appliance.jar
TOOL_JAR=$ROOT/token-import/target/token-import.jar
CORE_JAR=$ROOT/otp-core/target/otp-core-0.1.0-SNAPSHOT.jar

KEYS=100000
BATCH_SIZE=200       # the tool's default
TOOL_HEAP=64m        # bounds the tool's heap: a tool that held the file would not fit
SAMPLES=3
PORT=""              # default: the first free port from 18600 on
SEED=otp-import-bench-1
TARGET_SECONDS=60

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
        --keys) KEYS=${2:?}; shift 2 ;;
        --batch-size) BATCH_SIZE=${2:?}; shift 2 ;;
        --tool-heap) TOOL_HEAP=${2:?}; shift 2 ;;
        --samples) SAMPLES=${2:?}; shift 2 ;;
        --port) PORT=${2:?}; shift 2 ;;
        --seed) SEED=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
for v in KEYS BATCH_SIZE SAMPLES ${PORT:+PORT}; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "--${v,,} must be a positive whole number, not '${!v}'"
done
[[ $TOOL_HEAP =~ ^[0-9]+[kKmMgG]$ ]] || die "--tool-heap must be a JVM size such as 64m, not '$TOOL_HEAP'"
[ "$SAMPLES" -le "$KEYS" ] || die "--samples must be at most --keys"

# --- tools -----------------------------------------------------------------------------------------
command -v java >/dev/null || die "java (17+) is not installed"
command -v curl >/dev/null || die "curl is not installed"
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "/usr/bin/time is missing: installing the Debian package (apt-get update && apt-get install -y time)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
    fi
    [ -x /usr/bin/time ] || die "/usr/bin/time is missing: install it (Debian/Ubuntu: sudo apt-get install time)"
fi
bench_build "$APP_JAR" "$TOOL_JAR" "$CORE_JAR"
PORT=$(bench_port 18600 "$PORT")

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)   # before anything of ours runs

# --- the appliance, on a fresh data dir ------------------------------------------------------------
bench_workdir
cp "$TOOL_JAR" "$WORK/token-import.jar"   # private copies, as of the appliance's jar
cp "$CORE_JAR" "$WORK/otp-core.jar"
bench_start_appliance "$PORT"
log "started the appliance on $BASE (data dir $WORK/data, H2)"

# Meanwhile: the seed file, the sample of tokens to check, and their users (they need no server).
javac -d "$WORK/classes" -cp "$WORK/otp-core.jar" "$BENCH_DIR/GeneratePskc.java"
helper() { java -cp "$WORK/classes:$WORK/otp-core.jar" GeneratePskc "$@"; }
log "generating $KEYS HOTP keys into a PSKC file (AES-128-CBC, pre-shared key, HMAC-SHA1 MAC)"
GEN_START=$EPOCHREALTIME
helper file "$WORK/tokens.pskc" "$WORK/psk.hex" "$KEYS" "$SEED"
GEN_SECONDS=$(awk -v a="$GEN_START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
FILE_MB=$(awk -v s="$(stat -c %s "$WORK/tokens.pskc")" 'BEGIN { printf "%.1f", s / 1e6 }')
helper sample "$KEYS" "$SAMPLES" "$SEED" >"$WORK/sample.txt"
RUN=$(date +%s)
awk -v run="$RUN" '{ print $1 ",bench" run "-" $1 }' "$WORK/sample.txt" >"$WORK/users.csv"

bench_wait_healthy
[ -s "$WORK/data/admin.key" ] || die "the appliance wrote no $WORK/data/admin.key"
ADMIN_KEY=$(tr -d '[:space:]' <"$WORK/data/admin.key")

# --- the import ------------------------------------------------------------------------------------
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu_seconds() {   # user + system CPU of a process so far (fields 14 and 15 of /proc/PID/stat, after the name)
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' "/proc/$1/stat"
}
APP_RSS_BEFORE=$(status_kb "$APP_PID" VmRSS)
APP_CPU_BEFORE=$(cpu_seconds "$APP_PID")
# The appliance's resident memory, every 0.2 s while the import runs: its peak during the import (VmHWM also
# counts the start-up).
( while kill -0 "$APP_PID" 2>/dev/null; do status_kb "$APP_PID" VmRSS; sleep 0.2; done ) >"$WORK/app-rss.txt" 2>/dev/null &
SAMPLER_PID=$!
BENCH_PIDS+=("$SAMPLER_PID")

log "importing: java -Xmx$TOOL_HEAP -jar token-import.jar file tokens.pskc --psk-file ... --batch-size $BATCH_SIZE"
IMPORT_START=$EPOCHREALTIME
set +e
/usr/bin/time -v -o "$WORK/tool-time.txt" java -Xmx"$TOOL_HEAP" -jar "$WORK/token-import.jar" file "$WORK/tokens.pskc" \
    --psk-file "$WORK/psk.hex" --server "$BASE" --api-key-file "$WORK/data/admin.key" \
    --assign-users "$WORK/users.csv" --batch-size "$BATCH_SIZE" >"$WORK/tool.out" 2>"$WORK/tool.err"
TOOL_EXIT=$?
set -e
IMPORT_END=$EPOCHREALTIME
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
APP_CPU_AFTER=$(cpu_seconds "$APP_PID")
APP_HWM=$(status_kb "$APP_PID" VmHWM)
APP_RSS_PEAK=$(sort -n "$WORK/app-rss.txt" | tail -1)
[ "$TOOL_EXIT" -ne 2 ] || { cat "$WORK/tool.err" >&2; die "token-import failed (exit 2)"; }

# --- checks --------------------------------------------------------------------------------------------
count() { awk -v k="$1" '$1 == k { print $2; exit }' "$WORK/tool.out"; }
IMPORTED=$(count imported); FAILED=$(count failed); SKIPPED=$(awk '$1 == "skipped" { print $3; exit }' "$WORK/tool.out")
log "validating $SAMPLES random imported tokens (HOTP code for counter 0) through POST /api/v1/validate"
ACCEPTED=0
SAMPLE_LINES=""
while read -r serial code; do
    user=bench$RUN-$serial
    answer=$(curl -sS --max-time 30 "$BASE/api/v1/validate" -H "Authorization: Bearer $ADMIN_KEY" \
        -H 'Content-Type: application/json' -d "{\"user\":\"$user\",\"code\":\"$code\"}" || true)
    result=$(printf '%s' "$answer" | sed -n 's/.*"result" *: *"\([A-Z_]*\)".*/\1/p')
    [ "$result" != ACCEPT ] || ACCEPTED=$((ACCEPTED + 1))
    SAMPLE_LINES+="  $serial (user $user): ${result:-no result: $answer}"$'\n'
done <"$WORK/sample.txt"

# --- report ----------------------------------------------------------------------------------------
mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }
WALL=$(awk -v a="$IMPORT_START" -v b="$IMPORT_END" 'BEGIN { printf "%.1f", b - a }')
RATE=$(awk -v n="${IMPORTED:-0}" -v w="$WALL" 'BEGIN { printf "%.0f", (w > 0 ? n / w : 0) }')
# The rate over the second half of the file, from the tool's progress lines ("read R | imported I | replaced P |
# skipped S | failed F | T tokens/s", T over the time since the tool started) and its total time in the summary.
TOOL_SECONDS=$(awk '$1 == "read" && $4 == "in" { print $5; exit }' "$WORK/tool.out")
HALF_RATE=$(awk -F' [|] ' -v keys="$KEYS" -v total="${TOOL_SECONDS:-0}" '
    /^read [0-9]+ \|/ && !found {
        d = 0; for (i = 2; i <= 5; i++) { split($i, f, " "); d += f[2] }
        split($6, r, " ")
        if (d >= keys / 2 && r[1] > 0) { d1 = d; t1 = d / r[1]; found = 1 }
    }
    END { if (found && total > t1) printf "%.0f", (keys - d1) / (total - t1); else print "n/a" }' "$WORK/tool.err")
TOOL_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/tool-time.txt")
TOOL_CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.1f", u + s }' "$WORK/tool-time.txt")
APP_CPU=$(awk -v a="$APP_CPU_BEFORE" -v b="$APP_CPU_AFTER" 'BEGIN { printf "%.1f", b - a }')
REQUESTS=$(( (KEYS + BATCH_SIZE - 1) / BATCH_SIZE ))
MET=$(awk -v w="$WALL" -v t="$TARGET_SECONDS" 'BEGIN { print (w < t ? "met" : "NOT met") }')

REPORT=$(
    echo "OTP appliance token import benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "commit $(bench_commit); $(nproc) cores (nproc); $(java -version 2>&1 | head -1)"
    echo "load average (1/5/15 min) before the appliance started: $LOAD_BEFORE; after the import: $LOAD_AFTER"
    echo "file: $KEYS HOTP keys, PSKC (RFC 6030), AES-128-CBC under a pre-shared key, HMAC-SHA1 ValueMAC; $FILE_MB MB" \
        "(generated in $GEN_SECONDS s)"
    echo "tool: java -Xmx$TOOL_HEAP -jar token-import.jar file ... --batch-size $BATCH_SIZE ($REQUESTS requests);" \
        "appliance: H2 file in a fresh data dir${BENCH_JAVA_OPTS:+, JVM options $BENCH_JAVA_OPTS}"
    echo
    printf '%-34s %s\n' "wall time (tool start to exit)" "$WALL s (target: under $TARGET_SECONDS s: $MET)"
    printf '%-34s %s\n' "keys/s" "$RATE (second half of the file: $HALF_RATE; the first half includes the appliance's JIT warm-up)"
    printf '%-34s %s\n' "tool: peak RSS" "$(mb "${TOOL_RSS:-0}") (heap limited to $TOOL_HEAP); CPU $TOOL_CPU s"
    printf '%-34s %s\n' "appliance: RSS before the import" "$(mb "${APP_RSS_BEFORE:-0}")"
    printf '%-34s %s\n' "appliance: peak RSS" "$(mb "${APP_RSS_PEAK:-0}") during the import (sampled every 0.2 s),\
 $(mb "${APP_HWM:-0}") since its start (VmHWM); CPU during the import $APP_CPU s"
    echo
    echo "tool exit status $TOOL_EXIT; imported ${IMPORTED:-?}, skipped ${SKIPPED:-?}, failed ${FAILED:-?} (of $KEYS)"
    echo "validation of $SAMPLES random imported tokens: $ACCEPTED ACCEPT"
    printf '%s' "$SAMPLE_LINES"
    if [ "${IMPORTED:-0}" != "$KEYS" ] || [ "$TOOL_EXIT" -ne 0 ]; then
        echo "WARNING: not every key was imported: see the tool's summary in the result file"
    fi
    if [ "$ACCEPTED" -ne "$SAMPLES" ]; then
        echo "WARNING: not every sampled token validated"
    fi
    bench_busy_note "${LOAD_BEFORE%% *}"
)
mkdir -p "$BENCH_DIR/results"
RESULT=$BENCH_DIR/results/import-$(date '+%Y%m%d-%H%M%S').txt
{
    echo "$REPORT"
    echo
    echo "--- token-import, standard output (the summary):"; cat "$WORK/tool.out"
    echo "--- token-import, standard error (progress every 5 s):"; cat "$WORK/tool.err"
    echo "--- /usr/bin/time -v of token-import:"; cat "$WORK/tool-time.txt"
} >"$RESULT"
if [ -n "${BENCH_SUMMARY:-}" ]; then
    printf 'import nproc=%s keys=%s batch=%s load_before=%s wall_s=%s keys_per_s=%s second_half_keys_per_s=%s imported=%s failed=%s sampled_accept=%s/%s tool_rss_kb=%s app_rss_peak_kb=%s result=%s\n' \
        "$(nproc)" "$KEYS" "$BATCH_SIZE" "${LOAD_BEFORE%% *}" "$WALL" "$RATE" "$HALF_RATE" "${IMPORTED:-0}" "${FAILED:-?}" \
        "$ACCEPTED" "$SAMPLES" "${TOOL_RSS:-0}" "${APP_RSS_PEAK:-0}" "${RESULT#"$ROOT"/}" >>"$BENCH_SUMMARY"
fi
echo
echo "$REPORT"
echo
echo "(written to ${RESULT#"$ROOT"/})"
[ "${IMPORTED:-0}" = "$KEYS" ] && [ "$ACCEPTED" -eq "$SAMPLES" ] && [ "$TOOL_EXIT" -eq 0 ]
