#!/usr/bin/env bash
# REST validation benchmark: accepted HOTP validations per second and latency percentiles of
# POST /api/v1/validate, next to the trivial GET /api/v1/ping on the same server as the baseline;
# on H2 or PostgreSQL, on one node or several sharing one database, and with growing numbers of
# tokens in the database. bench/README.md explains what it measures and how to read the report.
#
#   bench/rest-validate.sh [--tokens N] [--rounds R] [--duration S] [--connections C] [--threads T]
#                          [--warmup S] [--port P] [--db-url URL | --postgres] [--nodes N]
#                          [--scale TOTAL,TOTAL,...] [--import-chunk K] [--seed SEED]
#
# Environment: BENCH_JAVA_OPTS  extra JVM options for the appliance (e.g. -Xmx2g)
#              BENCH_ADMIN_KEY  admin API key, needed only with a --db-url whose database already has
#                               an admin client (the appliance then writes no admin.key)
#              BENCH_SUMMARY    a file to which one machine-readable line per measurement is appended
#                               (bench/all.sh reads them)
#              OTP_APPLIANCE_DB_USER, OTP_APPLIANCE_DB_PASSWORD, OTP_APPLIANCE_MASTER_KEY
#                               passed on to the appliance (with --db-url; --postgres sets the first two,
#                               --nodes 2 or more makes a master key when none is set)
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
POSTGRES=no          # yes: a throw-away PostgreSQL cluster of our own
NODES=1
SCALE=""             # comma-separated totals of tokens in the database, one measurement at each
IMPORT_CHUNK=50000   # idle tokens per import request (one transaction each) in --scale
SEED=otp-bench-1
RATE_HEADROOM=15000   # requests/s the generated codes must last for: above anything 2 cores reach

usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

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
        --postgres) POSTGRES=yes; shift ;;
        --nodes) NODES=${2:?}; shift 2 ;;
        --scale) SCALE=${2:?}; shift 2 ;;
        --import-chunk) IMPORT_CHUNK=${2:?}; shift 2 ;;
        --seed) SEED=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
for v in TOKENS DURATION CONNECTIONS THREADS WARMUP NODES IMPORT_CHUNK ${PORT:+PORT} ${ROUNDS:+ROUNDS}; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "--${v,,} must be a positive whole number, not '${!v}'"
done
[ "$CONNECTIONS" -ge "$THREADS" ] || die "--connections ($CONNECTIONS) must be at least --threads ($THREADS)"
# A token's next code is TOKENS/THREADS requests further in its thread's queue, which has at most
# CONNECTIONS/THREADS requests in flight: TOKENS >= 8*CONNECTIONS keeps a token's codes in order
# unless one request stalls while 8 rounds of its neighbours pass it (seen, rarely, at 4x under load).
[ "$TOKENS" -ge $((8 * CONNECTIONS)) ] || die "--tokens must be at least 8 x --connections ($((8 * CONNECTIONS)))"
[ -z "$DB_URL" ] || [ "$POSTGRES" = no ] || die "--db-url and --postgres exclude each other"
# Each node gets its own wrk (wrk takes one URL), with its share of the threads and connections, and its
# own share of the tokens (token i goes to node i % NODES), so that a token's codes stay in order.
if [ "$NODES" -gt 1 ]; then
    [ -n "$DB_URL" ] || [ "$POSTGRES" = yes ] || die "--nodes $NODES needs a shared database: --postgres or --db-url"
    [ $((THREADS % NODES)) -eq 0 ] || die "--threads ($THREADS) must be a multiple of --nodes ($NODES)"
    [ $((CONNECTIONS % NODES)) -eq 0 ] || die "--connections ($CONNECTIONS) must be a multiple of --nodes ($NODES)"
    [ $((TOKENS % NODES)) -eq 0 ] || die "--tokens ($TOKENS) must be a multiple of --nodes ($NODES)"
fi
if [ -z "$ROUNDS" ]; then
    ROUNDS=$(( (DURATION * RATE_HEADROOM + TOKENS - 1) / TOKENS ))
    [ "$ROUNDS" -ge 40 ] || ROUNDS=40
fi
WARM_TOKENS=$(( TOKENS < 500 ? TOKENS : 500 ))
WARM_TOKENS=$(( WARM_TOKENS / NODES * NODES ))
WARM_ROUNDS=$(( (WARMUP * RATE_HEADROOM + WARM_TOKENS - 1) / WARM_TOKENS ))
# --scale: the measurement is repeated once per total, after idle tokens were bulk-loaded up to it.
ENROLLED=$((TOKENS + WARM_TOKENS))
STEPS=()
if [ -n "$SCALE" ]; then
    IFS=, read -r -a STEPS <<<"$SCALE"
    previous=$ENROLLED
    for step in "${STEPS[@]}"; do
        [[ $step =~ ^[0-9]+$ ]] || die "--scale takes whole numbers separated by commas, not '$SCALE'"
        [ "$step" -ge "$previous" ] || die "--scale: each total must be at least $ENROLLED (the measured and" \
            "warm-up tokens: --tokens $TOKENS + $WARM_TOKENS) and at least the one before it, not $step"
        previous=$step
    done
else
    STEPS=("$ENROLLED")
fi
PHASES=${#STEPS[@]}

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

# --- the database and the appliance, on a fresh data dir -------------------------------------------
bench_workdir
cp "$CORE_JAR" "$WORK/otp-core.jar"
APP_ENV=()
if [ "$POSTGRES" = yes ]; then
    bench_start_postgres
    DB_URL=$(bench_create_database otp)
    export OTP_APPLIANCE_DB_USER=postgres OTP_APPLIANCE_DB_PASSWORD=""
    DB_KIND=postgresql
    DB_LABEL="PostgreSQL $PG_VERSION, a throw-away cluster on 127.0.0.1 (synchronous_commit=on, fsync=on, other settings default)"
elif [ -n "$DB_URL" ]; then
    case $DB_URL in jdbc:postgresql:*) DB_KIND=postgresql ;; jdbc:h2:*) DB_KIND=h2 ;; *) DB_KIND=other ;; esac
    DB_LABEL="${DB_URL%%[;?]*}"   # without its parameters, which may hold a password
else
    DB_KIND=h2
    DB_LABEL="H2 file in a fresh data dir (default)"
fi
[ -z "$DB_URL" ] || APP_ENV+=(OTP_APPLIANCE_DB_URL="$DB_URL")
if [ "$NODES" -gt 1 ]; then
    # Every node needs the database's master key: the first node fixes it on the empty database.
    if [ -z "${OTP_APPLIANCE_MASTER_KEY:-}" ]; then
        OTP_APPLIANCE_MASTER_KEY=$(head -c 32 /dev/urandom | base64 -w 0)
        export OTP_APPLIANCE_MASTER_KEY
    fi
    APP_ENV+=(OTP_APPLIANCE_NODE_NAME=bench-node1)
fi
bench_start_appliance "$PORT" "${APP_ENV[@]}"
BASES=("$BASE")
log "started the appliance on $BASE (data dir $WORK/data, database: $DB_LABEL)"

# Meanwhile: compile the helper and write the request files (they need no server).
javac -d "$WORK/classes" -cp "$WORK/otp-core.jar" "$BENCH_DIR/GenerateCodes.java"
helper() { java -cp "$WORK/classes:$WORK/otp-core.jar" GenerateCodes "$@"; }
RUN=$(date +%s)   # in the user names, so that a reused database (--db-url) gets new users
BENCH_PREFIX=bench$RUN-u
WARM_PREFIX=warm$RUN-u
log "generating codes: measured $TOKENS tokens x $ROUNDS rounds, warm-up $WARM_TOKENS tokens x $WARM_ROUNDS rounds$(
    [ "$PHASES" -eq 1 ] || echo ", for each of $PHASES measurements")"
helper codes bench "$BENCH_PREFIX" "$TOKENS" $((PHASES * ROUNDS)) "$SEED" "$WORK/bench-codes.txt"
helper codes warm "$WARM_PREFIX" "$WARM_TOKENS" $((PHASES * WARM_ROUNDS)) "$SEED" "$WORK/warm-codes.txt"
# split_codes FILE COUNT SET: line l of FILE is token (l % COUNT)'s code of round l / COUNT; the lines of
# node k (tokens i with i % NODES = k - 1) go, in order, to $WORK/SET-nK.txt, in which each round therefore
# has COUNT / NODES lines. Each measurement continues the file where the one before stopped (validate.lua's
# positions), so the codes stay fresh and in counter order across the measurements of --scale.
split_codes() {
    awk -v count="$2" -v nodes="$NODES" -v out="$WORK/$3" '{ print > (out "-n" ((NR - 1) % count % nodes + 1) ".txt") }' "$1"
    rm "$1"
}
split_codes "$WORK/bench-codes.txt" "$TOKENS" bench
split_codes "$WORK/warm-codes.txt" "$WARM_TOKENS" warm

bench_wait_healthy

if [ -s "$WORK/data/admin.key" ]; then
    ADMIN_KEY=$(tr -d '[:space:]' <"$WORK/data/admin.key")
elif [ -n "${BENCH_ADMIN_KEY:-}" ]; then
    ADMIN_KEY=$BENCH_ADMIN_KEY
else
    die "no $WORK/data/admin.key (the database already had an admin?): set BENCH_ADMIN_KEY"
fi

# The other nodes start once the first has set up the database (schema, master key check, admin).
node_healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1/health" || true)" = 200 ]; }
NODE_PIDS=("$APP_PID")
node_port=$PORT
for k in $(seq 2 "$NODES"); do
    node_port=$(bench_port $((node_port + 1)))
    bench_start_node "$k" "$node_port" "${APP_ENV[@]/%=bench-node1/=bench-node$k}"
    NODE_PIDS+=("$NODE_PID")
    BASES+=("http://127.0.0.1:$node_port")
    log "started node $k on http://127.0.0.1:$node_port (data dir $WORK/data$k, same database and master key)"
done

CLIENT_JSON=$(curl -sS --fail-with-body -X POST "$BASE/api/v1/clients" -H "Authorization: Bearer $ADMIN_KEY" \
    -H 'Content-Type: application/json' -d "{\"name\":\"bench-$RUN\",\"role\":\"validate\"}") \
    || die "creating the validate client failed: $CLIENT_JSON"
VALIDATE_KEY=$(printf '%s' "$CLIENT_JSON" | sed -n 's/.*"apiKey" *: *"\([^"]*\)".*/\1/p')
[ -n "$VALIDATE_KEY" ] || die "no apiKey in the answer: $CLIENT_JSON"

log "enrolling $TOKENS + $WARM_TOKENS users with one HOTP token each (through $BASE)"
helper enroll "$BASE" "$ADMIN_KEY" bench "$BENCH_PREFIX" "$TOKENS" "$SEED" 8
helper enroll "$BASE" "$ADMIN_KEY" warm "$WARM_PREFIX" "$WARM_TOKENS" "$SEED" 8
IN_DB=$ENROLLED   # tokens in the database (a fresh one: --db-url with tokens of its own has more)

for k in $(seq 2 "$NODES"); do
    started=$SECONDS
    bench_wait_ready "${NODE_PIDS[k-1]}" "node $k" 240 "did not answer 200 on /health" node_healthy "${BASES[k-1]}"
    log "node $k healthy after ~$((SECONDS - started)) s more"
done

# --- load ------------------------------------------------------------------------------------------
# run_wrk NAME SECONDS WHAT: WHAT is ping, or the codes set (bench, warm) for validations. One wrk per
# node, all at once, each with its share of the threads and connections (wrk takes one URL); full output
# to $WORK/NAME-nK.out; one BENCH line per node to stdout, with node=K added. A validation run starts
# where the last run of the same set stopped ($WORK/SET-nK.pos, validate.lua's positions).
run_wrk() {
    local name=$1 secs=$2 what=$3 k t=$((THREADS / NODES)) c=$((CONNECTIONS / NODES)) count failed=""
    local pids=() args=()
    for k in $(seq 1 "$NODES"); do
        if [ "$what" = ping ]; then
            args=(-s "$BENCH_DIR/ping.lua" "${BASES[k-1]}/api/v1/ping")
        else
            count=$(( ($([ "$what" = bench ] && echo "$TOKENS" || echo "$WARM_TOKENS")) / NODES ))
            args=(-s "$BENCH_DIR/validate.lua" "${BASES[k-1]}/api/v1/validate" -- "$WORK/$what-n$k.txt" "$count"
                "$VALIDATE_KEY" "$t" "$(cat "$WORK/$what-n$k.pos" 2>/dev/null || true)")
        fi
        wrk -t"$t" -c"$c" -d"${secs}s" --timeout 10s --latency "${args[@]}" >"$WORK/$name-n$k.out" 2>&1 &
        pids+=($!)
        BENCH_PIDS+=($!)
    done
    for k in $(seq 1 "$NODES"); do
        wait "${pids[k-1]}" || failed="$failed $k"
    done
    [ -z "$failed" ] || { cat "$WORK/$name"-n*.out >&2; die "wrk failed ($name, node$failed)"; }
    for k in $(seq 1 "$NODES"); do
        grep '^BENCH ' "$WORK/$name-n$k.out" | sed "s/^BENCH /BENCH node=$k /" \
            || { cat "$WORK/$name-n$k.out" >&2; die "no BENCH line from wrk ($name, node $k)"; }
        [ "$what" = ping ] || sed -n 's/^BENCH .* positions=\([0-9,]*\).*/\1/p' "$WORK/$name-n$k.out" >"$WORK/$what-n$k.pos"
    done
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
# combine BENCH_LINES: the nodes' figures as one line: counts and rates added up, latencies the worst node's.
combine() {
    awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); k = kv[1]; v = kv[2] + 0
               if (k ~ /^(requests|rps|non2xx|socket_errors|wrapped|lines)$/) sum[k] += v
               else if (k ~ /_(ms|s)$/ && (!(k in mx) || v > mx[k])) mx[k] = v } }
         END { printf "BENCH"; for (k in sum) printf " %s=%s", k, sum[k]; for (k in mx) printf " %s=%s", k, mx[k]; print "" }' <<<"$1"
}
# validated RESULT: the appliance's own count of REST validations that answered RESULT (/metrics), all nodes.
validated() {
    local base n=0 c
    for base in "${BASES[@]}"; do
        c=$(curl -sS --fail --max-time 10 "$base/metrics" | awk -v r="result=\"$1\"" '
            /^validations_total\{/ && index($0, "entry_point=\"REST\"") && index($0, r) { n += $NF }
            END { printf "%d", n }') || die "reading $base/metrics failed"
        n=$((n + c))
    done
    echo "$n"
}
IDLE_SERIAL=0
# bulk_load N: N idle HOTP tokens without an owner (random seeds, never used), through the bulk import
# endpoint as OATH CSV files of IMPORT_CHUNK lines, one request (one transaction) each, on the first node.
bulk_load() {
    local n=$1 chunk answer code imported started=$EPOCHREALTIME
    rm -f "$WORK"/idle-*.csv
    awk -v n="$n" -v first="$IDLE_SERIAL" -v c="$IMPORT_CHUNK" -v dir="$WORK" -v run="$RUN" 'BEGIN {
        srand()
        for (i = 0; i < n; i++) {
            seed = ""; for (k = 0; k < 5; k++) seed = seed sprintf("%08x", int(rand() * 4294967296))
            printf "idle%s-%08d,%s,hotp,6,0\n", run, first + i, seed > sprintf("%s/idle-%06d.csv", dir, int(i / c))
        } }'
    IDLE_SERIAL=$((IDLE_SERIAL + n))
    for chunk in "$WORK"/idle-*.csv; do
        code=$(curl -sS --max-time 1800 -o "$WORK/import-answer.json" -w '%{http_code}' \
            "$BASE/api/v1/tokens/import?format=oath-csv" -H "Authorization: Bearer $ADMIN_KEY" \
            -H 'Content-Type: text/csv' --data-binary "@$chunk") || die "the bulk import request failed"
        imported=$(sed -n 's/.*"imported" *: *\([0-9]*\).*/\1/p' "$WORK/import-answer.json")
        [ "$code" = 200 ] && [ "$imported" = "$(wc -l <"$chunk")" ] \
            || die "bulk import of $chunk: HTTP $code, imported ${imported:-?} of $(wc -l <"$chunk"): $(head -c 600 "$WORK/import-answer.json")"
        rm "$chunk"
    done
    IN_DB=$((IN_DB + n))
    BULK_SECONDS=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    BULK_RATE=$(awk -v n="$n" -v s="$BULK_SECONDS" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "n/a" }'; }
row() {
    printf '%-24s %10.1f %9.2f %9.2f %9.2f %9.2f\n' "$1" "$(field "$2" rps)" "$(field "$2" p50_ms)" \
        "$(field "$2" p90_ms)" "$(field "$2" p99_ms)" "$(field "$2" max_ms)"
}
# rows LABEL LINES: the combined row, then (several nodes) one row per node.
rows() {
    local line
    if [ "$NODES" -eq 1 ]; then
        row "$1" "$2"
    else
        row "$1" "$(combine "$2")"
        while read -r line; do row "  node $(field "$line" node)" "$line"; done <<<"$2"
    fi
}

PHASE_REPORTS=""
SUMMARY_LINES=""
for p in $(seq 0 $((PHASES - 1))); do
    step=${STEPS[p]}
    BULK_N=0; BULK_SECONDS=""; BULK_RATE=""; VACUUM_SECONDS=""
    if [ -n "$SCALE" ] && [ "$step" -gt "$IN_DB" ]; then
        BULK_N=$((step - IN_DB))
        log "bulk-loading $BULK_N idle tokens (to $step in the database) through POST /api/v1/tokens/import, $IMPORT_CHUNK a request"
        bulk_load "$BULK_N"
        log "  $BULK_N tokens in $BULK_SECONDS s ($BULK_RATE keys/s)"
        if [ "$POSTGRES" = yes ]; then
            # As autovacuum would soon: fresh planner statistics, and no autovacuum run in the measured window.
            started=$EPOCHREALTIME
            bench_psql otp 'VACUUM ANALYZE'
            VACUUM_SECONDS=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
        fi
    fi
    if [ "$p" -eq 0 ]; then
        log "warm-up: ${WARMUP} s of ping, ${WARMUP} s of validation (separate tokens)"
        run_wrk warm-ping "$WARMUP" ping >/dev/null
    else
        log "warm-up: ${WARMUP} s of validation (separate tokens)"
    fi
    run_wrk "warm-validate-p$p" "$WARMUP" warm >/dev/null

    PHASE_LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
    log "baseline: GET /api/v1/ping for ${DURATION} s"
    PING=$(run_wrk "ping-p$p" "$DURATION" ping)
    log "measured: POST /api/v1/validate for ${DURATION} s$([ -z "$SCALE" ] || echo ", $IN_DB tokens in the database")"
    ACCEPT_BEFORE=$(validated ACCEPT); REJECT_BEFORE=$(validated REJECT)
    VAL=$(run_wrk "validate-p$p" "$DURATION" bench)
    LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
    sleep 1   # requests in flight when wrk stopped are answered and counted
    ACCEPT=$(( $(validated ACCEPT) - ACCEPT_BEFORE )); REJECT=$(( $(validated REJECT) - REJECT_BEFORE ))

    PING_ALL=$(combine "$PING"); VAL_ALL=$(combine "$VAL")
    V_REQ=$(field "$VAL_ALL" requests); WRAPPED=$(field "$VAL_ALL" wrapped)
    # wrk counts the answers it received; the appliance may have decided up to -c more that were in
    # flight when wrk stopped, so the accept rate is the ACCEPT share of the decisions times wrk's rate.
    DECIDED=$((ACCEPT + REJECT))
    ACCEPT_RPS=$(awk -v a="$ACCEPT" -v d="$DECIDED" -v r="$(field "$VAL_ALL" rps)" 'BEGIN { printf "%.1f", (d > 0 ? r * a / d : 0) }')
    RATIO=$(pct "$(field "$VAL_ALL" rps)" "$(field "$PING_ALL" rps)")
    PHASE_REPORTS+=$(
        echo
        if [ -n "$SCALE" ]; then
            echo "with $IN_DB tokens in the database ($TOKENS measured, $WARM_TOKENS warm-up, $((IN_DB - ENROLLED)) idle)$(
                [ "$BULK_N" -eq 0 ] || echo "; $BULK_N idle tokens bulk-loaded before it in $BULK_SECONDS s: $BULK_RATE keys/s")$(
                [ -z "$VACUUM_SECONDS" ] || echo ", then VACUUM ANALYZE ($VACUUM_SECONDS s)"):"
        fi
        printf '%-24s %10s %9s %9s %9s %9s\n' "" "req/s" "p50 ms" "p90 ms" "p99 ms" "max ms"
        rows "baseline GET /ping" "$PING"
        rows "POST /validate" "$VAL"
        [ "$NODES" -eq 1 ] || echo "(the first row of each: the nodes' req/s added up and, for each latency, the higher of the nodes' figures)"
        echo
        echo "validation / baseline: $RATIO % of the requests per second"
        echo "validate decisions (the appliance's count): ACCEPT $ACCEPT ($(pct "$ACCEPT" "$DECIDED") %), REJECT $REJECT;" \
            "wrk received $V_REQ answers; accepted validations/s: $ACCEPT_RPS"
        echo "errors: validate non-2xx $(field "$VAL_ALL" non2xx), socket $(field "$VAL_ALL" socket_errors);" \
            "ping non-2xx $(field "$PING_ALL" non2xx), socket $(field "$PING_ALL" socket_errors)"
        if [ "$WRAPPED" -gt 0 ]; then
            echo "WARNING: the $(field "$VAL_ALL" lines) generated codes ran out: $WRAPPED requests were replays" \
                "(rejected); use more --rounds"
        fi
        if [ $((ACCEPT * 100)) -lt $((V_REQ * 99)) ]; then
            echo "WARNING: fewer than 99 % of the requests were accepted: this run did not measure the accept path"
        fi
        echo "load average (1 min) before the baseline: $PHASE_LOAD_BEFORE; after the validation run: ${LOAD_AFTER%% *}"
    )$'\n'
    SUMMARY_LINES+="rest db=$DB_KIND nodes=$NODES tokens_in_db=$([ -n "$SCALE" ] || [ -z "$DB_URL" ] || [ "$POSTGRES" = yes ] && echo "$IN_DB" || echo unknown)"
    SUMMARY_LINES+=" measured_tokens=$TOKENS duration_s=$DURATION warmup_s=$WARMUP threads=$THREADS connections=$CONNECTIONS nproc=$(nproc)"
    SUMMARY_LINES+=" ping_rps=$(field "$PING_ALL" rps) ping_p50_ms=$(field "$PING_ALL" p50_ms) ping_p99_ms=$(field "$PING_ALL" p99_ms)"
    SUMMARY_LINES+=" val_rps=$(field "$VAL_ALL" rps) val_p50_ms=$(field "$VAL_ALL" p50_ms) val_p90_ms=$(field "$VAL_ALL" p90_ms)"
    SUMMARY_LINES+=" val_p99_ms=$(field "$VAL_ALL" p99_ms) val_max_ms=$(field "$VAL_ALL" max_ms) accept_rps=$ACCEPT_RPS"
    SUMMARY_LINES+=" accept_pct=$(pct "$ACCEPT" "$DECIDED") ratio_pct=$RATIO errors=$(( $(field "$VAL_ALL" non2xx) + $(field "$VAL_ALL" socket_errors) ))"
    SUMMARY_LINES+=" bulk_keys=$BULK_N bulk_s=${BULK_SECONDS:-0} bulk_rate=${BULK_RATE:-0}"
    SUMMARY_LINES+=" load_before=$PHASE_LOAD_BEFORE load_after=${LOAD_AFTER%% *}"$'\n'
done

# --- report ----------------------------------------------------------------------------------------
REPORT=$(
    echo "OTP appliance REST validation benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "commit $(bench_commit); $(nproc) cores (nproc); $(java -version 2>&1 | head -1)"
    echo "load average (1/5/15 min) before the appliance started: $LOAD_BEFORE; after the last validation run: $LOAD_AFTER"
    echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s after ${WARMUP} s warm-up of each; $TOKENS HOTP tokens x $ROUNDS rounds;" \
        "database: $DB_LABEL"
    if [ "$NODES" -gt 1 ]; then
        echo "$NODES appliance nodes on the one database, same master key; each has its own wrk" \
            "(-t$((THREADS / NODES)) -c$((CONNECTIONS / NODES))), all running at once, and its own $((TOKENS / NODES)) of the tokens"
    fi
    printf '%s' "$PHASE_REPORTS"
    if [ -n "$SCALE" ]; then
        echo
        echo "how cost grows (same appliance, same measured tokens, idle tokens added between the measurements):"
        printf '%-20s %12s %9s %9s %9s %12s\n' "tokens in database" "accepted/s" "p50 ms" "p99 ms" "ratio %" "bulk keys/s"
        while read -r line; do
            [ -n "$line" ] || continue
            printf '%-20s %12s %9.2f %9.2f %9s %12s\n' "$(field "$line" tokens_in_db)" "$(field "$line" accept_rps)" \
                "$(field "$line" val_p50_ms)" "$(field "$line" val_p99_ms)" "$(field "$line" ratio_pct)" \
                "$(v=$(field "$line" bulk_rate); [ "$v" != 0 ] && echo "$v" || echo -)"
        done <<<"$SUMMARY_LINES"
    fi
    bench_busy_note "${LOAD_BEFORE%% *}"
)
mkdir -p "$BENCH_DIR/results"
RESULT=$BENCH_DIR/results/rest-validate-$(date '+%Y%m%d-%H%M%S').txt
{
    echo "$REPORT"
    for out in "$WORK"/ping-p*-n*.out "$WORK"/validate-p*-n*.out; do
        echo
        echo "--- wrk, $(basename "$out" .out):"; cat "$out"
    done
} >"$RESULT"
if [ -n "${BENCH_SUMMARY:-}" ]; then
    printf '%s' "$SUMMARY_LINES" | sed "s|\$| result=${RESULT#"$ROOT"/}|" >>"$BENCH_SUMMARY"
fi
echo
echo "$REPORT"
echo
echo "(written to ${RESULT#"$ROOT"/})"
