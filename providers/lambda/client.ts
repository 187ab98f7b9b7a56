// Lambda Cloud API client (sandbox/specs/vendor/lambda/openapi.json, v1.8.3), on the shared client layer.
//
// Auth: `Authorization: Bearer <api key>` (securitySchemes.bearerAuth; Basic is also accepted, Bearer is
// what Lambda recommends). Every answer is {data: ...}; every error is {error: {code, message, suggestion?}}
// and Lambda asks clients to act on `code`, so errors raised here carry the code and the suggestion.
//
// Rate limits, from the description's own introduction (info.description, "Requests to the API are
// generally limited to one request per second. Requests to the /instance-operations/launch endpoint are
// limited to one request per 12 seconds, or five requests per minute."): every request is paced to one per
// second per API URL, and launches additionally to one per 12 s, process-wide, so the client does not
// provoke 429s (which the shared layer would still wait out, honouring Retry-After).

import { requiredSetting } from "../../integrations/keys";
import { LAMBDA } from "../../integrations/lambda/keys";
import { type ConfigGet, cachedClient, dropCachedClients } from "../dynamic";
import {
  ApiClient,
  type ApiClientOptions,
  apiError,
  bearerAuth,
  HeaderAuth,
  isApiError,
} from "../http/client";
import type { Rule } from "../kit";

export interface LambdaSettings {
  /** API root without /api/v1 (lambdaApiUrl; its default in integrations/lambda/keys.ts) */
  apiUrl: string;
  apiKey: string;
}

export interface LambdaError {
  code: string;
  message: string;
  suggestion?: string;
}

export interface Region {
  name: string;
  description: string;
}

export interface SshKeyApi {
  id: string;
  name: string;
  public_key: string;
  /** Only in the answer that generated the key pair: Lambda does not keep it. */
  private_key?: string;
}

export interface FilesystemApi {
  id: string;
  name: string;
  mount_point: string;
  created: string;
  is_in_use: boolean;
  region: Region;
  bytes_used?: number;
}

export type InstanceStatus = "booting" | "active" | "unhealthy" | "terminated" | "terminating" | "preempted";

export interface InstanceApi {
  id: string;
  name?: string;
  ip?: string;
  private_ip?: string;
  status: InstanceStatus;
  ssh_key_names: string[];
  file_system_names: string[];
  region: Region;
  instance_type: { name: string; description: string; price_cents_per_hour: number };
  hostname?: string;
}

export interface LaunchRequest {
  region_name: string;
  instance_type_name: string;
  ssh_key_names: string[];
  file_system_names?: string[];
  name?: string;
}

/** Timing knobs: production defaults; tests shorten them through `setLambdaClientOptions`. */
export interface LambdaTiming {
  /** Minimum interval between any two requests (default 1000 ms: one request per second). */
  minIntervalMs: number;
  /** Minimum interval between launches (default 12000 ms: five per minute). */
  launchIntervalMs: number;
  /** Interval between status polls while waiting for an instance (default 10 s). */
  pollIntervalMs: number;
  /** How long to wait for a launched instance to become active (default 20 min). */
  activeTimeoutMs: number;
  /** How long to wait for a terminated instance to reach `terminated` (default 10 min). */
  terminateTimeoutMs: number;
  /** How long to wait for a file system to be detached before deleting it (default 5 min). */
  detachTimeoutMs: number;
}

// 10% above the documented limits: requests paced exactly 1 s apart can arrive closer together than
// that (network jitter) and a strict server window answers 429 (seen in the e2e refresh at 1000 ms).
export const DEFAULT_TIMING: LambdaTiming = {
  minIntervalMs: 1100,
  launchIntervalMs: 13_200,
  pollIntervalMs: 10_000,
  activeTimeoutMs: 20 * 60_000,
  terminateTimeoutMs: 10 * 60_000,
  detachTimeoutMs: 5 * 60_000,
};

export type LambdaClientOptions = Partial<ApiClientOptions> & Partial<LambdaTiming>;

/** Settings from the stack config (as handed to a dynamic provider's configure) or the environment. */
export function lambdaSettings(get: (key: string) => string | undefined): LambdaSettings {
  return {
    apiUrl: requiredSetting("Lambda", LAMBDA.lambdaApiUrl, get),
    apiKey: requiredSetting("Lambda", LAMBDA.lambdaApiKey, get),
  };
}

/** Lambda's error object from an ApiError's body, if the API sent one. */
export function lambdaErrorOf(err: unknown): LambdaError | undefined {
  if (!isApiError(err)) return undefined;
  const e = (err.body as { error?: LambdaError } | undefined)?.error;
  return e && typeof e.code === "string" ? e : undefined;
}

export class LambdaClient {
  readonly http: ApiClient;
  private readonly launchHttp: ApiClient;
  readonly timing: LambdaTiming;

  constructor(settings: LambdaSettings, extra: LambdaClientOptions = {}) {
    const base = settings.apiUrl.replace(/\/+$/, "");
    const {
      minIntervalMs,
      launchIntervalMs,
      pollIntervalMs,
      activeTimeoutMs,
      terminateTimeoutMs,
      detachTimeoutMs,
      ...http
    } = extra;
    this.timing = {
      ...DEFAULT_TIMING,
      ...Object.fromEntries(
        Object.entries({
          minIntervalMs,
          launchIntervalMs,
          pollIntervalMs,
          activeTimeoutMs,
          terminateTimeoutMs,
          detachTimeoutMs,
        }).filter(([, v]) => v !== undefined),
      ),
    };
    const auth = new HeaderAuth(() => bearerAuth(settings.apiKey));
    const common = { service: "Lambda", baseUrl: base, auth, ...http };
    this.http = new ApiClient({
      ...common,
      minIntervalMs: this.timing.minIntervalMs,
      paceKey: `lambda|${base}`,
    });
    this.launchHttp = new ApiClient({
      ...common,
      minIntervalMs: this.timing.launchIntervalMs,
      paceKey: `lambda-launch|${base}`,
    });
  }

  /** One request; an API error is re-raised with Lambda's error code and suggestion in its message. */
  private async call<T>(
    method: string,
    path: string,
    opts: { body?: unknown; recover?: () => Promise<unknown> } = {},
    http = this.http,
  ): Promise<T> {
    try {
      const { recover } = opts;
      const res = await http.request<{ data: T }>(method, `/api/v1${path}`, {
        body: opts.body,
        // what recover() finds stands for the answer's payload
        recover:
          recover &&
          (async () => {
            const found = await recover();
            return found === undefined ? undefined : { data: found };
          }),
      });
      return res.data;
    } catch (err) {
      const e = lambdaErrorOf(err);
      if (!e || !isApiError(err)) throw err;
      throw apiError(
        err.service,
        err.method,
        err.path,
        err.status,
        `${e.code}: ${e.message}${e.suggestion ? ` (${e.suggestion})` : ""}${/ \(after \d+ attempts\)$/.exec(err.detail)?.[0] ?? ""}`,
        err.body,
      );
    }
  }

  // ---- SSH keys (no GET by id and no update in the API) ----
  listSshKeys(): Promise<SshKeyApi[]> {
    return this.call("GET", "/ssh-keys");
  }
  addSshKey(
    body: { name: string; public_key?: string },
    recover: () => Promise<unknown>,
  ): Promise<SshKeyApi> {
    return this.call("POST", "/ssh-keys", { body, recover });
  }
  deleteSshKey(id: string): Promise<void> {
    return this.call("DELETE", `/ssh-keys/${encodeURIComponent(id)}`);
  }

  // ---- file systems (listed at /file-systems, created and deleted at /filesystems) ----
  listFilesystems(): Promise<FilesystemApi[]> {
    return this.call("GET", "/file-systems");
  }
  createFilesystem(body: { name: string; region: string }, recover: () => Promise<unknown>) {
    return this.call<FilesystemApi>("POST", "/filesystems", { body, recover });
  }
  deleteFilesystem(id: string): Promise<{ deleted_ids: string[] }> {
    return this.call("DELETE", `/filesystems/${encodeURIComponent(id)}`);
  }

  // ---- instances ----
  listInstances(): Promise<InstanceApi[]> {
    return this.call("GET", "/instances");
  }
  async getInstance(id: string): Promise<InstanceApi | undefined> {
    try {
      return await this.call<InstanceApi>("GET", `/instances/${encodeURIComponent(id)}`);
    } catch (err) {
      if (isApiError(err) && err.status === 404) return undefined;
      throw err;
    }
  }
  renameInstance(id: string, name: string): Promise<InstanceApi> {
    return this.call("POST", `/instances/${encodeURIComponent(id)}`, { body: { name } });
  }
  /** Launch is paced on its own slower slot (one per 12 s) as well as answering 429s. */
  launch(body: LaunchRequest, recover: () => Promise<unknown>): Promise<{ instance_ids: string[] }> {
    return this.call("POST", "/instance-operations/launch", { body, recover }, this.launchHttp);
  }
  terminate(ids: string[]): Promise<{ terminated_instances: InstanceApi[] }> {
    return this.call("POST", "/instance-operations/terminate", { body: { instance_ids: ids } });
  }
}

/** Test-only: timing and transport overrides for every client made by `configuredLambda` afterwards. */
export function setLambdaClientOptions(o: LambdaClientOptions | undefined): void {
  const g = globalThis as { __sophiaLambdaOptions?: LambdaClientOptions };
  g.__sophiaLambdaOptions = o;
  dropCachedClients("Lambda");
}

/** The client for the configured stack (provider process), built once per settings and shared. */
export function configuredLambda(get: ConfigGet): LambdaClient {
  const s = lambdaSettings(get);
  const g = globalThis as { __sophiaLambdaOptions?: LambdaClientOptions };
  return cachedClient(
    "Lambda",
    `${s.apiUrl}|${s.apiKey.length}|${s.apiKey.slice(-4)}`,
    () => new LambdaClient(s, g.__sophiaLambdaOptions),
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The description's PublicRegionCode enum. An array, not a Set (closure serialization). */
export const LAMBDA_REGIONS = [
  "europe-central-1",
  "asia-south-1",
  "australia-east-1",
  "me-west-1",
  "asia-northeast-1",
  "asia-northeast-2",
  "us-east-1",
  "us-west-2",
  "us-west-1",
  "us-south-1",
  "us-west-3",
  "us-midwest-1",
  "us-east-2",
  "us-south-2",
  "us-south-3",
  "us-east-3",
  "us-midwest-2",
];

/** A region rule, after the string rule: an unlisted region is named with the list. */
export const inLambdaRegion: Rule = (v) =>
  typeof v === "string" && v && !LAMBDA_REGIONS.includes(v)
    ? `region "${v}" is not one of ${LAMBDA_REGIONS.join(", ")}`
    : undefined;
