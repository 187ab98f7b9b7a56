// `sophia check` for PostgreSQL: the login (authenticated), the database (permitted), and whether the user
// may create the pipelines' tables in the schema (or the schema itself, when it does not exist yet).
import { Client as PgClient } from "pg";
import { errorCode, errorMessage, networkFailure, ProbeFailure } from "../../cli/probeKit";
import { type Probe, requirement } from "../spec";
import { POSTGRES } from "./keys";

const {
  postgresHost,
  postgresPort,
  postgresDatabase,
  postgresSchema,
  postgresUser,
  postgresPassword,
  postgresSslMode,
} = POSTGRES;

/** Connects, turning a refused login or a missing database into its stage. */
async function connect(get: (key: string) => string, signal: AbortSignal): Promise<PgClient> {
  const mode = get(postgresSslMode.name);
  const client = new PgClient({
    host: get(postgresHost.name),
    port: Number(get(postgresPort.name)),
    database: get(postgresDatabase.name),
    user: get(postgresUser.name),
    password: get(postgresPassword.name),
    ssl: mode === "disable" ? false : { rejectUnauthorized: mode.startsWith("verify") },
    connectionTimeoutMillis: 5000,
  });
  signal.addEventListener("abort", () => client.end().catch(() => undefined));
  try {
    await client.connect();
    return client;
  } catch (err) {
    const code = errorCode(err);
    if (code === "28P01" || code === "28000") {
      throw new ProbeFailure(
        "authenticated",
        `PostgreSQL refused the login: ${errorMessage(err)}`,
        `check ${postgresUser.name} and ${postgresPassword.name}`,
      );
    }
    if (code === "3D000") {
      throw new ProbeFailure(
        "permitted",
        `PostgreSQL: ${errorMessage(err)}`,
        `check ${postgresDatabase.name}, or create the database`,
      );
    }
    throw networkFailure(err, "PostgreSQL", `${postgresHost.name} and ${postgresPort.name}`);
  }
}

export const PROBE: Probe = {
  requires: [
    requirement(postgresHost),
    requirement(postgresPort),
    requirement(postgresDatabase),
    requirement(postgresSchema),
    requirement(postgresUser),
    requirement(postgresPassword),
    requirement(postgresSslMode),
  ],
  run: async (get, signal) => {
    const client = await connect(get, signal);
    try {
      const schema = get(postgresSchema.name);
      const r = await client.query<{ exists: boolean; can_write: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists,
                CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)
                     THEN has_schema_privilege(current_user, $1, 'CREATE')
                     ELSE has_database_privilege(current_user, current_database(), 'CREATE') END AS can_write`,
        [schema],
      );
      const { exists, can_write } = r.rows[0];
      if (!can_write) {
        const user = get(postgresUser.name);
        const database = get(postgresDatabase.name);
        throw new ProbeFailure(
          "permitted",
          `${user} may not create tables in ${exists ? `schema ${schema}` : `database ${database}`}`,
          `GRANT CREATE ON ${exists ? `SCHEMA ${schema}` : `DATABASE ${database}`} TO ${user}`,
        );
      }
      return exists ? `can write to schema ${schema}` : `can create schema ${schema}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};
