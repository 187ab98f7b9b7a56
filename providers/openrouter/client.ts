// OpenRouter management API client (sandbox/specs/vendor/openrouter/openapi.yaml), on the shared client
// layer: API keys (list, createKeys, getKey, updateKeys, deleteKeys) with a management key as Bearer,
// and the model catalogue (getModels) that model allow-lists and fallback orders are validated against.
import { requiredSetting } from "../../integrations/keys";
import { OPENROUTER } from "../../integrations/openrouter/keys";
import { type ConfigGet, cachedClient } from "../dynamic";
import { ApiClient, type ApiClientOptions, bearerAuth, HeaderAuth } from "../http/client";

export interface OpenRouterSettings {
  /** Base URL of the API (openrouterApiUrl; its default in integrations/openrouter/keys.ts) */
  apiUrl: string;
  managementKey: string;
}

/** An API key as the API describes it (never with its key string, which only createKeys returns). */
export interface ApiKeyResponse {
  hash: string;
  name: string;
  label: string;
  disabled: boolean;
  limit: number | null;
  limit_remaining: number | null;
  limit_reset: string | null;
  include_byok_in_limit: boolean;
  usage: number;
  expires_at?: string | null;
  created_at: string;
  updated_at: string | null;
  workspace_id: string;
}

export interface ApiKeyBody {
  name?: string;
  limit?: number | null;
  limit_reset?: "daily" | "weekly" | "monthly" | null;
  expires_at?: string | null;
  include_byok_in_limit?: boolean;
  disabled?: boolean;
}

export interface ModelInfo {
  id: string;
  canonical_slug: string;
  name: string;
  expiration_date?: string | null;
}

/** Settings from the stack config (as handed to a dynamic provider's configure) or the environment. */
export function openrouterSettings(get: (key: string) => string | undefined): OpenRouterSettings {
  return {
    apiUrl: requiredSetting("OpenRouter", OPENROUTER.openrouterApiUrl, get),
    managementKey: requiredSetting("OpenRouter", OPENROUTER.openrouterManagementKey, get),
  };
}

export class OpenRouterClient {
  readonly http: ApiClient;

  constructor(settings: OpenRouterSettings, extra: Partial<ApiClientOptions> = {}) {
    const key = settings.managementKey;
    this.http = new ApiClient({
      service: "OpenRouter",
      baseUrl: settings.apiUrl,
      ...extra,
      auth: new HeaderAuth(() => bearerAuth(key)),
    });
  }

  /** Every API key of the default workspace, disabled ones included (offset pagination). */
  async listKeys(): Promise<ApiKeyResponse[]> {
    const out: ApiKeyResponse[] = [];
    for (let offset = 0; ; ) {
      const page = await this.http.get<{ data: ApiKeyResponse[] }>("/keys", {
        include_disabled: "true",
        offset,
      });
      out.push(...page.data);
      if (page.data.length === 0) return out;
      offset += page.data.length;
    }
  }
  async getKey(hash: string): Promise<ApiKeyResponse | undefined> {
    const r = await this.http.getOrGone<{ data: ApiKeyResponse }>(`/keys/${encodeURIComponent(hash)}`);
    return r?.data;
  }
  /** The one response that carries the key string. `recover` runs before a retry after an ambiguous failure. */
  async createKey(
    body: ApiKeyBody,
    recover?: () => Promise<unknown>,
  ): Promise<{ data: ApiKeyResponse; key: string }> {
    return this.http.request("POST", "/keys", { body, recover });
  }
  async updateKey(hash: string, body: ApiKeyBody): Promise<ApiKeyResponse> {
    const r = await this.http.request<{ data: ApiKeyResponse }>(
      "PATCH",
      `/keys/${encodeURIComponent(hash)}`,
      {
        body,
      },
    );
    return r.data;
  }
  deleteKey(hash: string): Promise<void> {
    return this.http.deleteOrGone(`/keys/${encodeURIComponent(hash)}`);
  }
  /** The whole catalogue, every output modality (the full list is returned without offset/limit). */
  async listModels(): Promise<ModelInfo[]> {
    const r = await this.http.get<{ data: ModelInfo[] }>("/models", { output_modalities: "all" });
    return r.data;
  }
}

/** The client for the configured stack (provider process), built once per settings and shared. */
export function configuredOpenRouter(get: ConfigGet): OpenRouterClient {
  const s = openrouterSettings(get);
  const key = `${s.apiUrl}|${s.managementKey.slice(-6)}|${s.managementKey.length}`;
  return cachedClient("OpenRouter", key, () => new OpenRouterClient(s));
}

// ---- model policy validation (used by the ModelPolicy resource and by `sophia check`) ----

export interface ModelProblem {
  /** "allow" or "fallbacks". */
  list: "allow" | "fallbacks";
  index: number;
  model: string;
  /** Close matches from the catalogue, best first. */
  suggestions: string[];
}

export interface ModelValidation {
  ok: boolean;
  problems: ModelProblem[];
  /** One line per problem, e.g. `models.allow[1]: unknown model "openai/gpt4o" (did you mean "openai/gpt-4o"?)`. */
  messages: string[];
  /** How many models the catalogue holds. */
  catalogueSize: number;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** Up to three catalogue ids close to `model` (edit distance, or the same slug under another author). */
export function closeMatches(model: string, ids: string[]): string[] {
  const m = model.toLowerCase();
  const slug = m.split("/").pop() ?? m;
  const scored = ids
    .map((id) => {
      const l = id.toLowerCase();
      const idSlug = l.split("/").pop() ?? l;
      const d = Math.min(distance(m, l), distance(slug, idSlug) + 1);
      return { id, d: l.includes(m) || m.includes(l) ? Math.min(d, 2) : d };
    })
    .filter((s) => s.d <= Math.max(2, Math.floor(m.length / 8)))
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id));
  return scored.slice(0, 3).map((s) => s.id);
}

/** Checks the ids in `allow` and `fallbacks` against a catalogue (pure: no API call). */
export function validateAgainst(
  ids: string[],
  models: { allow?: string[]; fallbacks?: string[] },
  prefix = "models",
): ModelValidation {
  const problems: ModelProblem[] = [];
  for (const list of ["allow", "fallbacks"] as const) {
    (models[list] ?? []).forEach((model, index) => {
      if (!ids.includes(model)) problems.push({ list, index, model, suggestions: closeMatches(model, ids) });
    });
  }
  const messages = problems.map(
    (p) =>
      `${prefix}.${p.list}[${p.index}]: unknown model "${p.model}"` +
      (p.suggestions.length
        ? ` (did you mean ${p.suggestions.map((s) => `"${s}"`).join(", ")}?)`
        : " (no close match in OpenRouter's catalogue)"),
  );
  return { ok: problems.length === 0, problems, messages, catalogueSize: ids.length };
}

/** Validates a model allow-list and fallback order against OpenRouter's `GET /models`. */
export async function validateModels(
  client: OpenRouterClient,
  models: { allow?: string[]; fallbacks?: string[] },
  prefix = "models",
): Promise<ModelValidation> {
  const catalogue = await client.listModels();
  return validateAgainst(
    catalogue.map((m) => m.id),
    models,
    prefix,
  );
}
