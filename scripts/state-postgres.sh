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
# (it would show in `ps` and the shell's history), and only its SCRAM verifier reaches the server. Optional: SOPHIA_STATE_ROLE
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

# The server is sent the password's SCRAM-SHA-256 verifier, made here, never the password: an ALTER ROLE
# with the password in clear would be written to the server's log by log_statement=ddl, kept by
# pg_stat_statements and managed servers' audit logs (psql's \password does the same, interactively).
# Its format is PostgreSQL's (src/common/scram-common.c): 4096 iterations of PBKDF2-HMAC-SHA-256 over a
# random 16-byte salt; the password is normalized with NFKC, SASLprep's main step, as the server does.
verifier=$(node -e '
  const c = require("node:crypto");
  const password = Buffer.from(process.env.SOPHIA_STATE_PASSWORD.normalize("NFKC"), "utf8");
  const salt = c.randomBytes(16), iterations = 4096;
  const salted = c.pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const hmac = (key, text) => c.createHmac("sha256", key).update(text).digest();
  const stored = c.createHash("sha256").update(hmac(salted, "Client Key")).digest();
  const server = hmac(salted, "Server Key");
  const b64 = (b) => b.toString("base64");
  process.stdout.write(`SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(stored)}:${b64(server)}`);
')
[[ "$verifier" =~ ^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$ ]] ||
  { log "could not compute the password's SCRAM verifier (node is needed)"; exit 1; }
password_literal="'$verifier'"
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
