#!/usr/bin/env bash
# Runs COMMAND with DATABASE_URL pointing at a throwaway PostgreSQL cluster:
# installs PostgreSQL from Debian packages when it is missing, starts a cluster on
# a free port on 127.0.0.1 as the unprivileged `postgres` user (postgres refuses to
# run as root), and stops and deletes it on exit, whatever happens. Used by
# .ci/postgres-tests.sh and by the benchmark's PostgreSQL runs
# (`bash scripts/with-postgres.sh npm run bench -- --store=embedded,postgres`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-postgres.sh COMMAND [ARG...]" >&2
  exit 2
fi

debian_pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
}

PG_BIN="$(debian_pg_bin)"
if [ -z "$PG_BIN" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)" >&2
    exit 1
  fi
  echo "installing PostgreSQL from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  PG_BIN="$(debian_pg_bin)"
  if [ -z "$PG_BIN" ]; then
    echo "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb was found" >&2
    exit 1
  fi
fi
echo "using $("$PG_BIN/postgres" --version) from $PG_BIN"

WORK="$(mktemp -d /tmp/fls-postgres.XXXXXX)"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$WORK"
  as_db_user() { runuser -u postgres -- "$@"; }
else
  as_db_user() { "$@"; }
fi

stop_cluster() {
  if [ -f "$WORK/data/postmaster.pid" ]; then
    as_db_user "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap stop_cluster EXIT

PASSWORD="$(node -e "process.stdout.write(require('crypto').randomBytes(18).toString('hex'))")"
PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")"
as_db_user sh -c "umask 077 && printf '%s\n' '$PASSWORD' > '$WORK/password'"

as_db_user "$PG_BIN/initdb" -D "$WORK/data" -U fls --pwfile="$WORK/password" \
  --auth=scram-sha-256 -E UTF8 --no-locale >"$WORK/initdb.log" 2>&1 ||
  { cat "$WORK/initdb.log" >&2; exit 1; }
as_db_user "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$WORK -c fsync=off" \
  start >/dev/null ||
  { cat "$WORK/postgres.log" >&2; exit 1; }
echo "throwaway cluster on 127.0.0.1:$PORT"

export DATABASE_URL="postgres://fls:$PASSWORD@127.0.0.1:$PORT/postgres"
"$@"
