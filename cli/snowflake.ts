// Logging in to Snowflake with a password, through Snowflake's own Node.js driver (snowflake-sdk): the one
// way to prove a password (the SQL API accepts only key-pair JWTs and OAuth). Used by `sophia check` (the
// Pulumi admin credentials) and `sophia secrets rotate` (a rotated service user's new password).
//
// The driver is quietened before use: its default logger writes `snowflake.log` into the working
// directory, a client config file (SF_CLIENT_CONFIG_FILE, or sf_client_config.json in the home or driver
// folder) can switch file logging back on at connect time, it probes cloud metadata endpoints to detect its
// platform, and it sends connection telemetry. A check needs none of that, and a log file is where a
// password must never be: every connection names a client config of our own (log level OFF, in a private
// temporary folder), which the driver prefers to any other. It is loaded on first use only (it brings the
// AWS, Azure and Google SDKs along): other commands stay fast.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type * as SnowflakeSdk from "snowflake-sdk";

/** Where and how to log in. `accessUrl` overrides the account's own host (a proxy, or the sandbox). */
export interface SnowflakeLogin {
  account: string;
  accessUrl: string;
  username: string;
  password: string;
  role?: string;
  warehouse?: string;
}

/**
 * A failed login or statement. `refused`: Snowflake answered no, with its code (e.g. 390100). `network`:
 * no usable answer (unreachable, TLS, HTTP error, timeout); `status` is the HTTP status when Snowflake
 * answered one (503, 429: unavailable). `client`: the driver refused the settings.
 */
export interface SnowflakeFailure {
  kind: "refused" | "network" | "client";
  code: string;
  message: string;
  status?: number;
}

export const isSnowflakeFailure = (e: unknown): e is SnowflakeFailure =>
  typeof e === "object" && e !== null && "kind" in e && "code" in e && "message" in e;

/** Snowflake's login codes: wrong user or password; role not granted; warehouse unknown or not granted. */
export const LOGIN_REFUSED = "390100";
export const ROLE_NOT_GRANTED = "390189";
export const WAREHOUSE_REFUSED = "390201";

/** Per HTTP request; with one login retry, a login that gets no answer fails within about twice this. */
const REQUEST_TIMEOUT_MS = 10_000;

let driver: typeof SnowflakeSdk | undefined;
let quietConfig: string | undefined;

async function quietDriver(): Promise<typeof SnowflakeSdk> {
  if (driver) return driver;
  process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= "true";
  process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE ??= "true";
  // the driver's AWS SDK warns about Node 20 on load; it concerns AWS SDK releases of 2027, not this check
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sdk = await import("snowflake-sdk");
  const loaded = ((sdk as { default?: unknown }).default ?? sdk) as typeof SnowflakeSdk;
  loaded.configure({ logLevel: "OFF" } as SnowflakeSdk.ConfigureOptions);
  // The client config every connection names (the driver requires it to be writable by its owner only).
  const dir = mkdtempSync(path.join(tmpdir(), "sophia-snowflake-"));
  quietConfig = path.join(dir, "sf_client_config.json");
  writeFileSync(quietConfig, JSON.stringify({ common: { log_level: "OFF", log_path: dir } }), {
    mode: 0o600,
  });
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  driver = loaded;
  return loaded;
}

/**
 * The login settings from the stack config the Snowflake provider reads: `snowflake:organizationName`,
 * `snowflake:accountName`, optional `snowflake:host` / `snowflake:protocol` / `snowflake:port` (as the
 * provider uses them) and `snowflake:role`. A missing account key is an error that names it.
 */
export function loginFromConfig(
  get: (key: string) => string,
  username: string,
  password: string,
): SnowflakeLogin {
  const org = get("snowflake:organizationName");
  const acct = get("snowflake:accountName");
  const missing = [
    ...(org ? [] : ["snowflake:organizationName"]),
    ...(acct ? [] : ["snowflake:accountName"]),
  ];
  if (missing.length) throw new Error(`${missing.join(" and ")} must be set to log in to Snowflake`);
  const account = `${org}-${acct}`;
  const host = get("snowflake:host") || `${account}.snowflakecomputing.com`.toLowerCase();
  const protocol = get("snowflake:protocol") || "https";
  const port = get("snowflake:port");
  return {
    account,
    accessUrl: `${protocol}://${host}${port ? `:${port}` : ""}`,
    username,
    password,
    role: get("snowflake:role") || undefined,
  };
}

/** What the driver's errors may carry (anything else thrown has none of it). */
interface DriverError {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: { code?: unknown; message?: unknown };
  response?: { statusCode?: unknown };
}

/** The driver's error as a SnowflakeFailure: its code and message only, never its request or config. */
function failure(thrown: unknown): SnowflakeFailure {
  const err = thrown as DriverError | null | undefined;
  const code = String(err?.code ?? "UNKNOWN");
  const cause = err?.cause?.code ?? err?.cause?.message;
  const message = `${String(err?.message ?? thrown)}${cause ? ` (${cause})` : ""}`;
  if (err?.name === "OperationFailedError") return { kind: "refused", code, message };
  if (err?.name === "NetworkError" || err?.name === "RequestFailedError") {
    const status = err?.response?.statusCode;
    return { kind: "network", code, message, ...(typeof status === "number" ? { status } : {}) };
  }
  return { kind: "client", code, message };
}

const timedOut = (): SnowflakeFailure => ({ kind: "network", code: "TIMEOUT", message: "no answer in time" });

/**
 * Opens a session, runs `work` with a statement runner, and logs out. Rejects with a SnowflakeFailure.
 * When `signal` aborts, the wait ends at once and the connection is destroyed (a login that still
 * succeeds is logged out by the driver). The password goes to the driver only; it is in no message.
 */
export async function withSnowflakeSession<T>(
  login: SnowflakeLogin,
  work: (query: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  if (signal.aborted) throw timedOut();
  const snowflake = await quietDriver();
  let connection: SnowflakeSdk.Connection;
  try {
    connection = snowflake.createConnection({
      account: login.account,
      accessUrl: login.accessUrl,
      username: login.username,
      password: login.password,
      role: login.role,
      warehouse: login.warehouse,
      sfRetryMaxLoginRetries: 1,
      timeout: REQUEST_TIMEOUT_MS,
      clientConfigFile: quietConfig,
    } as SnowflakeSdk.ConnectionOptions);
  } catch (err) {
    throw failure(err);
  }
  let destroyed = false;
  const destroy = () =>
    new Promise<void>((resolve) => {
      if (destroyed) return resolve();
      destroyed = true;
      try {
        connection.destroy(() => resolve());
      } catch {
        resolve();
      }
      // a Snowflake that stopped answering must not hold the caller up
      setTimeout(resolve, 2000).unref();
    });
  const guarded = <R>(start: (resolve: (r: R) => void, reject: (e: unknown) => void) => void): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      if (signal.aborted) return reject(timedOut());
      const onAbort = () => {
        void destroy();
        reject(timedOut());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      start(
        (r) => {
          signal.removeEventListener("abort", onAbort);
          resolve(r);
        },
        (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(failure(e));
        },
      );
    });

  await guarded<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve())));
  try {
    return await work((sql) =>
      guarded<Record<string, unknown>[]>((resolve, reject) =>
        connection.execute({
          sqlText: sql,
          complete: (err, _stmt, rows) =>
            err ? reject(err) : resolve((rows ?? []) as Record<string, unknown>[]),
        }),
      ),
    );
  } finally {
    await destroy();
  }
}

/** Who a login is once the session opens: its user and the role the session got. */
export async function sessionIdentity(
  login: SnowflakeLogin,
  signal: AbortSignal,
): Promise<{ user: string; role: string }> {
  const [row] = await withSnowflakeSession(
    login,
    (query) => query("SELECT CURRENT_USER(), CURRENT_ROLE()"),
    signal,
  );
  return { user: String(row["CURRENT_USER()"]), role: String(row["CURRENT_ROLE()"]) };
}
