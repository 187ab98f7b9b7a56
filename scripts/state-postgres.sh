#!/usr/bin/env bash
# Creates the PostgreSQL role and database that a team's Pulumi state lives in (the engine's postgres://
# backend). Run it once per server as an administrator; running it again changes nothing but the role's
# password. The engine creates its table (pulumi_state) itself on first use, as this role, which must own
# it: the engine runs CREATE TABLE/INDEX IF NOT EXISTS on every start, which needs ownership even when the
# table exists.
#
#   read -rs SOPHIA_STATE_PASSWORD && export SOPHIA_STATE_PASSWORD
#   PGHOST=db.example.com PGUSER=admin bash scripts/state-postgres.sh
#
# The administrator's connection comes from the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD
# or ~/.pgpass, PGSSLMODE); it must be able to create roles and databases (on a managed server that is not
# a superuser, such as RDS's master user, CREATE DATABASE ... OWNER may also need `GRANT pulumi_state TO
# <admin>` first). The state role's password comes from SOPHIA_STATE_PASSWORD, never from the command line
# (it would show in `ps` and the shell's history); it reaches psql on stdin. Optional: SOPHIA_STATE_ROLE
# and SOPHIA_STATE_DATABASE (both default pulumi_state).
#
# Prints the backend URL to use, without the password: give it to the engine in PGPASSWORD or ~/.pgpass
# (README, "Teams: where the state lives").
set -euo pipefail
ROLE=${SOPHIA_STATE_ROLE:-pulumi_state}
DB=${SOPHIA_STATE_DATABASE:-pulumi_state}
log() { printf '[state-postgres] %s\n' "$*" >&2; }

for name in "$ROLE" "$DB"; do
  [[ "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { log "\"$name\" is not a plain lower-case identifier"; exit 2; }
done
[ -n "${SOPHIA_STATE_PASSWORD:-}" ] || { log "set SOPHIA_STATE_PASSWORD to the state role's password"; exit 2; }
PSQL=$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)
[ -n "$PSQL" ] || { log "psql is needed (apt-get install postgresql-client)"; exit 1; }

# A SQL string literal: quotes doubled (standard_conforming_strings is on by default since 9.1).
password_literal="'${SOPHIA_STATE_PASSWORD//\'/\'\'}'"
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL >/dev/null
SELECT 'CREATE ROLE $ROLE LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE') \gexec
ALTER ROLE $ROLE PASSWORD $password_literal;
SELECT 'CREATE DATABASE $DB OWNER $ROLE' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB') \gexec
-- only the state role connects: the state holds every stack's (encrypted) secrets and its history
REVOKE ALL ON DATABASE $DB FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE $DB TO $ROLE;
SQL
# PostgreSQL before 15 lets every role create in the public schema; since 15 only the database's owner
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$DB" <<SQL >/dev/null
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO $ROLE;
SQL

host=${PGHOST:-localhost}
port=${PGPORT:-5432}
log "role $ROLE owns database $DB on $host:$port"
echo "PULUMI_BACKEND_URL=postgres://$ROLE@$host:$port/$DB?sslmode=${PGSSLMODE:-verify-full}"
