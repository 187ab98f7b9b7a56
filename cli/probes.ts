// The integrations `sophia check` knows. Each entry says when it applies, which config it needs, and how
// to probe the live service: reachable (network), authenticated (credentials), permitted (rights). A new
// integration adds an entry here; the command needs no change.
import { Redis } from "ioredis";
import { Client as PgClient } from "pg";

export type Stage = "config" | "reachable" | "authenticated" | "permitted";

export class ProbeFailure extends Error {
  constructor(
    readonly stage: Stage,
    message: string,
    readonly recommendation: string,
  ) {
    super(message);
  }
}

/** Config values of the stack: key → value (secrets decrypted, never printed). */
export type Values = Map<string, { value: string; secret: boolean }>;

export interface Requirement {
  key: string;
  secret?: boolean;
  /** Default declared in Pulumi.yaml, when the stack may leave it unset. */
  default?: string;
}

export interface Integration {
  name: string;
  enabled(v: Values): boolean;
  requires: Requirement[];
  /** Live probe; absent where no probe can run from here (reported as such, never as passed). */
  probe?(get: (key: string) => string, signal: AbortSignal): Promise<string>;
}

const flag = (v: Values, key: string, def: boolean) => (v.get(key)?.value ?? String(def)) === "true";

function networkFailure(err: any, what: string, keys: string): ProbeFailure {
  const code = err?.code ?? err?.cause?.code ?? "";
  return new ProbeFailure(
    "reachable",
    `${what} is unreachable: ${code || err?.message || err}`,
    `check ${keys}, that the service is running, and that this network may reach it (firewall, VPN, allow-list)`,
  );
}

async function http(
  url: string,
  init: RequestInit,
  signal: AbortSignal,
  what: string,
  keys: string,
): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal });
  } catch (err) {
    throw networkFailure(err, what, keys);
  }
}

/**
 * Turns an HTTP answer into a probe stage: 401 → authenticated, 403/404 → permitted, any other
 * non-2xx → reachable (the service answered but not usefully).
 */
function expectOk(
  res: Response,
  service: string,
  advice: { authenticated: [string, string]; permitted: [string, string] },
): void {
  if (res.ok) return;
  if (res.status === 401)
    throw new ProbeFailure("authenticated", `${advice.authenticated[0]} (401)`, advice.authenticated[1]);
  if (res.status === 403 || res.status === 404) {
    throw new ProbeFailure("permitted", `${advice.permitted[0]} (${res.status})`, advice.permitted[1]);
  }
  throw new ProbeFailure(
    "reachable",
    `${service} answered ${res.status}`,
    `retry later; see ${service}'s status page`,
  );
}

export const INTEGRATIONS: Integration[] = [
  {
    name: "airbyte",
    enabled: (v) => flag(v, "airbyteEnabled", true),
    requires: [
      { key: "airbyteApiUrl", default: "https://api.airbyte.com/v1" },
      { key: "airbyteClientId" },
      { key: "airbyteClientSecret", secret: true },
      { key: "airbyteWorkspaceId" },
    ],
    async probe(get, signal) {
      const base = get("airbyteApiUrl").replace(/\/+$/, "");
      const tokenRes = await http(
        `${base}/applications/token`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            client_id: get("airbyteClientId"),
            client_secret: get("airbyteClientSecret"),
            grant_type: "client_credentials",
          }),
        },
        signal,
        "the Airbyte API",
        "airbyteApiUrl",
      );
      if (!tokenRes.ok) {
        throw new ProbeFailure(
          "authenticated",
          `Airbyte refused the client credentials (${tokenRes.status})`,
          "check airbyteClientId and airbyteClientSecret (the application may have been deleted or its secret rotated)",
        );
      }
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      const ws = await http(
        `${base}/workspaces/${encodeURIComponent(get("airbyteWorkspaceId"))}`,
        { headers: { authorization: `Bearer ${access_token}` } },
        signal,
        "the Airbyte API",
        "airbyteApiUrl",
      );
      expectOk(ws, "Airbyte", {
        authenticated: ["Airbyte refused the access token", "check airbyteClientId and airbyteClientSecret"],
        permitted: [
          `the application cannot see workspace ${get("airbyteWorkspaceId")}`,
          "check airbyteWorkspaceId, and grant the application access to that workspace",
        ],
      });
      return "token issued; workspace visible";
    },
  },
  {
    name: "postgres",
    enabled: (v) => flag(v, "airbyteEnabled", true),
    requires: [
      { key: "postgresHost" },
      { key: "postgresPort", default: "5432" },
      { key: "postgresDatabase", default: "sophia_intel" },
      { key: "postgresSchema", default: "gong" },
      { key: "postgresUser" },
      { key: "postgresPassword", secret: true },
      { key: "postgresSslMode", default: "require" },
    ],
    async probe(get, signal) {
      const mode = get("postgresSslMode");
      const client = new PgClient({
        host: get("postgresHost"),
        port: Number(get("postgresPort")),
        database: get("postgresDatabase"),
        user: get("postgresUser"),
        password: get("postgresPassword"),
        ssl: mode === "disable" ? false : { rejectUnauthorized: mode.startsWith("verify") },
        connectionTimeoutMillis: 5000,
      });
      signal.addEventListener("abort", () => client.end().catch(() => undefined));
      try {
        await client.connect();
      } catch (err: any) {
        if (err?.code === "28P01" || err?.code === "28000") {
          throw new ProbeFailure(
            "authenticated",
            `PostgreSQL refused the login: ${err.message}`,
            "check postgresUser and postgresPassword",
          );
        }
        if (err?.code === "3D000") {
          throw new ProbeFailure(
            "permitted",
            `PostgreSQL: ${err.message}`,
            "check postgresDatabase, or create the database",
          );
        }
        throw networkFailure(err, "PostgreSQL", "postgresHost and postgresPort");
      }
      try {
        const schema = get("postgresSchema");
        const r = await client.query(
          `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists,
                  CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)
                       THEN has_schema_privilege(current_user, $1, 'CREATE')
                       ELSE has_database_privilege(current_user, current_database(), 'CREATE') END AS can_write`,
          [schema],
        );
        if (!r.rows[0].can_write) {
          throw new ProbeFailure(
            "permitted",
            `${get("postgresUser")} may not create tables in ${r.rows[0].exists ? `schema ${schema}` : `database ${get("postgresDatabase")}`}`,
            `GRANT CREATE ON ${r.rows[0].exists ? `SCHEMA ${schema}` : `DATABASE ${get("postgresDatabase")}`} TO ${get("postgresUser")}`,
          );
        }
        return r.rows[0].exists ? `can write to schema ${schema}` : `can create schema ${schema}`;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  },
  {
    name: "redis",
    enabled: (v) => flag(v, "airbyteEnabled", true) && flag(v, "redisEnabled", true),
    requires: [
      { key: "redisHost" },
      { key: "redisPort", default: "6379" },
      { key: "redisUser", default: "default" },
      { key: "redisPassword", secret: true },
      { key: "redisSsl", default: "true" },
    ],
    async probe(get, signal) {
      const redis = new Redis({
        host: get("redisHost"),
        port: Number(get("redisPort")),
        username: get("redisUser"),
        password: get("redisPassword"),
        tls: get("redisSsl") === "true" ? {} : undefined,
        lazyConnect: true,
        connectTimeout: 5000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
      });
      // ioredis reports the cause (refused connection, WRONGPASS) as an "error" event and rejects
      // connect() with a generic "Connection is closed"; keep the cause.
      let cause: any;
      redis.on("error", (e) => {
        cause ??= e;
      });
      signal.addEventListener("abort", () => redis.disconnect());
      try {
        await redis.connect();
        await redis.ping();
      } catch (err: any) {
        const e = cause ?? err;
        const text = String(e?.message ?? e);
        if (/WRONGPASS|NOAUTH|invalid username-password|AUTH/i.test(text)) {
          throw new ProbeFailure(
            "authenticated",
            `Redis refused the login: ${text}`,
            "check redisUser and redisPassword",
          );
        }
        throw networkFailure(e, "Redis", "redisHost, redisPort and redisSsl");
      }
      try {
        await redis.set("sophia:check", String(Date.now()), "EX", 30);
      } catch (err: any) {
        const text = String(err?.message ?? err);
        if (/NOPERM/i.test(text)) {
          throw new ProbeFailure(
            "permitted",
            `Redis user ${get("redisUser")} may not write: ${text}`,
            "grant the ACL user +set on sophia:* keys",
          );
        }
        if (/NOAUTH|WRONGPASS/i.test(text)) {
          throw new ProbeFailure(
            "authenticated",
            `Redis refused the login: ${text}`,
            "check redisUser and redisPassword",
          );
        }
        throw networkFailure(err, "Redis", "redisHost and redisPort");
      } finally {
        redis.disconnect();
      }
      return "authenticated; can write";
    },
  },
  {
    name: "github",
    enabled: (v) => flag(v, "githubEnabled", false),
    requires: [{ key: "githubRepository" }, { key: "github:owner" }, { key: "github:token", secret: true }],
    async probe(get, signal) {
      const api = (process.env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, "");
      const res = await http(
        `${api}/repos/${get("github:owner")}/${get("githubRepository")}/actions/secrets/public-key`,
        {
          headers: { authorization: `Bearer ${get("github:token")}`, accept: "application/vnd.github+json" },
        },
        signal,
        "the GitHub API",
        "GITHUB_API_URL",
      );
      expectOk(res, "GitHub", {
        authenticated: ["GitHub refused the token", "check github:token; it may have expired"],
        permitted: [
          `the token cannot manage Actions secrets of ${get("github:owner")}/${get("githubRepository")}`,
          "give the token the repository's 'Secrets: read and write' permission, and check github:owner and githubRepository",
        ],
      });
      return "can manage Actions secrets";
    },
  },
  {
    name: "snowflake",
    enabled: (v) => flag(v, "snowflakeEnabled", false),
    requires: [
      { key: "snowflake:organizationName" },
      { key: "snowflake:accountName" },
      { key: "snowflake:user" },
      { key: "snowflake:password", secret: true },
    ],
  },
  {
    name: "aws",
    enabled: (v) => flag(v, "awsEnabled", false),
    requires: [{ key: "aws:region" }],
  },
  {
    name: "vercel",
    enabled: (v) => flag(v, "vercelEnabled", false),
    requires: [{ key: "vercel:apiToken", secret: true }],
  },
];
