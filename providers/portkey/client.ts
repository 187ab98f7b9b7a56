// Portkey admin (control-plane) API client (sandbox/specs/vendor/portkey/openapi.yaml), on the shared
// client layer. Auth is the `x-portkey-api-key` header (securitySchemes.Portkey-Key).
//
// Providers, not virtual keys: Portkey's docs mark every /virtual-keys operation "Deprecated. Use the
// Providers API instead" (portkey.ai/docs/api-reference/admin-api/control-plane/virtual-keys/*) and say
// "Virtual Keys have been migrated to Model Catalog" (portkey.ai/docs/product/ai-gateway/virtual-keys).
// In the description the Model Catalog is /integrations (the organisation-level credential: the LLM
// vendor's API key) plus /providers (a workspace's use of an integration, with its usage and rate
// limits; POST /providers requires `integration_id`). So an LLM provider is an integration + a provider.

import { requiredSetting } from "../../integrations/keys";
import { PORTKEY } from "../../integrations/portkey/keys";
import { type ConfigGet, cachedClient } from "../dynamic";
import {
  ApiClient,
  type ApiClientOptions,
  apiError,
  apiMessage,
  HeaderAuth,
  isApiError,
} from "../http/client";
import type { GatewayConfig } from "./config";
import type { GuardrailCheck } from "./guardrail";

export interface PortkeySettings {
  /** Base URL of the admin API (portkeyApiUrl; its default in integrations/portkey/keys.ts) */
  apiUrl: string;
  apiKey: string;
}

export interface UsageLimits {
  credit_limit?: number;
  type?: "cost" | "tokens";
  alert_threshold?: number;
  periodic_reset?: "monthly" | "weekly";
}

export interface RateLimit {
  type: "requests" | "tokens";
  unit: "rpm" | "rph" | "rpd";
  value: number;
}

export interface IntegrationApi {
  id: string;
  slug: string;
  name: string;
  ai_provider_id: string;
  description?: string;
  status?: string;
  workspace_id?: string;
  masked_key?: string;
}

export interface ProviderApi {
  id?: string;
  slug: string;
  name: string;
  integration_id: string;
  note?: string | null;
  status?: string;
  usage_limits?: UsageLimits | null;
  rate_limits?: RateLimit[] | null;
  workspace_id?: string;
}

export interface ConfigApi {
  id: string;
  slug: string;
  name: string;
  workspace_id?: string;
  status?: string;
  config?: GatewayConfig;
}

export interface GuardrailApi {
  id: string;
  slug: string;
  name: string;
  workspace_id?: string | null;
  status?: string;
  checks?: GuardrailCheck[];
  actions?: Record<string, unknown>;
}

export interface Kinds {
  integrations: IntegrationApi;
  providers: ProviderApi;
  configs: ConfigApi;
  guardrails: GuardrailApi;
}
export type Kind = keyof Kinds;

/** Portkey slugs (CreateIntegrationRequest.slug's pattern). */
export const SLUG = { re: /^[a-zA-Z0-9_-]+$/, what: "a slug of letters, digits, - and _" };

type Query = Record<string, string | number | undefined>;

/** Settings from the stack config (as handed to a dynamic provider's configure) or the environment. */
export function portkeySettings(get: (key: string) => string | undefined): PortkeySettings {
  return {
    apiUrl: requiredSetting("Portkey", PORTKEY.portkeyApiUrl, get),
    apiKey: requiredSetting("Portkey", PORTKEY.portkeyApiKey, get),
  };
}

/** Portkey's admin errors are {success: false, data: {message}}; the shared layer does not read `data`. */
function portkeyError(err: unknown): unknown {
  if (!isApiError(err)) return err;
  const msg = (err.body as { data?: { message?: unknown } } | undefined)?.data?.message;
  const generic = apiMessage(err.body);
  if (typeof msg !== "string" || !err.detail.startsWith(generic)) return err;
  // keep what the shared layer added after the message ("(after 4 attempts)", a Retry-After note)
  return apiError(
    err.service,
    err.method,
    err.path,
    err.status,
    msg + err.detail.slice(generic.length),
    err.body,
  );
}

/** Objects come bare (integrations, providers, guardrails) or wrapped in {success, data} (configs). */
function unwrap<T>(r: unknown): T {
  const o = r as { success?: unknown; data?: unknown };
  return (o && typeof o === "object" && "success" in o && o.data !== undefined ? o.data : r) as T;
}

/** The configs of a workspace (listConfigs answers every workspace's), or all when none is named. */
const inWorkspace = (configs: ConfigApi[], workspaceId?: string): ConfigApi[] =>
  workspaceId ? configs.filter((c) => c.workspace_id === workspaceId) : configs;

/** How long reads may share one listConfigs answer (a refresh reads every config within a few seconds). */
export const CONFIG_LIST_SHARED_MS = 5_000;

export class PortkeyClient {
  readonly http: ApiClient;
  /** The listConfigs answer reads share: in flight or younger than CONFIG_LIST_SHARED_MS, dropped on a write. */
  private configList?: { at: number; answer: Promise<ConfigApi[]> };

  constructor(settings: PortkeySettings, extra: Partial<ApiClientOptions> = {}) {
    this.http = new ApiClient({
      service: "Portkey",
      baseUrl: settings.apiUrl,
      ...extra,
      auth: new HeaderAuth(() => ({ "x-portkey-api-key": settings.apiKey })),
    });
  }

  private async call<T>(method: string, path: string, opts: Parameters<ApiClient["request"]>[2] = {}) {
    // a write to a config drops the listing reads share, as it starts and once it has ended
    const writesConfigs = method !== "GET" && path.startsWith("/configs");
    if (writesConfigs) this.configList = undefined;
    try {
      return await this.http.request<T>(method, path, opts);
    } catch (err) {
      throw portkeyError(err);
    } finally {
      if (writesConfigs) this.configList = undefined;
    }
  }

  /** Every object of a kind: current_page/page_size paging where the operation has it. */
  async list<K extends Kind>(kind: K, workspaceId?: string): Promise<Kinds[K][]> {
    const paged = kind !== "configs"; // listConfigs takes no parameters and answers everything
    const out: Kinds[K][] = [];
    const size = 100;
    for (let page = 0; ; page++) {
      const query: Query = paged
        ? { current_page: page, page_size: size, ...(workspaceId ? { workspace_id: workspaceId } : {}) }
        : {};
      const r = await this.call<{ data?: Kinds[K][]; total?: number }>("GET", `/${kind}`, { query });
      const data = r.data ?? [];
      out.push(...data);
      if (!paged || data.length < size || (r.total !== undefined && out.length >= r.total)) {
        // listConfigs cannot filter by workspace: filter here
        return kind === "configs" ? (inWorkspace(out as ConfigApi[], workspaceId) as Kinds[K][]) : out;
      }
    }
  }

  /**
   * The configs, as reads see them. getConfig answers only {config}, so a config's name, id and status
   * come from listConfigs, which answers every config at once: the reads of a refresh share one answer
   * (in flight, or taken within CONFIG_LIST_SHARED_MS) instead of listing once per config, so a refresh
   * costs one getConfig per config plus one list. Any write to a config through this client drops the
   * shared answer, and a failed list is not kept.
   */
  listConfigsForRead(workspaceId?: string): Promise<ConfigApi[]> {
    const now = Date.now();
    if (!this.configList || now - this.configList.at > CONFIG_LIST_SHARED_MS) {
      const answer = this.list("configs");
      const entry = { at: now, answer };
      this.configList = entry;
      answer.catch(() => {
        if (this.configList === entry) this.configList = undefined;
      });
    }
    return this.configList.answer.then((all) => inWorkspace(all, workspaceId));
  }

  /** The object of that name that is not archived (configs and guardrails are found by name). */
  async findActive<K extends "configs" | "guardrails">(
    kind: K,
    name: string,
    workspaceId?: string,
  ): Promise<Kinds[K] | undefined> {
    return (await this.list(kind, workspaceId)).find((o) => o.name === name && o.status !== "archived");
  }

  async get<K extends Kind>(kind: K, slug: string, workspaceId?: string): Promise<Kinds[K] | undefined> {
    const path = `/${kind}/${encodeURIComponent(slug)}`;
    const query = kind === "providers" && workspaceId ? { workspace_id: workspaceId } : undefined;
    try {
      return unwrap<Kinds[K]>(await this.call("GET", path, { query }));
    } catch (err) {
      if (isApiError(err) && err.status === 404) return undefined;
      if (kind === "guardrails" && (await this.guardrailGone(err, slug, workspaceId))) return undefined;
      throw err;
    }
  }

  create(
    kind: Kind,
    body: unknown,
    recover: () => Promise<unknown>,
  ): Promise<{ id?: string; slug?: string }> {
    return this.call<unknown>("POST", `/${kind}`, { body, recover }).then((r) => unwrap(r));
  }

  update(kind: Kind, slug: string, body: unknown, workspaceId?: string): Promise<unknown> {
    const query = kind === "providers" && workspaceId ? { workspace_id: workspaceId } : undefined;
    return this.call("PUT", `/${kind}/${encodeURIComponent(slug)}`, { body, query });
  }

  /** Updates an object and reads it back (an object gone meanwhile is an error). */
  async updateAndRead<K extends Exclude<Kind, "configs">>(
    kind: K,
    slug: string,
    body: unknown,
    workspaceId?: string,
  ): Promise<Kinds[K]> {
    await this.update(kind, slug, body, workspaceId);
    const remote = await this.get(kind, slug, workspaceId);
    if (!remote) throw new Error(`Portkey: ${kind.slice(0, -1)} "${slug}" disappeared during the update`);
    return remote;
  }

  async remove(kind: Kind, slug: string, workspaceId?: string): Promise<void> {
    const query = kind === "providers" && workspaceId ? { workspace_id: workspaceId } : undefined;
    try {
      await this.call("DELETE", `/${kind}/${encodeURIComponent(slug)}`, { query });
    } catch (err) {
      if (isApiError(err) && err.status === 404) return;
      if (kind === "guardrails" && (await this.guardrailGone(err, slug, workspaceId))) return;
      throw err;
    }
  }

  /**
   * Portkey answers 403 for a guardrail that does not exist: the description documents getGuardrail,
   * updateGuardrail and deleteGuardrail's 403 as "Forbidden - guardrail not found or insufficient
   * permissions" (openapi.yaml, paths./guardrails/{guardrailId}). Since the same 403 also means "not
   * allowed", it counts as gone only when listing the workspace's guardrails succeeds (we do have
   * access) and the guardrail is not among them. No other 403 is treated as gone.
   */
  private async guardrailGone(err: unknown, slug: string, workspaceId?: string): Promise<boolean> {
    if (!isApiError(err) || err.status !== 403) return false;
    try {
      const all = await this.list("guardrails", workspaceId);
      return !all.some((g) => g.slug === slug || g.id === slug);
    } catch {
      return false;
    }
  }
}

/** The client for the configured stack (provider process), built once per settings and shared. */
export function configuredPortkey(get: ConfigGet): PortkeyClient {
  const s = portkeySettings(get);
  return cachedClient("Portkey", `${s.apiUrl}|${s.apiKey}`, () => new PortkeyClient(s));
}
