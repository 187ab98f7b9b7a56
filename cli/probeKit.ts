// What the live probes of `sophia check` share (each integration's probe is integrations/<name>/probe.ts):
// the failure a probe throws, and how a network error, an HTTP answer, an API client's error or an AWS
// failure becomes a stage (reachable, authenticated, permitted). Light on purpose: the CLI loads it at
// start-up, the probes load their drivers themselves.

import type { Requirement } from "../integrations/spec";
import { isApiError } from "../providers/http/client";
import type { AwsFailure } from "./aws";

export type { Requirement } from "../integrations/spec";

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

export interface Integration {
  name: string;
  enabled(v: Values): boolean;
  requires: Requirement[];
  /** Live probe; absent where no probe can run from here (reported as such, never as passed). */
  probe?(get: (key: string) => string, signal: AbortSignal, stack: string): Promise<string>;
}

export const flag = (v: Values, key: string, def: boolean) => (v.get(key)?.value ?? String(def)) === "true";

/** A field of whatever was thrown (an Error, a driver's error object, a string: then undefined). */
const field = (thrown: unknown, key: string): unknown =>
  typeof thrown === "object" && thrown !== null ? (thrown as Record<string, unknown>)[key] : undefined;

/** The thrown error's own code: Node's "ECONNREFUSED", PostgreSQL's SQLSTATE "28P01", ... */
export const errorCode = (err: unknown): unknown => field(err, "code");

/** The thrown error's message, or what was thrown when it has none. */
export const errorMessage = (err: unknown): string => String(field(err, "message") ?? err);

export function networkFailure(err: unknown, what: string, keys: string): ProbeFailure {
  const code = errorCode(err) ?? errorCode(field(err, "cause")) ?? "";
  // fetch's own TypeErrors quote the offending header or URL, which may hold a credential: never echo them
  const reason =
    code ||
    (field(err, "name") === "TypeError"
      ? "the request could not be sent (an invalid URL or header value)"
      : field(err, "message") || err);
  return new ProbeFailure(
    "reachable",
    `${what} is unreachable: ${reason}`,
    `check ${keys}, that the service is running, and that this network may reach it (firewall, VPN, allow-list)`,
  );
}

/** 5xx and 429: the service is there but cannot serve now (overloaded, down, rate-limiting). */
export const isUnavailable = (status: number | undefined): boolean =>
  status !== undefined && (status === 429 || status >= 500);

export const STATUS_PAGES: Record<string, string> = {
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
export const rateLimited = (res: Response) =>
  res.status === 403 && (res.headers.get("x-ratelimit-remaining") === "0" || res.headers.has("retry-after"));

export async function http(
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
export function expectOk(
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
export const PROBE_CLIENT = { maxRetries: 1, baseDelayMs: 200, maxDelayMs: 2000, timeoutMs: 10_000 };

/**
 * Runs a probe step through one of our API clients (the same auth, pacing and errors the providers use)
 * and turns its ApiError into the probe stage: no answer → reachable, 401 → authenticated, 403 → permitted.
 */
export async function viaClient<T>(
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
export const AWS_THROTTLED = [
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
];
export const awsUnavailable = (err: AwsFailure) =>
  err.kind === "refused" && (isUnavailable(err.status) || AWS_THROTTLED.includes(err.code));
