#!/usr/bin/env bash
# Starts the real PostgreSQL and Redis servers the `check` tests probe, on private ports with test-only
# credentials, and prints their settings as KEY=VALUE lines. Idempotent: a running server is reused.
# PostgreSQL also holds a pulumi_state database (scripts/state-postgres.sh) for the engine's postgres://
# state backend; SOPHIA_TEST_STATE_URL is its backend URL, test password included.
# Installs the Debian packages (postgresql, redis-server) when they are missing and we are root.
#
#   bash scripts/services.sh          start (or reuse) and print the settings
#   bash scripts/services.sh stop     stop both
set -euo pipefail
DIR=${SOPHIA_SERVICES_DIR:-/tmp/sophia-test-services}
PG_PORT=${SOPHIA_TEST_PG_PORT:-55432}
REDIS_PORT=${SOPHIA_TEST_REDIS_PORT:-56379}
STATE_PASSWORD=sophia-test-state
log() { printf '[services] %s\n' "$*" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

if [ "${1:-}" = "stop" ]; then
  [ -d "$DIR/pg" ] && su postgres -s /bin/sh -c "$(pg_bin)/pg_ctl -D $DIR/pg stop -m fast" >/dev/null 2>&1 || true
  redis-cli -p "$REDIS_PORT" -a sophia-test-redis --no-auth-warning shutdown nosave >/dev/null 2>&1 || true
  exit 0
fi

if [ -z "$(pg_bin)" ] || ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing postgresql and redis-server (Debian packages)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null
  else
    log "PostgreSQL and Redis are needed: apt-get install postgresql redis-server (as root)"
    exit 1
  fi
fi

mkdir -p "$DIR"
chmod 755 "$DIR"
PG="$(pg_bin)"
if ! "$PG/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q; then
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  if [ ! -f "$DIR/pg/PG_VERSION" ]; then
    rm -rf "$DIR/pg" && mkdir -p "$DIR/pg" && chown postgres "$DIR/pg"
    echo sophia-test-admin >"$DIR/pg.pw" && chown postgres "$DIR/pg.pw"
    su postgres -s /bin/sh -c "$PG/initdb -D $DIR/pg -A scram-sha-256 --pwfile=$DIR/pg.pw -U postgres" >/dev/null && rm -f "$DIR/pg.pw"
  fi
  su postgres -s /bin/sh -c "$PG/pg_ctl -D $DIR/pg -l $DIR/pg/server.log -o '-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1' -w start" >/dev/null
  PGPASSWORD=sophia-test-admin "$PG/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sophia_writer') THEN CREATE ROLE sophia_writer LOGIN PASSWORD 'sophia-test-writer'; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sophia_reader') THEN CREATE ROLE sophia_reader LOGIN PASSWORD 'sophia-test-reader'; END IF;
END $$;
SELECT 'CREATE DATABASE sophia_test OWNER sophia_writer' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'sophia_test') \gexec
SQL
  PGPASSWORD=sophia-test-admin "$PG/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d sophia_test -q -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
CREATE SCHEMA IF NOT EXISTS gong AUTHORIZATION sophia_writer;
REVOKE CREATE ON SCHEMA gong FROM sophia_reader;
GRANT USAGE ON SCHEMA gong TO sophia_reader;
REVOKE CREATE ON DATABASE sophia_test FROM PUBLIC;
SQL
fi
# Created once, also on a server an older copy of this script started; under a lock, since test files
# that start together all run this script.
if [ -z "$(PGPASSWORD=sophia-test-admin "$PG/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -tAq \
  -c "SELECT 1 FROM pg_database WHERE datname = 'pulumi_state'")" ]; then
  (
    flock 8
    PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres PGPASSWORD=sophia-test-admin PGSSLMODE=disable \
      SOPHIA_STATE_PASSWORD=$STATE_PASSWORD bash "$(dirname "${BASH_SOURCE[0]}")/state-postgres.sh" >/dev/null
  ) 8>"$DIR/state-postgres.lock"
fi

if ! redis-cli -p "$REDIS_PORT" -a sophia-test-redis --no-auth-warning ping >/dev/null 2>&1; then
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no \
    --dir "$DIR" --logfile "$DIR/redis.log" --pidfile "$DIR/redis.pid" \
    --user default on '>sophia-test-redis' '~*' '&*' '+@all' \
    --user sophia_reader on '>sophia-test-reader' '~*' '+@read' '+ping' '+auth' '+hello' '+client' '+info' >/dev/null
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" -a sophia-test-redis --no-auth-warning ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

cat <<ENV
SOPHIA_TEST_PG_HOST=127.0.0.1
SOPHIA_TEST_PG_PORT=$PG_PORT
SOPHIA_TEST_PG_DATABASE=sophia_test
SOPHIA_TEST_STATE_URL=postgres://pulumi_state:$STATE_PASSWORD@127.0.0.1:$PG_PORT/pulumi_state?sslmode=disable
SOPHIA_TEST_REDIS_HOST=127.0.0.1
SOPHIA_TEST_REDIS_PORT=$REDIS_PORT
ENV
