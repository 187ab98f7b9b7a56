// Gong API v2 client (sandbox/specs/vendor/gong/openapi.json), on the shared client layer.
//
// - Basic auth with the access key and its secret, read at call time from the stack config.
// - Each tenant has its own base URL (e.g. https://us-12345.api.gong.io); the paths start with /v2.
// - Gong allows 3 requests per second (and a daily cap): the client keeps to that per tenant URL
//   (GONG_RATE_LIMIT) instead of collecting 429s. The daily cap answers 429 with a Retry-After of hours,
//   which the shared client turns into an immediate error carrying Gong's message.
// - Adoption by name reads the profile listing once per provider process (a cache on globalThis that our
//   own writes keep current), so creating N profiles costs N + 1 requests, not 2N.
import { GONG } from "../../integrations/gong/keys";
import { requiredSetting } from "../../integrations/keys";
import { type ConfigGet, cachedClient } from "../dynamic";
import {
  ApiClient,
  type ApiClientOptions,
  basicAuth,
  HeaderAuth,
  isApiError,
  type RateLimit,
} from "../http/client";

export interface GongSettings {
  /** The tenant's base URL, e.g. https://us-12345.api.gong.io (without /v2). */
  apiUrl: string;
  accessKey: string;
  accessKeySecret: string;
}

/**
 * Gong's documented limit, "3 API calls per second" (answered with 429 and Retry-After), used in full:
 * up to 3 requests at once, a 4th only a second (plus 1%) after the 1st was answered, so no delay on the
 * way can put 4 in one second at Gong (ApiClient's pace() has the reasoning). Starts spaced 350 ms apart,
 * as before, took 21 s for 61 requests (20.2 s now) and were safe only while no request was delayed more
 * than 50 ms on its way: a busy machine put 4 answers within one second at the stand-in.
 */
export const GONG_RATE_LIMIT: RateLimit = { requests: 3, perMs: 1000 };

export interface CrmIntegration {
  /**
   * int64 in the API (e.g. 5517027188234205706, above 2^53): read from the answer's text as a decimal
   * string, never through a JavaScript number, which would round it to another integration's id.
   */
  integrationId: string;
  name: string;
  ownerEmail: string;
}

export type PermissionLevel = "all" | "managers-team" | "report-to-them" | "own" | "none";

export interface ScopedAccess {
  permissionLevel?: PermissionLevel;
  teamLeadIds?: string[];
}

export interface LibraryFolderAccess {
  permissionLevel?: "none" | "all" | "specific-folders";
  libraryFolderIds?: string[];
  managePublicFolder?: boolean;
  manageStreams?: boolean;
  manageFolderCalls?: boolean;
  shareFoldersAndStreams?: boolean;
}

/** PermissionProfileDTO: `id`, `name` and the permission fields (scoped accesses and boolean flags). */
export interface PermissionProfile {
  id?: string;
  name: string;
  [permission: string]: unknown;
}

export type RequestStatus = "PENDING" | "IN_PROGRESS" | "DONE" | "FAILED";

/** Settings from the stack config (as handed to a dynamic provider's configure) or the environment. */
export function gongSettings(get: (key: string) => string | undefined): GongSettings {
  const apiUrl = requiredSetting("Gong", GONG.gongApiUrl, get);
  const accessKey = requiredSetting("Gong", GONG.gongAccessKey, get);
  const accessKeySecret = requiredSetting("Gong", GONG.gongAccessKeySecret, get);
  return { apiUrl: apiUrl.replace(/\/+$/, "").replace(/\/v2$/, ""), accessKey, accessKeySecret };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class GongClient {
  readonly http: ApiClient;
  private readonly base: string;

  constructor(settings: GongSettings, extra: Partial<ApiClientOptions> = {}) {
    this.base = settings.apiUrl;
    this.http = new ApiClient({
      service: "Gong",
      baseUrl: settings.apiUrl,
      rateLimit: GONG_RATE_LIMIT,
      paceKey: `gong|${settings.apiUrl}`,
      ...extra,
      auth: new HeaderAuth(() => basicAuth(settings.accessKey, settings.accessKeySecret)),
    });
  }

  listWorkspaces(): Promise<{ id: string; name: string }[]> {
    return this.http
      .get<{ workspaces?: { id: string; name: string }[] }>("/v2/workspaces")
      .then((r) => r.workspaces ?? []);
  }

  // ---- CRM integration (one generic integration per tenant) ----

  async listCrmIntegrations(): Promise<CrmIntegration[]> {
    const r = await this.http.request<{ integrations?: CrmIntegration[] }>("GET", "/v2/crm/integrations", {
      rawJsonBigIntFields: ["integrationId"],
    });
    return (r.integrations ?? []).map((i) => ({ ...i, integrationId: String(i.integrationId) }));
  }

  /** Whether the tenant still has the integration with this id. */
  async hasCrmIntegration(integrationId: string): Promise<boolean> {
    return (await this.listCrmIntegrations()).some((i) => i.integrationId === integrationId);
  }

  /** PUT registers; Gong answers 409 when an integration already exists. */
  async registerCrmIntegration(name: string, ownerEmail: string): Promise<string> {
    const r = await this.http.request<{ integrationId: string }>("PUT", "/v2/crm/integrations", {
      body: { name, ownerEmail },
      rawJsonBigIntFields: ["integrationId"],
    });
    return String(r.integrationId);
  }

  /**
   * Asks Gong to delete the integration and waits until its request status is DONE. Gong documents no 404
   * for DELETE (an unknown id is likely a 400), so the integrations are listed first and an absent one is
   * "gone" without a DELETE; a 400 (or 404) is "gone" when a second listing no longer shows it (an earlier
   * delete finished meanwhile) and is rethrown otherwise. A 409 means this clientRequestId was already
   * accepted (a retry after a dropped answer), so we only poll. FAILED and the timeout are errors naming
   * the request.
   */
  async deleteCrmIntegration(
    integrationId: string,
    opts: { timeoutMs: number; pollMs: number; clientRequestId?: string },
  ): Promise<"deleted" | "gone"> {
    const clientRequestId =
      opts.clientRequestId ?? `sophia-delete-${integrationId}-${Date.now().toString(36)}`;
    const query = { integrationId, clientRequestId };
    if (!(await this.hasCrmIntegration(integrationId))) return "gone";
    try {
      await this.http.request("DELETE", "/v2/crm/integrations", { query });
    } catch (err) {
      const status = isApiError(err) ? err.status : undefined;
      if ((status === 400 || status === 404) && !(await this.hasCrmIntegration(integrationId))) return "gone";
      if (status !== 409) throw err;
    }
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const r = await this.http.get<{ status?: RequestStatus; errors?: { description?: string }[] }>(
        "/v2/crm/request-status",
        query,
      );
      if (r.status === "DONE") return "deleted";
      if (r.status === "FAILED") {
        const why = (r.errors ?? [])
          .map((e) => e.description)
          .filter(Boolean)
          .join("; ");
        throw new Error(
          `Gong: deleting CRM integration ${integrationId} failed (request ${clientRequestId})${why ? `: ${why}` : ""}`,
        );
      }
      if (Date.now() + opts.pollMs > deadline) {
        throw new Error(
          `Gong: CRM integration ${integrationId} was not deleted within ${Math.round(opts.timeoutMs / 1000)} s (request ${clientRequestId} is still ${r.status ?? "unknown"}; Gong says deletion can take up to 24 hours: run the delete again later)`,
        );
      }
      await sleep(opts.pollMs);
    }
  }

  // ---- permission profiles (no delete in the API) ----

  private profileCache(): Map<string, Promise<PermissionProfile[]>> {
    const g = globalThis as { __sophiaGongProfiles?: Map<string, Promise<PermissionProfile[]>> };
    g.__sophiaGongProfiles ??= new Map();
    return g.__sophiaGongProfiles;
  }

  /** The workspace's profiles, uncached. */
  async listProfilesFresh(workspaceId: string): Promise<PermissionProfile[]> {
    const r = await this.http.get<{ profiles?: PermissionProfile[] }>("/v2/all-permission-profiles", {
      workspaceId,
    });
    return r.profiles ?? [];
  }

  /** The workspace's profiles, listed once per process and kept current by our own writes. */
  listProfiles(workspaceId: string, fresh = false): Promise<PermissionProfile[]> {
    const cache = this.profileCache();
    const key = `${this.base}|${workspaceId}`;
    let entry = fresh ? undefined : cache.get(key);
    if (!entry) {
      entry = this.listProfilesFresh(workspaceId);
      cache.set(key, entry);
      entry.catch(() => {
        if (cache.get(key) === entry) cache.delete(key);
      });
    }
    return entry;
  }

  /** Replaces (or adds) a profile in the cached listing after a write, so no re-list is needed. */
  private remember(workspaceId: string, profile: PermissionProfile): void {
    const key = `${this.base}|${workspaceId}`;
    const entry = this.profileCache().get(key);
    if (!entry) return;
    this.profileCache().set(
      key,
      entry.then((list) => [...list.filter((p) => p.id !== profile.id), profile]),
    );
  }

  /** Drops the cached listings of this tenant (after an out-of-band change is suspected). */
  forgetProfiles(): void {
    for (const k of [...this.profileCache().keys()]) {
      if (k.startsWith(`${this.base}|`)) this.profileCache().delete(k);
    }
  }

  getProfile(profileId: string): Promise<{ profile?: PermissionProfile } | undefined> {
    return this.http.getOrGone("/v2/permission-profile", { profileId });
  }

  async createProfile(
    workspaceId: string,
    body: PermissionProfile,
    recover: () => Promise<PermissionProfile | undefined>,
  ): Promise<PermissionProfile> {
    const r = await this.http.request<{ profile?: PermissionProfile } | PermissionProfile>(
      "POST",
      "/v2/permission-profile",
      {
        query: { workspaceId },
        body,
        // recover() answers the profile itself; wrap it like the API's answer
        recover: async () => {
          const found = await recover();
          return found ? { profile: found } : undefined;
        },
      },
    );
    const profile = (r as { profile?: PermissionProfile }).profile as PermissionProfile;
    this.remember(workspaceId, profile);
    return profile;
  }

  async updateProfile(workspaceId: string, profileId: string, body: PermissionProfile) {
    const r = await this.http.request<{ profile?: PermissionProfile }>("PUT", "/v2/permission-profile", {
      query: { profileId },
      body,
    });
    const profile = r.profile as PermissionProfile;
    this.remember(workspaceId, profile);
    return profile;
  }
}

/** The client for the configured stack (provider process), built once per settings and shared. */
export function configuredGong(get: ConfigGet): GongClient {
  const s = gongSettings(get);
  return cachedClient(
    "Gong",
    `${s.apiUrl}|${s.accessKey}|${s.accessKeySecret.length}`,
    () => new GongClient(s),
  );
}
