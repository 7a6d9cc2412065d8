#!/usr/bin/env bash
# PAM latency benchmark: time per authentication through pamtester for six PAM stacks in the same
# run - pam_permit (the floor: pamtester itself), pam_oath (Debian's libpam-oath, HOTP from a users
# file it rewrites with fsync on every success), pam_otp_appliance.so through the appliance's own
# socket, pam_otp_appliance.so through the standalone bridge forwarding to the same appliance over
# HTTP, and two reference servers that check nothing (bench/PamFloorServer.java): one answers at
# once, one after a single durable write. docs/performance.md explains what it measures and how to
# read the report.
#
#   sudo bench/pam-latency.sh [--runs N] [--warmup W] [--port P] [--seed SEED]
#
# Needs root (it writes /etc/pam.d/otpa-bench-PID-*, removed on exit), Java 17, curl, pamtester,
# oathtool and libpam-oath; installs the missing Debian packages itself. Environment:
# BENCH_JAVA_OPTS  extra JVM options for the appliance
# BENCH_BRIDGE_JAVA_OPTS  JVM options for the standalone bridge (default: those of docs/pam-ssh.md's unit)
# BENCH_SUMMARY    a file to which one machine-readable line is appended (bench/all.sh reads it)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
NAME=pam-latency
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
APP_JAR=$ROOT/appliance-war/target/otp-appliance.jar
BRIDGE_JAR=$ROOT/pam-bridge/target/pam-bridge.jar
MODULE=$ROOT/pam-bridge/target/pam_otp_appliance.so

RUNS=500
WARMUP=2000          # logins before the measured ones: the JVMs' compilers need them (docs/performance.md)
PORT=""              # default: the first free port from 18800 on
SEED=otp-pam-bench-1

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=${2:?}; shift 2 ;;
        --warmup) WARMUP=${2:?}; shift 2 ;;
        --port) PORT=${2:?}; shift 2 ;;
        --seed) SEED=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 10 ]] || die "--runs must be a whole number of at least 10, not '$RUNS'"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "--warmup must be a whole number, not '$WARMUP'"
[ -z "$PORT" ] || [[ $PORT =~ ^[0-9]+$ && $PORT -gt 0 && $PORT -lt 65536 ]] || die "--port must be a port number, not '$PORT'"
[ "$(id -u)" = 0 ] || die "run it as root: it writes PAM service files to /etc/pam.d (removed on exit)"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 (EPOCHREALTIME)"

# --- tools -----------------------------------------------------------------------------------------
find_pam_module() { # NAME: the path of a system PAM module, or nothing
    local d
    for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security /lib/aarch64-linux-gnu/security \
        /usr/lib/aarch64-linux-gnu/security /lib/security /usr/lib/security /lib64/security /usr/lib64/security; do
        [ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 0
}
missing=()
command -v pamtester >/dev/null || missing+=(pamtester)
command -v oathtool >/dev/null || missing+=(oathtool)
[ -n "$(find_pam_module pam_oath.so)" ] || missing+=(libpam-oath)
if [ ! -f "$MODULE" ]; then
    command -v gcc >/dev/null || missing+=(gcc)
    printf '#include <security/pam_modules.h>\n' | gcc -E -x c - -o /dev/null >/dev/null 2>&1 || missing+=(libpam0g-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "missing: ${missing[*]} (install them; these are Debian's package names)"
    log "installing the missing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v java >/dev/null || die "java (17+) is not installed"
command -v curl >/dev/null || die "curl is not installed"
OATH_MODULE=$(find_pam_module pam_oath.so)
[ -n "$OATH_MODULE" ] || die "pam_oath.so not found after installing libpam-oath"
bench_build "$APP_JAR" "$BRIDGE_JAR"
if [ ! -f "$MODULE" ]; then
    log "building the PAM module (pam-bridge/src/main/c/build.sh)"
    "$ROOT/pam-bridge/src/main/c/build.sh" "$ROOT/pam-bridge/target" >&2
fi
[ -f "$MODULE" ] || die "no $MODULE"
PORT=$(bench_port 18800 "$PORT")

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)   # before anything of ours runs

# --- work dir, clean-up ----------------------------------------------------------------------------
bench_workdir   # on exit: stops the bridge (BENCH_PIDS) and the appliance, shows their logs after a failure
BENCH_LOGS=(bridge floor)
SERVICE=otpa-bench-$$
CASES=(permit oath socket bridge answer durable)
remove_services() { local c; for c in "${CASES[@]}"; do rm -f "/etc/pam.d/$SERVICE-$c"; done; }
trap 'bench_cleanup; remove_services' EXIT   # and on exit: the PAM service files

# Private copies: a concurrent rebuild cannot pull them from under the running processes (the appliance's:
# bench_start_appliance).
cp "$BRIDGE_JAR" "$WORK/pam-bridge.jar"
cp "$MODULE" "$WORK/pam_otp_appliance.so"
mkdir -p "$WORK/oath"
chmod 0700 "$WORK/oath"

# --- the appliance, on a fresh data dir, serving its PAM socket ------------------------------------
# RADIUS off (bench_start_appliance): its UDP port 1812 may be taken, and it is not measured here.
bench_start_appliance "$PORT" OTP_APPLIANCE_PAM_SOCKET="$WORK/app.sock"
log "starting the appliance on $BASE with its PAM socket $WORK/app.sock"

# Meanwhile: the secrets (20 bytes each, from the seed), the codes, the users file, the PAM services.
secret() { printf '%s' "$SEED/$1" | sha256sum | cut -c1-40; }                      # hex
base32() { oathtool -v --hotp "$1" | sed -n 's/^Base32 secret: //p'; }
TOTAL=$((WARMUP + RUNS))
for c in oath socket bridge answer durable; do
    # counters 0 .. TOTAL-1, one code per line: each is used once, in order, so every call is accepted
    oathtool --hotp -c 0 -w $((TOTAL - 1)) "$(secret "$c")" >"$WORK/codes-$c"
    [ "$(wc -l <"$WORK/codes-$c")" -eq "$TOTAL" ] || die "oathtool wrote no $TOTAL codes"
done
awk -v n="$TOTAL" 'BEGIN { for (i = 0; i < n; i++) print "000000" }' >"$WORK/codes-permit"   # pam_permit reads nothing; fed anyway
printf 'HOTP\tpam-bench-oath\t-\t%s\n' "$(secret oath)" >"$WORK/oath/users.oath"
chmod 0600 "$WORK/oath/users.oath"
printf 'auth required pam_permit.so\n' >"/etc/pam.d/$SERVICE-permit"
printf 'auth required %s usersfile=%s window=20\n' "$OATH_MODULE" "$WORK/oath/users.oath" >"/etc/pam.d/$SERVICE-oath"
printf 'auth required %s socket=%s\n' "$WORK/pam_otp_appliance.so" "$WORK/app.sock" >"/etc/pam.d/$SERVICE-socket"
printf 'auth required %s socket=%s\n' "$WORK/pam_otp_appliance.so" "$WORK/bridge.sock" >"/etc/pam.d/$SERVICE-bridge"
printf 'auth required %s socket=%s\n' "$WORK/pam_otp_appliance.so" "$WORK/answer.sock" >"/etc/pam.d/$SERVICE-answer"
printf 'auth required %s socket=%s\n' "$WORK/pam_otp_appliance.so" "$WORK/durable.sock" >"/etc/pam.d/$SERVICE-durable"
declare -A USER_OF=([permit]=pam-bench-permit [oath]=pam-bench-oath [socket]=pam-bench-socket [bridge]=pam-bench-bridge
    [answer]=pam-bench-answer [durable]=pam-bench-durable)

bench_wait_healthy
bench_wait_ready "$APP_PID" "the appliance" 60 "did not open its PAM socket" test -S "$WORK/app.sock"

ADMIN_KEY=$(tr -d '[:space:]' <"$WORK/data/admin.key")
api() { # PATH JSON: POST with the admin key; fails on anything but 201
    curl -sS --fail-with-body --max-time 30 -X POST "$BASE/api/v1/$1" -H "Authorization: Bearer $ADMIN_KEY" \
        -H 'Content-Type: application/json' -d "$2"
}
for c in socket bridge; do
    api users "{\"username\":\"${USER_OF[$c]}\"}" >/dev/null || die "creating user ${USER_OF[$c]} failed"
    api tokens "{\"user\":\"${USER_OF[$c]}\",\"type\":\"hotp\",\"secret\":\"$(base32 "$(secret "$c")")\"}" >/dev/null \
        || die "enrolling the HOTP token of ${USER_OF[$c]} failed"
done
CLIENT_JSON=$(api clients '{"name":"pam-bench-bridge","role":"validate"}') || die "creating the validate client failed: $CLIENT_JSON"
(umask 077 && printf '%s\n' "$CLIENT_JSON" | sed -n 's/.*"apiKey" *: *"\([^"]*\)".*/\1/p' >"$WORK/validate.key")
[ -s "$WORK/validate.key" ] || die "no apiKey in the answer: $CLIENT_JSON"

# --- the standalone bridge, forwarding to the appliance over HTTP ----------------------------------
cat >"$WORK/pam-bridge.properties" <<EOF
appliance.urls = $BASE
appliance.api-key-file = $WORK/validate.key
socket = $WORK/bridge.sock
EOF
log "starting the standalone bridge on $WORK/bridge.sock"
# The JVM options of the systemd unit in docs/pam-ssh.md, unless BENCH_BRIDGE_JAVA_OPTS says otherwise.
java ${BENCH_BRIDGE_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m} -jar "$WORK/pam-bridge.jar" --config "$WORK/pam-bridge.properties" >"$WORK/bridge.log" 2>&1 &
BRIDGE_PID=$!
BENCH_PIDS+=("$BRIDGE_PID")
bench_wait_ready "$BRIDGE_PID" "the bridge" 60 "did not open its socket" test -S "$WORK/bridge.sock"

# --- the reference servers: our socket server with a validator that checks nothing -------------------
log "starting the reference servers on $WORK/answer.sock and $WORK/durable.sock"
cp "$BENCH_DIR/PamFloorServer.java" "$WORK/PamFloorServer.java"
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -cp "$WORK/pam-bridge.jar" "$WORK/PamFloorServer.java" \
    "$WORK/answer.sock" "$WORK/durable.sock" "$WORK/durable.dat" >"$WORK/floor.log" 2>&1 &
FLOOR_PID=$!
BENCH_PIDS+=("$FLOOR_PID")
bench_wait_ready "$FLOOR_PID" "the reference servers" 60 "did not open their sockets" test -S "$WORK/durable.sock"

# --- measure -----------------------------------------------------------------------------------------
# pam_accepts: the appliance's own count of PAM validations answered ACCEPT (/metrics)
pam_accepts() {
    curl -sS --fail --max-time 10 "$BASE/metrics" | awk '
        /^validations_total\{/ && index($0, "entry_point=\"PAM\"") && index($0, "result=\"ACCEPT\"") { n += $NF }
        END { printf "%d", n }'
}
declare -A FAILED
for c in "${CASES[@]}"; do FAILED[$c]=0; done
for c in "${CASES[@]}"; do mapfile -t "CODES_$c" <"$WORK/codes-$c"; : >"$WORK/us-$c"; done
# one_call CASE I MEASURED: pamtester once with code I of CASE; its wall time in µs to us-CASE if MEASURED.
# Timing is bash's EPOCHREALTIME (no fork) around the pamtester process, the same for every case.
one_call() {
    local c=$1 i=$2 codes="CODES_$1[$2]" t0 t1 rc=0
    local code=${!codes}
    t0=${EPOCHREALTIME/./}
    pamtester "$SERVICE-$c" "${USER_OF[$c]}" authenticate <<<"$code" >/dev/null 2>&1 || rc=$?
    t1=${EPOCHREALTIME/./}
    if [ "$rc" -ne 0 ]; then FAILED[$c]=$((FAILED[$c] + 1)); fi
    if [ "$3" = 1 ]; then echo $((t1 - t0)) >>"$WORK/us-$c"; fi
}
ACCEPT_BEFORE=$(pam_accepts)
# Round-robin, one call of each case per round, the starting case rotating from round to round, so
# that drift (other load, the JIT, the disk) spreads evenly over the cases.
log "warm-up: $WARMUP calls of each case; then $RUNS measured calls of each, round-robin"
for ((i = 0; i < TOTAL; i++)); do
    for ((k = 0; k < ${#CASES[@]}; k++)); do
        one_call "${CASES[(i + k) % ${#CASES[@]}]}" "$i" $((i >= WARMUP ? 1 : 0))
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ACCEPTED=$(( $(pam_accepts) - ACCEPT_BEFORE ))

# --- report ----------------------------------------------------------------------------------------
stats() { # FILE: "median p90 p99 max" in ms (nearest rank)
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        r50 = int((NR * 50 + 99) / 100); r90 = int((NR * 90 + 99) / 100); r99 = int((NR * 99 + 99) / 100)
        printf "%.2f %.2f %.2f %.2f", v[r50] / 1000, v[r90] / 1000, v[r99] / 1000, v[NR] / 1000 }'
}
declare -A MED P90 P99 MAX
for c in "${CASES[@]}"; do read -r "MED[$c]" "P90[$c]" "P99[$c]" "MAX[$c]" <<<"$(stats "$WORK/us-$c")"; done
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f", a - b }'; }
verdict() { # CASE: whether its added median latency is at most pam_oath's
    awk -v o="$(added "${MED[$1]}" "${MED[permit]}")" -v p="$(added "${MED[oath]}" "${MED[permit]}")" \
        'BEGIN { if (o + 0 <= p + 0) print "met"; else print "NOT met" }'
}
declare -A LABEL=([permit]="(a) pam_permit" [oath]="(b) pam_oath, users file"
    [socket]="(c) ours, appliance socket" [bridge]="(d) ours, standalone bridge"
    [answer]="(e) reference: answers at once" [durable]="(f) reference: 1 durable write")
FAILED_ALL=0
for c in "${CASES[@]}"; do FAILED_ALL=$((FAILED_ALL + FAILED[$c])); done
failed_list() { local c sep=""; for c in "${CASES[@]}"; do printf '%s%s %s' "$sep" "$c" "${FAILED[$c]}"; sep=", "; done; }
COMMIT=$(bench_commit)
FS=$(df -PT "$WORK" | awk 'NR == 2 { print $2 " (" $1 ")" }')

REPORT=$(
    echo "OTP appliance PAM latency benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "commit $COMMIT; $(nproc) cores (nproc); $(java -version 2>&1 | head -1);" \
        "pamtester $(dpkg-query -W -f='${Version}' pamtester 2>/dev/null || echo '?');" \
        "libpam-oath $(dpkg-query -W -f='${Version}' libpam-oath 2>/dev/null || echo '?')"
    echo "load average (1/5/15 min) before the appliance started: $LOAD_BEFORE; after the runs: $LOAD_AFTER"
    echo "$RUNS measured pamtester calls of each case, round-robin, after $WARMUP warm-up calls each;" \
        "HOTP codes, each used once; users file and H2 database on $FS"
    echo
    printf '%-32s %9s %9s %9s %9s %14s %13s\n' "" "median ms" "p90 ms" "p99 ms" "max ms" "added median" "added p99"
    for c in "${CASES[@]}"; do
        if [ "$c" = permit ]; then a1="" a2=""; else a1=$(added "${MED[$c]}" "${MED[permit]}"); a2=$(added "${P99[$c]}" "${P99[permit]}"); fi
        printf '%-32s %9s %9s %9s %9s %14s %13s\n' "${LABEL[$c]}" "${MED[$c]}" "${P90[$c]}" "${P99[$c]}" "${MAX[$c]}" "$a1" "$a2"
    done
    echo
    echo "target (added median over pam_permit no more than pam_oath's $(added "${MED[oath]}" "${MED[permit]}") ms):" \
        "appliance socket $(added "${MED[socket]}" "${MED[permit]}") ms: $(verdict socket);" \
        "standalone bridge $(added "${MED[bridge]}" "${MED[permit]}") ms: $(verdict bridge)"
    echo "references (our module and socket server, nothing checked): answering adds $(added "${MED[answer]}" "${MED[permit]}") ms," \
        "answering after one durable write $(added "${MED[durable]}" "${MED[permit]}") ms; pam_oath's added time leaves" \
        "$(added "${MED[oath]}" "${MED[durable]}") ms beyond (f) for a validation; the appliance's takes $(added "${MED[socket]}" "${MED[durable]}") ms"
    echo "accepted: the appliance counted $ACCEPTED PAM ACCEPTs for $((2 * TOTAL)) calls of (c) and (d);" \
        "failed calls (pamtester exit status not 0): $(failed_list)"
    if [ "$FAILED_ALL" -gt 0 ] || [ "$ACCEPTED" -ne $((2 * TOTAL)) ]; then
        echo "WARNING: not every call was accepted: this run did not measure the accept path only"
    fi
    bench_busy_note "${LOAD_BEFORE%% *}"
)
mkdir -p "$BENCH_DIR/results"
RESULT=$BENCH_DIR/results/pam-latency-$(date '+%Y%m%d-%H%M%S').txt
{
    echo "$REPORT"
    echo
    echo "--- every measured call, µs, in order (columns: ${CASES[*]}):"
    paste "${CASES[@]/#/$WORK/us-}"
} >"$RESULT"
if [ -n "${BENCH_SUMMARY:-}" ]; then
    {
        printf 'pam nproc=%s runs=%s load_before=%s accepted=%s calls=%s failed=%s' "$(nproc)" "$RUNS" "${LOAD_BEFORE%% *}" \
            "$ACCEPTED" $((2 * TOTAL)) "$FAILED_ALL"
        for c in "${CASES[@]}"; do
            printf ' %s_median_ms=%s %s_p90_ms=%s %s_p99_ms=%s %s_max_ms=%s' "$c" "${MED[$c]}" "$c" "${P90[$c]}" "$c" "${P99[$c]}" "$c" "${MAX[$c]}"
        done
        printf ' result=%s\n' "${RESULT#"$ROOT"/}"
    } >>"$BENCH_SUMMARY"
fi
echo
echo "$REPORT"
echo
echo "(written to ${RESULT#"$ROOT"/})"
