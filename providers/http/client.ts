// The shared API client layer: one place for transport concerns every SaaS client needs.
//
// - auth: an AuthStrategy adds headers; on 401 the request is retried with fresh credentials, up to
//   MAX_FRESH_CREDENTIALS times (a short-lived token can die between two requests, or in flight).
// - retries: 429 (honouring Retry-After), 5xx and network errors, bounded, with jittered backoff.
// - pacing: an optional minimum interval between requests and an optional "N requests per T ms" window,
//   shared by every client of the same key in the process, so a vendor's documented rate limit is
//   respected instead of answered with 429s; a 429 holds every request of the key for its wait.
// - 404 means "gone": getOrGone() returns undefined, deleteOrGone() succeeds.
// - errors: ApiError carries the service, method, path, status and the API's own message, never the
//   request body or headers (which may hold secrets).
//
// This module is serialized by value into every dynamic resource's provider closure, so it keeps no
// credentials at module level and imports nothing heavier than axios (captured as require("axios")).
import axios = require("axios");

export interface AuthStrategy {
  /**
   * Headers to send; `force` asks for fresh credentials (after a 401): credentials other than `refused`
   * (the headers the 401 answered), so one renewed meanwhile by a concurrent request serves.
   */
  headers(force: boolean, refused?: Record<string, string>): Promise<Record<string, string>>;
  /** False for fixed credentials: a 401 is final, there is nothing fresher to fetch. */
  readonly refreshable?: boolean;
}

export interface RequestRecord {
  method: string;
  url: string;
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  status: number;
  responseBody?: unknown;
}

export interface ApiClientOptions {
  /** Service name for error messages, e.g. "Airbyte". */
  service: string;
  baseUrl: string;
  auth?: AuthStrategy;
  /** Attempts after the first for retryable failures (default 5). */
  maxRetries?: number;
  /** First backoff delay in ms (default 250); doubles per attempt, capped at maxDelayMs. */
  baseDelayMs?: number;
  /** Longest single wait, including a server's Retry-After (default 30 s). */
  maxDelayMs?: number;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Minimum interval between the starts of requests sharing `paceKey` (default: no pacing). */
  minIntervalMs?: number;
  /**
   * A vendor's limit of `requests` per `perMs` (a sliding window), kept for every request sharing
   * `paceKey`, bursts included, with a margin that holds whatever the network's delays (see pace()).
   */
  rateLimit?: RateLimit;
  paceKey?: string;
  /** Observer of every HTTP exchange (tests validate requests against the vendor's spec with it). */
  onExchange?: (r: RequestRecord) => void;
}

export interface RateLimit {
  requests: number;
  perMs: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** Content type of the body: JSON (default) or an HTML form. */
  form?: boolean;
  /** Skip the auth strategy (token endpoints). */
  noAuth?: boolean;
  /**
   * For requests that are not idempotent (POST): called before retrying after an ambiguous failure
   * (5xx, dropped connection), when the server may have acted. If it finds the result, that is returned
   * instead of sending the request again; this is how create avoids duplicates.
   */
  recover?: () => Promise<unknown | undefined>;
  /**
   * Fields holding integers that may exceed 2^53 (int64 ids): the JSON answer is read as text and these
   * fields' integer values are returned as decimal strings with every digit, not as rounded numbers.
   */
  rawJsonBigIntFields?: string[];
}

export interface ApiError extends Error {
  name: "ApiError";
  service: string;
  method: string;
  path: string;
  status: number | undefined;
  detail: string;
  body?: unknown;
}

/**
 * A plain Error with the API's details. Not a subclass: Pulumi's closure serializer cannot rebuild a
 * class that extends Error, and a provider that throws one reports "Unknown Error".
 */
export function apiError(
  service: string,
  method: string,
  path: string,
  status: number | undefined,
  detail: string,
  body?: unknown,
): ApiError {
  const err = new Error(
    `${service} API ${method} ${path} failed${status ? ` with ${status}` : ""}: ${detail}`,
  ) as ApiError;
  return Object.assign(err, { name: "ApiError" as const, service, method, path, status, detail, body });
}

/** https, or http to this machine only (loopback): where a credential may travel. */
export function isSafeUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      u.protocol === "https:" ||
      (u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname))
    );
  } catch {
    return false;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof Error && err.name === "ApiError";
}

/**
 * One pace key's state, shared by every client (and every deserialized copy of this module) in the
 * process. Times are performance.now(): monotonic, so a step of the wall clock cannot shorten a wait.
 */
interface PaceLane {
  /** Settles when the request queued last has started: requests start in the order they asked. */
  queue: Promise<void>;
  /** When the last request really started. */
  lastStart: number;
  /** When each of the last `rateLimit.requests` requests was answered (pending while in flight). */
  answers: Promise<number>[];
  /** No request starts before this: the wait a 429 asked for. */
  notBefore: number;
}

function paceLane(key: string): PaceLane {
  // Not the name older copies of this module (serialized in a stack's state) use for their own shape.
  const g = globalThis as { __sophiaRateLanes?: Map<string, PaceLane> };
  g.__sophiaRateLanes ??= new Map();
  let lane = g.__sophiaRateLanes.get(key);
  if (!lane) {
    lane = { queue: Promise.resolve(), lastStart: Number.NEGATIVE_INFINITY, answers: [], notBefore: 0 };
    g.__sophiaRateLanes.set(key, lane);
  }
  return lane;
}

/**
 * Added to a rate limit's window, for the server's clock: it may count in ticks (whole milliseconds, or
 * coarser) and be slewed by NTP (at most 0.5 ms per second). 1% (10 ms of a second) covers both.
 */
const RATE_MARGIN = 0.01;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The API's own message from a problem+json, {message}, {error} or plain-text body. */
export function apiMessage(body: unknown): string {
  if (typeof body === "string") return body.slice(0, 500) || "(empty body)";
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    // Gong: {requestId, errors: ["..."]}
    if (Array.isArray(b.errors) && b.errors.length && b.errors.every((e) => typeof e === "string")) {
      return b.errors.join("; ");
    }
    // Estuary's config-encryption service: {error: "<Id>", description, details}
    if (typeof b.error === "string" && typeof b.description === "string")
      return `${b.error}: ${b.description}`;
    for (const k of ["detail", "message", "error_description", "error", "title", "data"]) {
      const v = b[k];
      if (typeof v === "string" && v) return v;
      if (v && typeof v === "object" && typeof (v as { message?: unknown }).message === "string") {
        return (v as { message: string }).message;
      }
    }
    return JSON.stringify(body).slice(0, 500);
  }
  return "(empty body)";
}

/**
 * JSON.parse of `text` with the integer values of the named fields as decimal strings (every digit kept).
 * Anything that is not JSON is returned as it is.
 */
export function parseJsonKeepingDigits(text: unknown, fields: string[]): unknown {
  if (typeof text !== "string" || text.trim() === "") return text;
  let quoted = text;
  for (const field of fields) {
    const key = field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    quoted = quoted.replace(new RegExp(`("${key}"\\s*:\\s*)(-?\\d+)(?=\\s*[,}\\]])`, "g"), '$1"$2"');
  }
  try {
    return JSON.parse(quoted);
  } catch {
    return text;
  }
}

// An array, not a Set: Pulumi's closure serializer turns a module-level Set into a plain object.
const NETWORK_ERRORS = [
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ECONNABORTED",
  "EAI_AGAIN",
  "ERR_NETWORK",
];

/** The outcome of one exchange: a status with body and headers, or a network error code. */
interface Exchange {
  status?: number;
  data?: unknown;
  headers: Record<string, unknown>;
  networkCode?: string;
}

/**
 * Fresh credentials one request may ask for after 401s. A token can die between two requests (expired
 * or revoked) and a fresh one can die in flight on a slow network; only when fresh credentials keep
 * being refused are they wrong.
 */
const MAX_FRESH_CREDENTIALS = 3;

/** A request's credentials state across its attempts. */
interface AuthState {
  /** Fresh credentials asked for so far (at most MAX_FRESH_CREDENTIALS). */
  renewals: number;
  /** Ask for fresh credentials on the next attempt. */
  fresh: boolean;
  /** The auth headers of the last attempt: the ones a 401 refused. */
  sent?: Record<string, string>;
}

export class ApiClient {
  private readonly opts: Required<Omit<ApiClientOptions, "auth" | "onExchange" | "paceKey" | "rateLimit">> &
    Pick<ApiClientOptions, "auth" | "onExchange" | "paceKey" | "rateLimit">;

  constructor(options: ApiClientOptions) {
    this.opts = {
      maxRetries: 5,
      baseDelayMs: 250,
      maxDelayMs: 30_000,
      timeoutMs: 30_000,
      minIntervalMs: 0,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
    };
  }

  get service(): string {
    return this.opts.service;
  }

  async request<T = unknown>(method: string, path: string, ro: RequestOptions = {}): Promise<T> {
    const idempotent = method !== "POST";
    const auth: AuthState = { renewals: 0, fresh: false };
    let ambiguous = false;
    for (let attempt = 0; ; attempt++) {
      if (ambiguous && ro.recover) {
        const found = await ro.recover();
        if (found !== undefined) return found as T;
      }
      ambiguous = false;
      const answered = await this.pace();
      let ex: Exchange;
      try {
        ex = await this.send(method, path, ro, auth);
      } finally {
        answered();
      }
      if (ex.status !== undefined && ex.status < 400) return ex.data as T;

      // 401: credentials expired or revoked; fetch fresh ones, a bounded number of times.
      if (
        ex.status === 401 &&
        this.opts.auth &&
        this.opts.auth.refreshable !== false &&
        !ro.noAuth &&
        auth.renewals < MAX_FRESH_CREDENTIALS
      ) {
        auth.renewals++;
        auth.fresh = true;
        attempt--;
        continue;
      }
      const wait = this.retryWait(method, path, ex, attempt);
      // "Too many requests" is about every request of the key, not this one: they all wait it out.
      if (ex.status === 429) this.holdLane(wait);
      // A POST that failed with 5xx or a dropped connection may have been carried out.
      if (!idempotent && ex.status !== 429 && ex.networkCode !== "ECONNREFUSED") ambiguous = true;
      await sleep(wait);
    }
  }

  /** One HTTP exchange: its status, body and headers, or the network error that stopped it. */
  private async send(method: string, path: string, ro: RequestOptions, auth: AuthState): Promise<Exchange> {
    const ex: Exchange = { headers: {} };
    try {
      const authHeaders =
        ro.noAuth || !this.opts.auth ? {} : await this.opts.auth.headers(auth.fresh, auth.sent);
      auth.fresh = false; // fresh credentials are asked for on the attempt after a 401 only
      auth.sent = authHeaders;
      const res = await axios.default.request({
        method,
        url: this.opts.baseUrl + path,
        params: ro.query,
        paramsSerializer: { indexes: null },
        data:
          ro.form && ro.body ? new URLSearchParams(ro.body as Record<string, string>).toString() : ro.body,
        headers: {
          accept: "application/json",
          ...(ro.body !== undefined
            ? { "content-type": ro.form ? "application/x-www-form-urlencoded" : "application/json" }
            : {}),
          ...authHeaders,
        },
        timeout: this.opts.timeoutMs,
        validateStatus: () => true,
        transitional: { clarifyTimeoutError: true },
        // keep the text: JSON.parse would round int64 values before we could read them
        ...(ro.rawJsonBigIntFields ? { transformResponse: [(d: unknown) => d] } : {}),
      });
      ex.status = res.status;
      ex.data = ro.rawJsonBigIntFields ? parseJsonKeepingDigits(res.data, ro.rawJsonBigIntFields) : res.data;
      ex.headers = res.headers as Record<string, unknown>;
      this.opts.onExchange?.({
        method,
        url: this.opts.baseUrl + path,
        path,
        query: ro.query,
        body: ro.body,
        status: ex.status,
        responseBody: ex.data,
      });
    } catch (err) {
      if (isApiError(err)) throw err; // from the auth strategy
      ex.networkCode = (err as { code?: string }).code ?? "ERR_NETWORK";
      if (!NETWORK_ERRORS.includes(ex.networkCode)) {
        throw apiError(this.opts.service, method, path, undefined, (err as Error).message);
      }
    }
    return ex;
  }

  /** How long to wait before retrying a failed exchange; throws when it is not retried. */
  private retryWait(method: string, path: string, ex: Exchange, attempt: number): number {
    const { status, data, networkCode } = ex;
    const fail = (detail: string) => apiError(this.opts.service, method, path, status, detail, data);
    const retryable =
      status === 429 || (status !== undefined && status >= 500) || (status === undefined && networkCode);
    if (!retryable || attempt >= this.opts.maxRetries) {
      throw fail(
        status === undefined
          ? `network error ${networkCode} after ${attempt + 1} attempt(s)`
          : apiMessage(data) + (retryable ? ` (after ${attempt + 1} attempts)` : ""),
      );
    }
    const retryAfter =
      status === 429 || status === 503 ? parseRetryAfter(ex.headers["retry-after"]) : undefined;
    // A quota that resets later than we are willing to wait (a daily cap): say so now instead of
    // sleeping through the retries.
    if (retryAfter !== undefined && retryAfter > this.opts.maxDelayMs) {
      throw fail(
        `${apiMessage(data)} (the API asks to retry after ${Math.ceil(retryAfter / 1000)} s, longer than the ${Math.round(this.opts.maxDelayMs / 1000)} s this client waits)`,
      );
    }
    const backoff = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** attempt);
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    return Math.min(this.opts.maxDelayMs, retryAfter ?? jittered);
  }

  get<T>(path: string, query?: RequestOptions["query"]): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  /** GET that answers undefined when the object is gone (404). */
  async getOrGone<T>(path: string, query?: RequestOptions["query"]): Promise<T | undefined> {
    try {
      return await this.request<T>("GET", path, { query });
    } catch (err) {
      if (isApiError(err) && err.status === 404) return undefined;
      throw err;
    }
  }

  /** DELETE that treats an already-gone object (404) as success. */
  async deleteOrGone(path: string): Promise<void> {
    try {
      await this.request("DELETE", path);
    } catch (err) {
      if (isApiError(err) && err.status === 404) return;
      throw err;
    }
  }

  /** The pace lane of this client's key, if it is paced at all. */
  private lane(): PaceLane | undefined {
    if (!this.opts.minIntervalMs && !this.opts.rateLimit) return undefined;
    return paceLane(this.opts.paceKey ?? this.opts.baseUrl);
  }

  /** After a 429: no request of this key starts for `ms`. */
  private holdLane(ms: number): void {
    const lane = this.lane();
    if (lane) lane.notBefore = Math.max(lane.notBefore, performance.now() + ms);
  }

  /**
   * Waits for this request's turn and returns what to call when its answer (or failure) has arrived.
   * Requests sharing a key start one at a time, in order, each once:
   * - `minIntervalMs` has passed since the previous one really started (measured from real starts, not
   *   slots booked in advance, so a busy event loop that wakes several sleepers cannot release a burst);
   * - the wait a 429 asked for has passed;
   * - with `rateLimit` {requests: N, perMs: T}: the request N places before it was answered at least T
   *   (plus RATE_MARGIN) ago. The server counted that request between its start and its answer, and
   *   counts this one after it starts, so on the server's clock the two are more than T apart whatever
   *   the network or the event loop delayed: no N + 1 requests fall in any T window, sliding or fixed.
   *   The price is one round trip per N requests (N per T + latency); a stand-in on this machine
   *   answers in milliseconds.
   */
  private async pace(): Promise<() => void> {
    const lane = this.lane();
    if (!lane) return () => undefined;
    const { minIntervalMs, rateLimit } = this.opts;
    let answered: (at: number) => void = () => undefined;
    const answer = new Promise<number>((resolve) => {
      answered = resolve;
    });
    const turn = lane.queue.then(async () => {
      // the request N places back: wait for its answer (it may still be in flight)
      const nBack = rateLimit ? lane.answers[lane.answers.length - rateLimit.requests] : undefined;
      const windowEnd = nBack && rateLimit ? (await nBack) + rateLimit.perMs * (1 + RATE_MARGIN) : 0;
      for (;;) {
        const wait = Math.max(lane.lastStart + minIntervalMs, lane.notBefore, windowEnd) - performance.now();
        if (wait <= 0) break;
        await sleep(wait);
      }
      lane.lastStart = performance.now();
      if (rateLimit) lane.answers = [...lane.answers, answer].slice(-rateLimit.requests);
    });
    lane.queue = turn;
    await turn;
    return () => answered(performance.now());
  }
}

/** Fixed credentials sent as headers (API keys, Basic auth), built at call time from the settings. */
export class HeaderAuth implements AuthStrategy {
  readonly refreshable = false;
  constructor(private readonly make: () => Record<string, string>) {}
  async headers(): Promise<Record<string, string>> {
    return this.make();
  }
}

export const basicAuth = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

export const bearerAuth = (token: string) => ({ authorization: `Bearer ${token}` });

export interface ClientCredentialsOptions {
  /** Cache key part and error label, e.g. "Airbyte". */
  service: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Refresh this long before the token's stated expiry (default 30 s). */
  skewMs?: number;
  /** Sends the token request; the owner decides body shape and client (so it goes through retries). */
  fetchToken: () => Promise<{ access_token: string; expires_in?: number }>;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  /** Renew this long before expiry: the configured skew, but never more than a quarter of the lifetime. */
  renewMs: number;
}

/**
 * OAuth client-credentials auth with a process-wide token cache: every resource in the provider process
 * (and every deserialized copy of this module) shares one token per (token URL, client id), and
 * concurrent requests share one in-flight token request.
 */
export class ClientCredentialsAuth implements AuthStrategy {
  constructor(private readonly o: ClientCredentialsOptions) {}

  private static cache(): Map<string, CachedToken | Promise<CachedToken>> {
    const g = globalThis as { __sophiaTokenCache?: Map<string, CachedToken | Promise<CachedToken>> };
    g.__sophiaTokenCache ??= new Map();
    return g.__sophiaTokenCache;
  }

  async headers(force: boolean, refused?: Record<string, string>): Promise<Record<string, string>> {
    const key = `${this.o.tokenUrl}|${this.o.clientId}`;
    const cache = ClientCredentialsAuth.cache();
    let entry = cache.get(key);
    if (entry && !(entry instanceof Promise)) {
      const fresh = entry.expiresAt - entry.renewMs > Date.now();
      // a token other than the refused one was fetched after it (by a concurrent request): use that
      const renewed = bearerAuth(entry.token).authorization !== refused?.authorization;
      if ((force && !renewed) || !fresh) entry = undefined;
    }
    if (!entry) {
      // the lifetime counts from the request: the server started it before its answer reached us
      const asked = Date.now();
      const pending = this.o.fetchToken().then((r) => {
        const lifetimeMs = (r.expires_in ?? 180) * 1000;
        return {
          token: r.access_token,
          expiresAt: asked + lifetimeMs,
          renewMs: Math.min(this.o.skewMs ?? 30_000, lifetimeMs / 4),
        };
      });
      cache.set(key, pending);
      try {
        entry = await pending;
        cache.set(key, entry);
      } catch (err) {
        cache.delete(key);
        throw err;
      }
    }
    return bearerAuth((await entry).token);
  }
}
