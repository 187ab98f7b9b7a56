// Logging in to Snowflake with a password, through Snowflake's own Node.js driver (snowflake-sdk): the one
// way to prove a password (the SQL API accepts only key-pair JWTs and OAuth). Used by `sophia check` (the
// Pulumi admin credentials) and `sophia secrets rotate` (a rotated service user's new password).
//
// The driver is quietened before use: its default logger writes `snowflake.log` into the working
// directory, it probes cloud metadata endpoints to detect its platform, and it sends connection telemetry;
// a check needs none of that, and a log file next to the project is where a password must never be. It is
// loaded on first use only (it brings the AWS, Azure and Google SDKs along): other commands stay fast.
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

/** A refused login or statement, with Snowflake's error code (e.g. 390100) or the driver's. */
export interface SnowflakeFailure {
  code: string;
  message: string;
  /** No answer from Snowflake (network, TLS, timeout), as opposed to an answer that says no. */
  network: boolean;
}

export const isSnowflakeFailure = (e: unknown): e is SnowflakeFailure =>
  typeof e === "object" && e !== null && "code" in e && "network" in e;

/** Snowflake's login codes that mean "wrong user or password" and "not allowed this role/warehouse". */
export const LOGIN_REFUSED = "390100";
export const NOT_PERMITTED = ["390189", "390201"];

let driver: typeof SnowflakeSdk | undefined;
async function quietDriver(): Promise<typeof SnowflakeSdk> {
  if (driver) return driver;
  process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= "true";
  process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE ??= "true";
  // the driver's AWS SDK warns about Node 20 on load; it concerns AWS SDK releases of 2027, not this check
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sdk = await import("snowflake-sdk");
  const loaded = ((sdk as any).default ?? sdk) as typeof SnowflakeSdk;
  loaded.configure({ logLevel: "OFF" } as SnowflakeSdk.ConfigureOptions);
  driver = loaded;
  return loaded;
}

/**
 * The login settings from the stack config the Snowflake provider reads: `snowflake:organizationName`,
 * `snowflake:accountName`, optional `snowflake:host` / `snowflake:protocol` / `snowflake:port` (as the
 * provider uses them) and `snowflake:role`.
 */
export function loginFromConfig(
  get: (key: string) => string,
  username: string,
  password: string,
): SnowflakeLogin {
  const org = get("snowflake:organizationName");
  const acct = get("snowflake:accountName");
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

function failure(err: any, timedOut: boolean): SnowflakeFailure {
  const code = String(err?.code ?? "");
  // Snowflake's own answers carry six-digit codes 39xxxx (session) or 00xxxx (SQL); the driver's network
  // errors are 40xxxx with a cause.
  const network = timedOut || !/^(39|00)\d{4}$/.test(code);
  return {
    code: timedOut ? "TIMEOUT" : code || "UNKNOWN",
    message: timedOut ? "no answer in time" : String(err?.message ?? err),
    network,
  };
}

/**
 * Opens a session, runs `work` with a statement runner, and logs out. Rejects with a SnowflakeFailure.
 * The password is handed to the driver only; it appears in no message.
 */
export async function withSnowflakeSession<T>(
  login: SnowflakeLogin,
  work: (query: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  const snowflake = await quietDriver();
  const connection = snowflake.createConnection({
    account: login.account,
    accessUrl: login.accessUrl,
    username: login.username,
    password: login.password,
    role: login.role,
    warehouse: login.warehouse,
    sfRetryMaxLoginRetries: 1,
  } as SnowflakeSdk.ConnectionOptions);
  const guarded = <R>(p: Promise<R>): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      if (signal.aborted) return reject(failure(undefined, true));
      const onAbort = () => reject(failure(undefined, true));
      signal.addEventListener("abort", onAbort, { once: true });
      p.then(resolve, (e) => reject(failure(e, false))).finally(() =>
        signal.removeEventListener("abort", onAbort),
      );
    });

  await guarded(
    new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve()))),
  );
  try {
    return await work((sql) =>
      guarded(
        new Promise<Record<string, unknown>[]>((resolve, reject) =>
          connection.execute({
            sqlText: sql,
            complete: (err, _stmt, rows) => (err ? reject(err) : resolve((rows ?? []) as any)),
          }),
        ),
      ),
    );
  } finally {
    // log out; a Snowflake that stopped answering must not hold the check up
    await Promise.race([
      new Promise<void>((resolve) => connection.destroy(() => resolve())),
      new Promise<void>((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
  }
}
