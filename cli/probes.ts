// The integrations `sophia check` knows. Each entry says when it applies, which config it needs, and how
// to probe the live service: reachable (network), authenticated (credentials), permitted (rights). A new
// integration adds an entry here; the command needs no change.
import { Redis } from "ioredis";
import { Client as PgClient } from "pg";
import { defaultNamePrefix } from "../config";
import {
  ESTUARY_DEFAULT_API_URL,
  ESTUARY_DEFAULT_ENCRYPTION_URL,
  EstuaryClient,
  estuarySettings,
} from "../providers/estuary/client";
import { GongClient, gongSettings } from "../providers/gong/client";
import { isApiError, isSafeUrl } from "../providers/http/client";
import { LambdaClient, lambdaSettings } from "../providers/lambda/client";
import { OpenRouterClient, openrouterSettings, validateModels } from "../providers/openrouter/client";
import { PortkeyClient, portkeySettings } from "../providers/portkey/client";
import { type AwsFailure, awsFromConfig, awsSession, isAwsFailure } from "./aws";
import {
  isSnowflakeFailure,
  LOGIN_REFUSED,
  loginFromConfig,
  ROLE_NOT_GRANTED,
  sessionIdentity,
  WAREHOUSE_REFUSED,
} from "./snowflake";

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
  probe?(get: (key: string) => string, signal: AbortSignal, stack: string): Promise<string>;
}

const flag = (v: Values, key: string, def: boolean) => (v.get(key)?.value ?? String(def)) === "true";

function networkFailure(err: any, what: string, keys: string): ProbeFailure {
  const code = err?.code ?? err?.cause?.code ?? "";
  // fetch's own TypeErrors quote the offending header or URL, which may hold a credential: never echo them
  const reason =
    code ||
    (err?.name === "TypeError"
      ? "the request could not be sent (an invalid URL or header value)"
      : err?.message || err);
  return new ProbeFailure(
    "reachable",
    `${what} is unreachable: ${reason}`,
    `check ${keys}, that the service is running, and that this network may reach it (firewall, VPN, allow-list)`,
  );
}

/** 5xx and 429: the service is there but cannot serve now (overloaded, down, rate-limiting). */
export const isUnavailable = (status: number | undefined): boolean =>
  status !== undefined && (status === 429 || status >= 500);

const STATUS_PAGES: Record<string, string> = {
  Airbyte: "status.airbyte.com",
  GitHub: "githubstatus.com",
  Snowflake: "status.snowflake.com",
  Vercel: "vercel-status.com",
  AWS: "the AWS Health Dashboard",
};

/**
 * The failure of a service that answered 5xx or 429 (or a vendor's own rate-limit answer): reachable but
 * unavailable, so the advice is to retry later and look at the vendor's status page, never to check the
 * credentials (they were not judged). `what` names the call ("S3 (HeadBucket b)"), `vendor` whose status
 * page to see (default: the first word of `what`).
 */
export function unavailable(
  what: string,
  status: number,
  detail: string,
  opts: { vendor?: string; limited?: boolean } = {},
): ProbeFailure {
  const vendor = opts.vendor ?? what.split(" ")[0];
  const state = (opts.limited ?? status === 429) ? "rate limited" : "unavailable";
  return new ProbeFailure(
    "reachable",
    `${what} answered ${status} (${state})${detail ? `: ${detail}` : ""}`,
    `retry later; ${vendor} is ${state} (see ${STATUS_PAGES[vendor] ?? `${vendor}'s status page`})`,
  );
}

/** GitHub's rate limits answer 403 (or 429) with no requests left, or with a Retry-After. */
const rateLimited = (res: Response) =>
  res.status === 403 && (res.headers.get("x-ratelimit-remaining") === "0" || res.headers.has("retry-after"));

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
 * Turns an HTTP answer into a probe stage: 5xx, 429 and a rate-limited 403 → reachable (unavailable, retry
 * later), 401 → authenticated, 403/404 → permitted, any other non-2xx → reachable (the service answered
 * but not usefully).
 */
function expectOk(
  res: Response,
  service: string,
  advice: { url: string; authenticated: [string, string]; permitted: [string, string] },
): void {
  if (res.ok) return;
  if (isUnavailable(res.status) || rateLimited(res)) {
    throw unavailable(service, res.status, "", { limited: res.status === 429 || rateLimited(res) });
  }
  if (res.status === 401)
    throw new ProbeFailure("authenticated", `${advice.authenticated[0]} (401)`, advice.authenticated[1]);
  if (res.status === 403 || res.status === 404) {
    throw new ProbeFailure("permitted", `${advice.permitted[0]} (${res.status})`, advice.permitted[1]);
  }
  throw new ProbeFailure(
    "reachable",
    `${service} answered ${res.status}`,
    `check ${advice.url}: the service there did not answer as ${service}'s API would`,
  );
}

/** Probe budget of the SaaS clients: one retry, short timeouts (a check reports, it does not wait out outages). */
const PROBE_CLIENT = { maxRetries: 1, baseDelayMs: 200, maxDelayMs: 2000, timeoutMs: 10_000 };

/**
 * Runs a probe step through one of our API clients (the same auth, pacing and errors the providers use)
 * and turns its ApiError into the probe stage: no answer → reachable, 401 → authenticated, 403 → permitted.
 */
async function viaClient<T>(
  step: () => Promise<T>,
  service: string,
  keys: { url: string; credentials: string; permission: string },
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof ProbeFailure) throw err;
    if (!isApiError(err)) {
      throw new ProbeFailure("config", `${service}: ${(err as Error).message}`, `check ${keys.credentials}`);
    }
    if (err.status === undefined) throw networkFailure(err, `the ${service} API`, keys.url);
    if (err.status === 401) {
      throw new ProbeFailure(
        "authenticated",
        `${service} refused the credentials (401): ${err.detail}`,
        `check ${keys.credentials}`,
      );
    }
    if (isUnavailable(err.status)) throw unavailable(service, err.status, err.detail);
    if (err.status === 403) {
      throw new ProbeFailure(
        "permitted",
        `${service} refused the request (403): ${err.detail}`,
        keys.permission,
      );
    }
    throw new ProbeFailure(
      "reachable",
      `${service} answered ${err.status}: ${err.detail}`,
      err.status === 404 ? `check ${keys.url} (no such API there)` : `check ${keys.url}`,
    );
  }
}

/** AWS's throttling codes: STS answers Throttling with a 400, S3 SlowDown with a 503. */
const AWS_THROTTLED = [
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
];
const awsUnavailable = (err: AwsFailure) =>
  err.kind === "refused" && (isUnavailable(err.status) || AWS_THROTTLED.includes(err.code));

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
      if (isUnavailable(tokenRes.status)) throw unavailable("Airbyte", tokenRes.status, "");
      if (tokenRes.status === 404) {
        throw new ProbeFailure(
          "reachable",
          "Airbyte answered 404 for POST /applications/token",
          "check airbyteApiUrl (no Airbyte API there)",
        );
      }
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
        url: "airbyteApiUrl",
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
    enabled: (v) => flag(v, "airbyteEnabled", true) || flag(v, "estuaryEnabled", false),
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
    enabled: (v) =>
      (flag(v, "airbyteEnabled", true) || flag(v, "estuaryEnabled", false)) && flag(v, "redisEnabled", true),
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
        url: "GITHUB_API_URL",
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
    async probe(get, signal) {
      const host = "snowflake:organizationName and snowflake:accountName (and snowflake:host if set)";
      const login = loginFromConfig(get, get("snowflake:user"), get("snowflake:password"));
      try {
        const who = await sessionIdentity(login, signal);
        return `logged in as ${who.user} with role ${who.role}`;
      } catch (err) {
        if (!isSnowflakeFailure(err)) throw err;
        if (err.kind === "network" && isUnavailable(err.status)) {
          throw unavailable("Snowflake", err.status ?? 0, err.message);
        }
        if (err.kind === "network") {
          throw new ProbeFailure(
            "reachable",
            `Snowflake (${login.accessUrl}) is unreachable: ${err.message}${err.status ? ` (HTTP ${err.status})` : ""}`,
            `check ${host}, and that this network may reach it (firewall, VPN, network policy)`,
          );
        }
        if (err.kind === "client") {
          throw new ProbeFailure(
            "config",
            `Snowflake's driver refused the settings: ${err.message}`,
            `check ${host}`,
          );
        }
        if (err.code === LOGIN_REFUSED) {
          throw new ProbeFailure(
            "authenticated",
            `Snowflake refused the login (${err.code}): ${err.message}`,
            `check snowflake:user and snowflake:password, and ${host}: a wrong account answers the same way`,
          );
        }
        if (err.code === ROLE_NOT_GRANTED) {
          throw new ProbeFailure(
            "permitted",
            `Snowflake refused the session (${err.code}): ${err.message}`,
            "grant the role to snowflake:user (GRANT ROLE ... TO USER ...) or change snowflake:role",
          );
        }
        if (err.code === WAREHOUSE_REFUSED) {
          throw new ProbeFailure(
            "permitted",
            `Snowflake refused the session (${err.code}): ${err.message}`,
            "grant USAGE on the warehouse to the user's role, or check the warehouse name",
          );
        }
        throw new ProbeFailure(
          "reachable",
          `Snowflake answered ${err.code}: ${err.message}`,
          `check ${host}`,
        );
      }
    },
  },
  {
    name: "aws",
    enabled: (v) => flag(v, "awsEnabled", false),
    requires: [
      { key: "aws:region" },
      // optional (the credential chain may supply them), but never in plain text when set
      { key: "aws:secretKey", secret: true, default: "" },
      { key: "aws:token", secret: true, default: "" },
    ],
    async probe(get, signal, stack) {
      let settings: ReturnType<typeof awsFromConfig>;
      try {
        settings = awsFromConfig(get);
      } catch (err) {
        throw new ProbeFailure("config", (err as Error).message, "fix the AWS provider's config keys named");
      }
      const creds = "aws:accessKey and aws:secretKey (or aws:profile, or the AWS credential chain)";
      const stage = (err: AwsFailure, what: string, advice: string): ProbeFailure => {
        if (err.kind === "network") {
          return new ProbeFailure(
            "reachable",
            `${what} is unreachable: ${err.message}`,
            "check aws:region and aws:endpoints, and that this network may reach AWS (proxy, VPC endpoint)",
          );
        }
        if (err.kind === "credentials") {
          return new ProbeFailure("authenticated", `no AWS credentials: ${err.message}`, `set ${creds}`);
        }
        if (awsUnavailable(err)) {
          return unavailable(what, err.status ?? 0, err.code, {
            vendor: "AWS",
            limited: err.status === 429 || AWS_THROTTLED.includes(err.code),
          });
        }
        return new ProbeFailure(
          "permitted",
          `${what} refused the request (${err.code}): ${err.message}`,
          advice,
        );
      };
      let session: Awaited<ReturnType<typeof awsSession>>;
      try {
        session = await awsSession(settings);
      } catch (err) {
        if (isAwsFailure(err)) throw stage(err, "AWS", `check ${creds}`);
        throw err;
      }
      try {
        let who: { arn: string };
        try {
          who = await session.callerIdentity(signal);
        } catch (err) {
          if (!isAwsFailure(err)) throw err;
          if (err.kind === "refused" && !awsUnavailable(err) && [400, 401, 403].includes(err.status ?? 0)) {
            throw new ProbeFailure(
              "authenticated",
              `AWS refused the credentials (${err.code}): ${err.message}`,
              err.code === "ExpiredToken"
                ? "renew the session (aws:token, or your SSO login)"
                : `check ${creds}`,
            );
          }
          throw stage(err, "AWS STS", `check ${creds}`);
        }
        // the program's bucket: awsBucketName, or its default <namePrefix>-data
        const bucket = get("awsBucketName") || `${get("namePrefix") || defaultNamePrefix(stack)}-data`;
        let head: Awaited<ReturnType<typeof session.headBucket>>;
        try {
          head = await session.headBucket(bucket, signal);
        } catch (err) {
          if (!isAwsFailure(err)) throw err;
          throw stage(err, `S3 (HeadBucket ${bucket})`, "check aws:endpoints and aws:region");
        }
        if (head.status === 403) {
          throw new ProbeFailure(
            "permitted",
            `${who.arn} may not access bucket ${bucket} (403)`,
            `allow s3:ListBucket (and the bucket's other actions) on arn:aws:s3:::${bucket} to ${who.arn}, or choose another awsBucketName if the name belongs to another account`,
          );
        }
        if (head.status === 301) {
          throw new ProbeFailure(
            "config",
            `bucket ${bucket} is in ${head.region ?? "another region"}, not aws:region ${settings.region}`,
            `set aws:region to ${head.region ?? "the bucket's region"}, or choose another awsBucketName (bucket names are global)`,
          );
        }
        return head.status === 404
          ? `authenticated as ${who.arn}; bucket ${bucket} does not exist yet (the next up creates it)`
          : `authenticated as ${who.arn}; bucket ${bucket} reachable in ${head.region ?? settings.region}`;
      } finally {
        session.close();
      }
    },
  },
  {
    name: "vercel",
    enabled: (v) => flag(v, "vercelEnabled", false),
    requires: [
      { key: "vercel:apiToken", secret: true },
      { key: "vercelApiUrl", default: "https://api.vercel.com" },
    ],
    async probe(get, signal, stack) {
      const base = get("vercelApiUrl").replace(/\/+$/, "");
      const token = get("vercel:apiToken");
      // the token travels in a header: printable, and only to https (or this machine)
      if (!/^[\x21-\x7e]+$/.test(token)) {
        throw new ProbeFailure(
          "config",
          "vercel:apiToken holds spaces, line breaks or other characters a token cannot have",
          "set vercel:apiToken again, without surrounding whitespace",
        );
      }
      if (!isSafeUrl(base)) {
        throw new ProbeFailure(
          "config",
          `vercelApiUrl must be an https URL (or http on this machine); got ${base}`,
          "fix vercelApiUrl",
        );
      }
      const headers = { authorization: `Bearer ${token}` };
      const vercelError = async (res: Response) => {
        const body = (await res.json().catch(() => ({}))) as {
          error?: { code?: string; message?: string; invalidToken?: boolean };
        };
        return body.error ?? {};
      };
      const me = await http(`${base}/v2/user`, { headers }, signal, "the Vercel API", "vercelApiUrl");
      if (!me.ok) {
        const e = await vercelError(me);
        if (me.status === 401 || me.status === 403 || e.invalidToken) {
          throw new ProbeFailure(
            "authenticated",
            `Vercel refused the token (${me.status} ${e.code ?? ""}): ${e.message ?? ""}`.trim(),
            "check vercel:apiToken; it may have expired or been revoked",
          );
        }
        if (isUnavailable(me.status)) throw unavailable("Vercel", me.status, e.message ?? "");
        throw new ProbeFailure(
          "reachable",
          `Vercel answered ${me.status}: ${e.message ?? ""}`,
          "check vercelApiUrl: the service there did not answer as Vercel's API would",
        );
      }
      const { user } = (await me.json()) as { user: { username: string } };
      // the program's project, in the team the provider acts for (vercel:team: an id or a slug)
      const project = get("vercelProjectName") || get("namePrefix") || defaultNamePrefix(stack);
      const team = get("vercel:team");
      const scope = team
        ? team.startsWith("team_")
          ? `?teamId=${encodeURIComponent(team)}`
          : `?slug=${encodeURIComponent(team)}`
        : "";
      const res = await http(
        `${base}/v9/projects/${encodeURIComponent(project)}${scope}`,
        { headers },
        signal,
        "the Vercel API",
        "vercelApiUrl",
      );
      const where = team ? `team ${team}` : "the personal account";
      if (res.status === 403) {
        const e = await vercelError(res);
        throw new ProbeFailure(
          "permitted",
          `the token of ${user.username} may not act for ${where} (403 ${e.code ?? ""}): ${e.message ?? ""}`.trim(),
          "check vercel:team, and that the token's scope includes that team (Vercel → Account Settings → Tokens)",
        );
      }
      if (res.status === 404) {
        const e = await vercelError(res);
        if (e.code !== "not_found") {
          throw new ProbeFailure(
            "reachable",
            `Vercel answered 404 ${e.code ?? ""}: ${e.message ?? ""}`,
            "check vercelApiUrl",
          );
        }
        return `token of ${user.username}; project ${project} does not exist in ${where} yet (the next up creates it)`;
      }
      if (isUnavailable(res.status)) {
        throw unavailable("Vercel", res.status, (await vercelError(res)).message ?? "");
      }
      if (!res.ok)
        throw new ProbeFailure(
          "reachable",
          `Vercel answered ${res.status}`,
          "check vercelApiUrl: the service there did not answer as Vercel's API would",
        );
      return `token of ${user.username}; project ${project} readable in ${where}`;
    },
  },
  {
    name: "gong",
    enabled: (v) => flag(v, "gongEnabled", false),
    requires: [
      { key: "gongApiUrl" },
      { key: "gongWorkspaceId" },
      { key: "gongAccessKey", secret: true },
      { key: "gongAccessKeySecret", secret: true },
    ],
    async probe(get) {
      const client = new GongClient(gongSettings(get), PROBE_CLIENT);
      const keys = {
        url: "gongApiUrl",
        credentials: "gongAccessKey and gongAccessKeySecret",
        permission: "give the API key the workspace and permission-profile scopes in Gong's API settings",
      };
      const workspaces = await viaClient(() => client.listWorkspaces(), "Gong", keys);
      if (!workspaces.some((w) => w.id === get("gongWorkspaceId"))) {
        throw new ProbeFailure(
          "permitted",
          `Gong workspace ${get("gongWorkspaceId")} is not visible to this API key (${workspaces.length} visible)`,
          "check gongWorkspaceId (GET /v2/workspaces lists the ids)",
        );
      }
      await viaClient(() => client.listProfilesFresh(get("gongWorkspaceId")), "Gong", keys);
      return "workspace visible; permission profiles readable";
    },
  },
  {
    name: "estuary",
    enabled: (v) => flag(v, "estuaryEnabled", false),
    requires: [
      { key: "estuaryApiUrl", default: ESTUARY_DEFAULT_API_URL },
      { key: "estuaryRefreshToken", secret: true },
      { key: "estuaryConfigEncryptionUrl", default: ESTUARY_DEFAULT_ENCRYPTION_URL },
    ],
    async probe(get) {
      const client = new EstuaryClient(estuarySettings(get), PROBE_CLIENT);
      // exchanging the refresh token proves it; reading a live spec proves the catalog is readable
      await viaClient(() => client.liveSpec("sophia-ai/.check"), "Estuary", {
        url: "estuaryApiUrl",
        credentials: "estuaryRefreshToken (flowctl auth token; it may have been revoked)",
        permission: "grant the token's user read on the catalog prefix",
      });
      // every publication with a credential needs the encryption service: it must answer with ciphertext
      const sealed = await viaClient(
        () =>
          client.encryptConfig(
            { check: "sophia-check" },
            { type: "object", properties: { check: { type: "string", secret: true } } },
          ),
        "Estuary config encryption",
        {
          url: "estuaryConfigEncryptionUrl",
          credentials: "estuaryConfigEncryptionUrl",
          permission: "check estuaryConfigEncryptionUrl",
        },
      );
      if (typeof sealed.check_sops !== "string" || "check" in sealed) {
        throw new ProbeFailure(
          "reachable",
          "the config-encryption service answered without encrypting the secret property",
          "check estuaryConfigEncryptionUrl: it must be Estuary's config-encryption service",
        );
      }
      return "refresh token exchanged; catalog readable; config encryption works";
    },
  },
  {
    name: "portkey",
    enabled: (v) => flag(v, "portkeyEnabled", false),
    requires: [
      { key: "portkeyApiUrl", default: "https://api.portkey.ai/v1" },
      { key: "portkeyApiKey", secret: true },
    ],
    async probe(get) {
      const client = new PortkeyClient(portkeySettings(get), PROBE_CLIENT);
      const configs = await viaClient(
        () => client.list("configs", get("portkeyWorkspaceId") || undefined),
        "Portkey",
        {
          url: "portkeyApiUrl",
          credentials: "portkeyApiKey",
          permission:
            "use an admin or workspace API key with the configs and providers scopes; check portkeyWorkspaceId",
        },
      );
      return `configs readable (${configs.length})`;
    },
  },
  {
    name: "openrouter",
    enabled: (v) => flag(v, "openrouterEnabled", false),
    requires: [
      { key: "openrouterApiUrl", default: "https://openrouter.ai/api/v1" },
      { key: "openrouterManagementKey", secret: true },
    ],
    async probe(get) {
      const client = new OpenRouterClient(openrouterSettings(get), PROBE_CLIENT);
      const keys = {
        url: "openrouterApiUrl",
        credentials: "openrouterManagementKey (a management key, not an inference key)",
        permission: "use a management key",
      };
      const listed = await viaClient(() => client.listKeys(), "OpenRouter", keys);
      const raw = get("llmModels");
      const models = raw ? JSON.parse(raw) : {};
      const result = await viaClient(() => validateModels(client, models, "llmModels"), "OpenRouter", keys);
      if (!result.ok) {
        throw new ProbeFailure(
          "config",
          result.messages.join("; "),
          "fix llmModels: use ids from GET /models",
        );
      }
      return `management key works (${listed.length} keys); llmModels valid against ${result.catalogueSize} models`;
    },
  },
  {
    name: "lambda",
    enabled: (v) => flag(v, "lambdaEnabled", false),
    requires: [
      { key: "lambdaApiUrl", default: "https://cloud.lambda.ai" },
      { key: "lambdaApiKey", secret: true },
    ],
    async probe(get) {
      const client = new LambdaClient(lambdaSettings(get), PROBE_CLIENT);
      const keys = await viaClient(() => client.listSshKeys(), "Lambda", {
        url: "lambdaApiUrl",
        credentials: "lambdaApiKey",
        permission: "use an API key of the team that owns the instances",
      });
      return `API key works (${keys.length} SSH keys)`;
    },
  },
];
