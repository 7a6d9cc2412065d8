# Sourced by .ci/run (and usable by hand): starts a throw-away PostgreSQL cluster on loopback, on a
# free port, and exports the OTP_TEST_PG_* variables the PostgreSQL tests read. stop_postgres ends it.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/otp-pg.XXXXXX)
chown postgres "$pg_dir"
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
  -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_dir -c synchronous_commit=on -c fsync=on" start >/dev/null
export OTP_TEST_PG_URL="jdbc:postgresql://127.0.0.1:$pg_port/postgres"
export OTP_TEST_PG_USER=postgres
export OTP_TEST_PG_PASSWORD=
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') running on 127.0.0.1:$pg_port ($pg_dir)"

stop_postgres() {
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
