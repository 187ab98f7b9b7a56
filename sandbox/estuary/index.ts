// Stand-in for Estuary Flow's control plane, as flowctl reaches it: PostgREST tables on Supabase
// (sandbox/specs/vendor/estuary/NOTES.md; the description served is specs/estuary-postgrest.yaml).
//
// Faithful where the project depends on it:
// - auth (auth.ts): a refresh token ({id, secret}, base64 JSON as flowctl stores it) is exchanged through
//   the RPC generate_access_token for a short-lived JWT (settings.tokenLifetimeSeconds); expired → 401
//   PGRST301.
// - drafts → draft_specs (drafts.ts; upsert on draft_id,catalog_name with Prefer
//   resolution=merge-duplicates) → publications (publications.ts; queued for settings.queuedPolls polls)
//   → success | buildFailed | expectPubIdMismatch | emptyDraft, with draft_errors {scope, detail}; a
//   staged spec is built (build.ts) by validating it against the matching definition of
//   flow.schema.json and checking its references to collections.
// - success writes live_specs with a new publication id and deletes the draft; a null spec deletes.
// - PostgREST (postgrest.ts): select=, eq./in./like. filters, Prefer return=representation, single
//   objects with Accept application/vnd.pgrst.object+json (406 PGRST116 otherwise), errors {code,
//   message, details, hint}.
// - /ingest/<capture>/<path> (liveSpecs.ts): the HTTP-ingest capture's webhook, which accepts a document
//   only with the bearer token in the capture's live endpoint config (require_auth_token), decrypted first
//   when the config is sops-encrypted, as Flow's runtime decrypts a config before handing it to the
//   connector.
// - /v1/encrypt-config (encryption.ts): the config-encryption service (sops with a KMS key the stand-in
//   keeps; ../sops.ts).
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "../core";
import { sortedDeep } from "../core/util";
import { OpenApiSpec } from "../openapi";
import { sopsDecrypt } from "../sops";
import { authRoutes } from "./auth";
import { flowValidators } from "./build";
import { draftRoutes } from "./drafts";
import { encryptionRoutes } from "./encryption";
import { liveSpecRoutes } from "./liveSpecs";
import { pgError } from "./postgrest";
import { publicationRoutes } from "./publications";
import { type EstuaryState, type FlowSpec, REFRESH_ID, REFRESH_SECRET } from "./state";

export { flowValidators } from "./build";
export { ESTUARY_KMS_KEY_ID, ESTUARY_SANDBOX, ZERO_ID } from "./state";

export class EstuarySandbox extends Service<EstuaryState> {
  readonly name = "estuary";
  readonly spec = new OpenApiSpec(path.join(__dirname, "..", "specs", "estuary-postgrest.yaml"));
  readonly validators = flowValidators();

  constructor() {
    super();
    const tables = [
      authRoutes(this),
      draftRoutes(this),
      publicationRoutes(this),
      liveSpecRoutes(this),
      encryptionRoutes(this),
    ];
    for (const table of tables)
      for (const [operationId, handler] of Object.entries(table)) this.on(operationId, handler);
  }

  protected seed(): EstuaryState {
    return {
      refreshTokens: { [REFRESH_ID]: { id: REFRESH_ID, secret: REFRESH_SECRET, multiUse: true } },
      tokens: {},
      drafts: {},
      draft_specs: {},
      publications: {},
      draft_errors: {},
      live_specs: {},
      ingested: {},
      kmsKey: randomBytes(32).toString("hex"),
    };
  }

  /** What Flow's runtime hands the connector: the stored (sorted) endpoint config, decrypted. */
  connectorConfig(spec: FlowSpec): Record<string, unknown> {
    const config = spec.endpoint?.connector?.config ?? {};
    return sopsDecrypt(sortedDeep(config) as Record<string, unknown>, this.kms());
  }

  /** The config-encryption service's KMS key. */
  kms(): Buffer {
    if (!this.state.kmsKey) {
      // data written before the stand-in kept a key: make one, and keep it
      this.state.kmsKey = randomBytes(32).toString("hex");
      this.save();
    }
    return Buffer.from(this.state.kmsKey, "hex");
  }

  problem(status: number, title: string, detail: string): Reply {
    const code = status === 429 ? "PGRST429" : status >= 500 ? "PGRST000" : `PGRST${status}`;
    return { status, body: { code, message: detail, details: null, hint: title } };
  }

  expireTokens(): void {
    this.state.tokens = {};
  }

  get tokenLifetime(): number {
    return Number(this.settings.tokenLifetimeSeconds ?? 3600);
  }

  protected authenticate(ctx: Ctx, op: { operationId: string; template: string }): Reply | undefined {
    // the token exchange, the ingest webhook (its own bearer token) and config encryption take no session
    if (["generateAccessToken", "ingestDocument", "encryptConfig"].includes(op.operationId)) return undefined;
    const auth = String(ctx.headers.authorization ?? "");
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    const table = op.template.split("/").pop();
    if (!token) return pgError(401, "42501", `permission denied for table ${table}`);
    const expiresAt = this.state.tokens[token];
    if (expiresAt === undefined) return pgError(401, "PGRST301", "JWSError JWSInvalidSignature");
    if (expiresAt <= Date.now()) {
      delete this.state.tokens[token];
      return pgError(401, "PGRST301", "JWT expired");
    }
    return undefined;
  }
}
