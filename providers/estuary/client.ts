// Estuary Flow control-plane client (sandbox/specs/vendor/estuary/NOTES.md), on the shared client layer.
//
// Flow has no REST API for catalog specs: flowctl works through the control plane's PostgREST tables.
// Every change is a draft: create a draft, stage specs (upsert into draft_specs), publish, poll the
// publication until it leaves `queued`, and read draft_errors when it did not succeed.
//
// Auth follows flow-client (crates/flow-client/src/user_auth.rs): the refresh token, base64 of
// {"id","secret"} as flowctl stores it, is exchanged through the RPC generate_access_token for a JWT
// access token, renewed when less than a minute of it is left. A single-use refresh token is answered
// with its successor, which this process keeps using.
import { ESTUARY } from "../../integrations/estuary/keys";
import { requiredSetting, setting } from "../../integrations/keys";
import { type ConfigGet, cachedClient } from "../dynamic";
import {
  ApiClient,
  type ApiClientOptions,
  type AuthStrategy,
  apiError,
  ClientCredentialsAuth,
  HeaderAuth,
  isApiError,
  isSafeUrl,
} from "../http/client";

export interface EstuarySettings {
  /** PostgREST root of the control plane, e.g. https://<project>.supabase.co/rest/v1 */
  apiUrl: string;
  refreshToken: string;
  /** Supabase's public `apikey` header, where the gateway asks for one. */
  apiKey?: string;
  /** Estuary's config-encryption service (sops with Estuary's KMS key), default ESTUARY_DEFAULT_ENCRYPTION_URL. */
  configEncryptionUrl?: string;
}

export type SpecType = "capture" | "collection" | "materialization" | "test";

export interface LiveSpec {
  id: string;
  catalog_name: string;
  spec_type: SpecType | null;
  spec: Record<string, unknown> | null;
  last_pub_id: string;
  updated_at?: string;
}

export interface DraftSpecRow {
  catalog_name: string;
  spec_type: SpecType | null;
  spec: Record<string, unknown> | null;
  expect_pub_id?: string | null;
}

export interface PublishOptions {
  dataPlaneName?: string;
  dryRun?: boolean;
  /** What the publication is for, e.g. "create sophia-ai/production/gong-webhook". */
  detail: string;
}

/** The public control plane's PostgREST root (flowctl's default). */
export const ESTUARY_DEFAULT_API_URL = String(ESTUARY.estuaryApiUrl.defaultValue);
/** Estuary's config-encryption service, as flowctl, the UI and estuary-cdk call it. */
export const ESTUARY_DEFAULT_ENCRYPTION_URL = String(ESTUARY.estuaryConfigEncryptionUrl.defaultValue);
/** The publication id Flow expects for a spec that must not exist yet. */
export const NO_PUB_ID = "00:00:00:00:00:00:00:00";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Settings from the stack config (as handed to a dynamic provider's configure) or the environment, under
 * the names of docs/env-names.md. Not ESTUARY_API_URL / ESTUARY_API_KEY: in the platform's .env files those
 * are Estuary's public API and its key, another thing than the control plane this client talks to.
 */
export function estuarySettings(get: (key: string) => string | undefined): EstuarySettings {
  const apiUrl = requiredSetting("Estuary", ESTUARY.estuaryApiUrl, get);
  const refreshToken = requiredSetting("Estuary", ESTUARY.estuaryRefreshToken, get);
  const apiKey = setting(ESTUARY.estuaryApiKey, get);
  const configEncryptionUrl = requiredSetting("Estuary", ESTUARY.estuaryConfigEncryptionUrl, get);
  // credentials travel to it in plain text: https, or a service on this machine
  if (!isSafeUrl(configEncryptionUrl)) {
    throw new Error(
      `Estuary: ${ESTUARY.estuaryConfigEncryptionUrl.name} must be an https URL (or http on this machine); got ${configEncryptionUrl}`,
    );
  }
  return { apiUrl, refreshToken, apiKey, configEncryptionUrl };
}

/** flowctl's refresh token: base64 of JSON {id, secret} (the JSON itself is accepted too). */
export function parseRefreshToken(token: string): { id: string; secret: string } {
  const trimmed = token.trim();
  for (const text of [trimmed, Buffer.from(trimmed, "base64").toString("utf8")]) {
    try {
      const t = JSON.parse(text);
      if (typeof t?.id === "string" && typeof t?.secret === "string") return { id: t.id, secret: t.secret };
    } catch {
      // try the next reading
    }
  }
  // Never echo the token: it is a credential.
  throw new Error(
    `Estuary: ${ESTUARY.estuaryRefreshToken.name} is not a Flow refresh token (base64 of {"id","secret"})`,
  );
}

/** Seconds until a JWT's `exp`, or undefined when it carries none (its signature is not checked). */
export function jwtSecondsLeft(jwt: string, nowMs = Date.now()): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
    return typeof payload.exp === "number" ? Math.max(0, payload.exp - nowMs / 1000) : undefined;
  } catch {
    return undefined;
  }
}

/** The auth strategy plus fixed PostgREST headers (Accept, Prefer, apikey) for one kind of request. */
class WithHeaders implements AuthStrategy {
  readonly refreshable = true;
  constructor(
    private readonly inner: AuthStrategy,
    private readonly extra: Record<string, string>,
  ) {}
  async headers(force: boolean, refused?: Record<string, string>): Promise<Record<string, string>> {
    return { ...(await this.inner.headers(force, refused)), ...this.extra };
  }
}

/** The successor of each single-use refresh token this process exchanged, by the original's id. */
function refreshSuccessors(): Map<string, { id: string; secret: string }> {
  const g = globalThis as { __sophiaEstuaryRefresh?: Map<string, { id: string; secret: string }> };
  g.__sophiaEstuaryRefresh ??= new Map();
  return g.__sophiaEstuaryRefresh;
}

export class EstuaryClient {
  /** Arrays of rows, representation returned on insert. */
  readonly rest: ApiClient;
  /** One row as an object (Accept: application/vnd.pgrst.object+json). */
  private readonly single: ApiClient;
  /** Upserts (Prefer: resolution=merge-duplicates). */
  private readonly upsert: ApiClient;
  /** The config-encryption service: anonymous, so no Estuary credential travels to it. */
  private readonly encryption: ApiClient;
  private readonly pollIntervalMs: number;
  private readonly publishTimeoutMs: number;

  constructor(
    settings: EstuarySettings,
    extra: Partial<ApiClientOptions> & { pollIntervalMs?: number; publishTimeoutMs?: number } = {},
  ) {
    const { pollIntervalMs, publishTimeoutMs, ...transport } = extra;
    this.pollIntervalMs = pollIntervalMs ?? 250;
    this.publishTimeoutMs = publishTimeoutMs ?? 15 * 60_000;
    const base = settings.apiUrl.replace(/\/+$/, "");
    const apiKey: Record<string, string> = settings.apiKey ? { apikey: settings.apiKey } : {};
    const original = parseRefreshToken(settings.refreshToken);
    // The token exchange is anonymous (no access token yet): only the gateway's apikey goes along.
    const tokenHttp = new ApiClient({
      service: "Estuary",
      baseUrl: base,
      ...transport,
      auth: new HeaderAuth(() => apiKey),
    });
    const tokens = new ClientCredentialsAuth({
      service: "Estuary",
      tokenUrl: `${base}/rpc/generate_access_token`,
      clientId: original.id,
      clientSecret: original.secret,
      skewMs: 60_000, // flow-client renews an access token with less than a minute left
      fetchToken: async () => {
        const current = refreshSuccessors().get(original.id) ?? original;
        const r = await tokenHttp.request<{
          access_token: string;
          refresh_token?: { id: string; secret: string } | null;
        }>("POST", "/rpc/generate_access_token", {
          body: { refresh_token_id: current.id, secret: current.secret },
        });
        if (r.refresh_token) refreshSuccessors().set(original.id, r.refresh_token);
        return { access_token: r.access_token, expires_in: jwtSecondsLeft(r.access_token) };
      },
    });
    const client = (headers: Record<string, string>) =>
      new ApiClient({
        service: "Estuary",
        baseUrl: base,
        ...transport,
        auth: new WithHeaders(tokens, { ...apiKey, ...headers }),
      });
    this.rest = client({ prefer: "return=representation" });
    this.single = client({ accept: "application/vnd.pgrst.object+json", prefer: "return=representation" });
    this.upsert = client({ prefer: "resolution=merge-duplicates,return=representation" });
    this.encryption = new ApiClient({
      service: "Estuary config encryption",
      baseUrl: settings.configEncryptionUrl ?? ESTUARY_DEFAULT_ENCRYPTION_URL,
      ...transport,
    });
  }

  /**
   * Has Estuary's config-encryption service sops-encrypt the properties `schema` marks `secret: true`
   * (each comes back as `<key>_sops`, with a `sops` stanza), so a credential is never stored at Estuary in
   * plain text; Flow decrypts it for the connector. Encrypting twice is harmless, so retries are safe.
   */
  async encryptConfig(config: unknown, schema: Record<string, unknown>) {
    try {
      return await this.encryption.request<Record<string, unknown>>("POST", "/v1/encrypt-config", {
        body: { config, schema },
      });
    } catch (err) {
      // The service's validation errors echo the document (details.document): keep only the message.
      if (isApiError(err)) {
        throw apiError(err.service, err.method, err.path, err.status, err.detail);
      }
      throw err;
    }
  }

  /** The live spec of a catalog name, or undefined when there is none. */
  async liveSpec(catalogName: string): Promise<LiveSpec | undefined> {
    const rows = await this.rest.get<LiveSpec[]>("/live_specs", {
      catalog_name: `eq.${catalogName}`,
      select: "id,catalog_name,spec_type,spec,last_pub_id,updated_at",
    });
    // A deleted spec leaves no row (the control plane may also keep it with a null spec).
    return rows.find((r) => r.spec !== null);
  }

  async createDraft(detail: string): Promise<string> {
    // A nonce in the detail lets a retry after a dropped connection find the draft it already made.
    const tagged = `${detail} [${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}]`;
    const findIt = async () =>
      (
        await this.rest.get<{ id: string }[]>("/drafts", { detail: `eq.${tagged}`, select: "id,created_at" })
      )[0];
    const d = await this.single.request<{ id: string }>("POST", "/drafts", {
      query: { select: "id,created_at" },
      body: { detail: tagged },
      recover: findIt,
    });
    return d.id;
  }

  /** Upserts rows into the draft (same name again replaces its row); idempotent, so safe to retry. */
  async stage(draftId: string, rows: DraftSpecRow[]): Promise<void> {
    await this.upsert.request("POST", "/draft_specs", {
      query: { on_conflict: "draft_id,catalog_name", select: "catalog_name,spec_type" },
      body: rows.map((r) => ({ draft_id: draftId, ...r })),
    });
  }

  async deleteDraft(draftId: string): Promise<void> {
    await this.rest.request("DELETE", "/drafts", { query: { id: `eq.${draftId}`, select: "id,updated_at" } });
  }

  async draftErrors(draftId: string): Promise<{ scope: string; detail: string }[]> {
    return this.rest.get("/draft_errors", { draft_id: `eq.${draftId}`, select: "scope,detail" });
  }

  /** Inserts the publication of a draft; a retry after a dropped connection finds the one already made. */
  async createPublication(draftId: string, o: PublishOptions): Promise<{ id: string; logs_token: string }> {
    const select = "id,logs_token";
    return this.single.request("POST", "/publications", {
      query: { select },
      body: {
        draft_id: draftId,
        dry_run: o.dryRun ?? false,
        detail: o.detail,
        ...(o.dataPlaneName !== undefined ? { data_plane_name: o.dataPlaneName } : {}),
      },
      recover: async () =>
        (await this.rest.get<{ id: string }[]>("/publications", { draft_id: `eq.${draftId}`, select }))[0],
    });
  }

  async publicationStatus(pubId: string): Promise<string> {
    const r = await this.single.get<{ type: string }>("/publications", {
      id: `eq.${pubId}`,
      select: "job_status->>type",
    });
    return r.type;
  }

  /**
   * The whole workflow: draft, stage, publish, poll. Resolves with the publication id on success; otherwise
   * rejects with the final status and the draft's errors verbatim, and removes the draft.
   */
  async publish(rows: DraftSpecRow[], o: PublishOptions): Promise<string> {
    const draftId = await this.createDraft(o.detail);
    let pubId: string | undefined;
    let status = "queued";
    try {
      await this.stage(draftId, rows);
      pubId = (await this.createPublication(draftId, o)).id;
      const deadline = Date.now() + this.publishTimeoutMs;
      // flowctl polls about once a second; start sooner, as most publications finish in a few seconds.
      for (let wait = this.pollIntervalMs; status === "queued"; wait = Math.min(wait * 2, 1000)) {
        if (Date.now() > deadline) {
          throw apiError(
            "Estuary",
            "GET",
            "/publications",
            undefined,
            `publication ${pubId} is still queued after ${Math.round(this.publishTimeoutMs / 1000)} s`,
          );
        }
        await sleep(wait);
        status = await this.publicationStatus(pubId);
      }
      if (status === "success") return pubId;
      const errors = await this.draftErrors(draftId);
      const hint =
        status === "expectPubIdMismatch"
          ? " (the spec was changed elsewhere since it was last read: run `pulumi refresh`, then retry)"
          : "";
      throw apiError(
        "Estuary",
        "POST",
        "/publications",
        undefined,
        `publication ${pubId} of ${rows.map((r) => r.catalog_name).join(", ")} ended with ${status}${hint}${
          errors.length ? `: ${errors.map((e) => `${e.scope}: ${e.detail}`).join("; ")}` : ""
        }`,
        { status, errors },
      );
    } finally {
      // A published draft is deleted by the control plane; any other is ours to clean up.
      if (status !== "success" || o.dryRun) await this.deleteDraft(draftId).catch(() => undefined);
    }
  }
}

/** The client for the configured stack (provider process), built once per settings and shared. */
export function configuredEstuary(get: ConfigGet): EstuaryClient {
  const s = estuarySettings(get);
  const key = `${s.apiUrl}|${parseRefreshToken(s.refreshToken).id}|${s.refreshToken.length}`;
  return cachedClient("Estuary", key, () => new EstuaryClient(s));
}
