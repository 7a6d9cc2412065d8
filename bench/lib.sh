# Sourced by the benchmark scripts (bench/rest-validate.sh, bench/import.sh, bench/radius.sh, bench/pam-latency.sh):
# what each of them does around its measurement. The caller sets ROOT (the source tree) and NAME (its name, for
# messages and file names) first.
#
#   bench_port START [P]       the port: P when given and free, else the first free one from START on
#   bench_build JAR...         builds the jars (mvn -B -q -DskipTests install) when one of them is missing
#   bench_workdir              makes $WORK, a fresh temporary directory; on exit stops the PIDs in BENCH_PIDS and
#                              $APP_PID (bench_stop), shows the last lines of the appliance log and of the logs
#                              $WORK/NAME.log named in BENCH_LOGS after a failure, removes $WORK
#   bench_stop PID             stops a process: SIGTERM, up to 20 s, then SIGKILL
#   bench_start_appliance PORT [VAR=VALUE...]
#                              starts a private copy of the appliance jar (copied to $WORK/otp-appliance.jar unless the
#                              caller put one there) with --nohazelcast on $WORK/data (H2 unless OTP_APPLIANCE_DB_URL
#                              is among the VAR=VALUE), the RADIUS server off unless a VAR=VALUE sets
#                              OTP_APPLIANCE_RADIUS_PORT, BENCH_JAVA_OPTS; sets APP_PID and BASE; the log goes to
#                              $WORK/appliance.log
#   bench_start_node N PORT [VAR=VALUE...]
#                              another node (N = 2, 3, ...) as bench_start_appliance does, on $WORK/dataN, its log in
#                              $WORK/applianceN.log (shown after a failure); sets NODE_PID, stopped by the clean-up
#   bench_wait_ready PID WHAT SECONDS FAILURE COMMAND...
#                              runs COMMAND every 0.2 s until it succeeds; dies with "WHAT exited during start-up" when
#                              PID is gone, with "WHAT FAILURE within SECONDS s" when SECONDS have passed
#   bench_wait_healthy         waits up to 240 s for GET $BASE/health to answer 200
#   bench_start_postgres       starts a throw-away PostgreSQL cluster (Debian's newest installed; as root, installs the
#                              package postgresql when none is) in its own temporary directory, listening on 127.0.0.1
#                              only, on the first free port from 18950 on, with synchronous_commit=on and fsync=on, trust
#                              authentication for its superuser postgres; sets PG_PORT, PG_DIR, PG_BIN and
#                              PG_VERSION; the clean-up stops it and removes its directory
#   bench_create_database NAME creates database NAME in it and prints its JDBC URL
#   bench_psql DATABASE SQL    runs SQL in it (psql as postgres)
#   bench_commit               the commit, "(with uncommitted changes)" when the tree has some
#   bench_busy_note LOAD       a NOTE line when LOAD (a 1-minute load average) is above half the cores

die() { echo "$NAME: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

bench_port() {
    local port=$1
    if [ -n "${2:-}" ]; then
        ! port_in_use "$2" || die "port $2 is already in use; pick another with --port"
        echo "$2"
        return
    fi
    while port_in_use "$port"; do port=$((port + 1)); done
    echo "$port"
}

bench_build() {
    local jar
    for jar in "$@"; do
        if [ ! -f "$jar" ]; then
            command -v mvn >/dev/null || die "the jars are not built and mvn is not installed"
            log "building the jars (mvn -B -q -DskipTests install)"
            (cd "$ROOT" && mvn -B -q -DskipTests install)
            return
        fi
    done
}

APP_PID=""
BENCH_PIDS=()
BENCH_LOGS=()
bench_stop() { # PID: SIGTERM, up to 20 s, then SIGKILL
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
bench_cleanup() {
    local rc=$? pid name
    for pid in "${BENCH_PIDS[@]}"; do bench_stop "$pid"; done
    bench_stop "$APP_PID"
    bench_stop_postgres
    if [ "$rc" -ne 0 ]; then
        for name in appliance "${BENCH_LOGS[@]}"; do
            [ -f "$WORK/$name.log" ] || continue
            echo "--- last lines of the $name log:" >&2
            tail -n 30 "$WORK/$name.log" >&2 || true
        done
    fi
    rm -rf "$WORK"
}
bench_workdir() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/otp-$NAME.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# launch_appliance DATA LOG PAYARA_ROOT TMP PORT [VAR=VALUE...]: starts the private copy; LAUNCHED_PID is its PID.
launch_appliance() {
    local data=$1 logfile=$2 payara_root=$3 tmp=$4 port=$5; shift 5
    # A private copy: a concurrent rebuild of the jar cannot pull it from under the running server.
    [ -f "$WORK/otp-appliance.jar" ] || cp "$ROOT/appliance-war/target/otp-appliance.jar" "$WORK/otp-appliance.jar"
    mkdir -p "$data" "$tmp"
    # shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of options
    env OTP_APPLIANCE_DATA_DIR="$data" OTP_APPLIANCE_RADIUS_PORT=0 "$@" \
        java ${BENCH_JAVA_OPTS:-} -Djava.io.tmpdir="$tmp" -jar "$WORK/otp-appliance.jar" \
        --port "$port" --nohazelcast --rootDir "$payara_root" >"$logfile" 2>&1 &
    LAUNCHED_PID=$!
}
bench_start_appliance() {
    local port=$1; shift
    BASE=http://127.0.0.1:$port
    launch_appliance "$WORK/data" "$WORK/appliance.log" "$WORK/payara-root" "$WORK/tmp" "$port" "$@"
    APP_PID=$LAUNCHED_PID
}
bench_start_node() {
    local node=$1 port=$2; shift 2
    launch_appliance "$WORK/data$node" "$WORK/appliance$node.log" "$WORK/payara-root$node" "$WORK/tmp$node" "$port" "$@"
    NODE_PID=$LAUNCHED_PID
    BENCH_PIDS+=("$NODE_PID")
    BENCH_LOGS+=("appliance$node")
}

bench_wait_ready() {
    local pid=$1 what=$2 secs=$3 failure=$4 started=$SECONDS; shift 4
    until "$@"; do
        kill -0 "$pid" 2>/dev/null || die "$what exited during start-up"
        [ $((SECONDS - started)) -lt "$secs" ] || die "$what $failure within $secs s"
        sleep 0.2
    done
}

bench_healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/health" || true)" = 200 ]; }
bench_wait_healthy() {
    local started=$SECONDS
    bench_wait_ready "$APP_PID" "the appliance" 240 "did not answer 200 on /health" bench_healthy
    log "appliance healthy after ~$((SECONDS - started)) s more"
}

PG_DIR=""
PG_BIN=""
# as_postgres COMMAND...: runs COMMAND as the user postgres when we are root (initdb refuses root), else as ourselves.
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
bench_start_postgres() {
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$PG_BIN" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            log "PostgreSQL is missing: installing the Debian package (apt-get update && apt-get install -y postgresql)"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        fi
        PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
        [ -n "$PG_BIN" ] || die "PostgreSQL is missing: install it (Debian/Ubuntu: sudo apt-get install postgresql)"
    fi
    PG_PORT=$(bench_port 18950)
    # Its own directory, not under $WORK (mode 0700, root's): the server runs as postgres.
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/otp-$NAME-pg.XXXXXX")
    [ "$(id -u)" != 0 ] || chown postgres "$PG_DIR"
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c synchronous_commit=on -c fsync=on" start >/dev/null \
        || { tail -n 20 "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
    PG_VERSION=$("$PG_BIN/postgres" --version | awk '{ print $3 }')
    log "PostgreSQL $PG_VERSION running on 127.0.0.1:$PG_PORT ($PG_DIR)"
}
bench_create_database() {
    as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1" || die "createdb $1 failed"
    echo "jdbc:postgresql://127.0.0.1:$PG_PORT/$1"
}
# bench_psql DATABASE SQL: runs SQL in the throw-away cluster.
bench_psql() {
    as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -qAt -v ON_ERROR_STOP=1 -c "$2"
}
bench_stop_postgres() {
    [ -n "$PG_DIR" ] || return 0
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
}

bench_commit() {
    local commit
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [ -z "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -1)" ] || commit="$commit (with uncommitted changes)"
    echo "$commit"
}

bench_busy_note() {
    if awk -v l="$1" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
        echo "NOTE: the machine was busy before the appliance started (load $1 on $(nproc) cores): figures are noisy"
    fi
}
