// The Estuary stand-in's tables (as PostgREST rows), credentials and identifiers.
import { randomBytes } from "node:crypto";

export const REFRESH_ID = "0f:a1:00:00:00:00:00:01";
export const REFRESH_SECRET = "sandbox-estuary-refresh-secret";

export const ESTUARY_SANDBOX = {
  refreshTokenId: REFRESH_ID,
  refreshTokenSecret: REFRESH_SECRET,
  /** The refresh token as flowctl stores it (FLOW_AUTH_TOKEN): base64 of {"id","secret"}. */
  refreshToken: Buffer.from(JSON.stringify({ id: REFRESH_ID, secret: REFRESH_SECRET })).toString("base64"),
  /** The catalog prefix the sandbox user is authorized for. */
  tenant: "sophia-ai/",
  dataPlane: "ops/dp/public/local-cluster",
  /** Path below the sandbox URL of the PostgREST root (the real one is https://<project>.supabase.co/rest/v1). */
  restPath: "/rest/v1",
};

/** Flow's "must not exist yet" publication id. */
export const ZERO_ID = "00:00:00:00:00:00:00:00";

/** The KMS key the sandbox's sops documents name (Estuary's is a Google Cloud KMS key). */
export const ESTUARY_KMS_KEY_ID =
  "projects/estuary-sandbox/locations/us-central1/keyRings/config-encryption/cryptoKeys/sandbox";

/** A binding of a capture (target), a materialization (source) or an HTTP-ingest capture (resource.path). */
export interface Binding {
  target?: string;
  source?: unknown;
  resource?: { path?: string };
}

/** The parts of a Flow catalog spec the stand-in reads (the rest is checked against flow.schema.json). */
export interface FlowSpec {
  bindings?: Binding[];
  derivation?: { transform?: Record<string, { source?: { name?: string } }> };
  endpoint?: { connector?: { config?: Record<string, unknown> } };
  [key: string]: unknown;
}

export interface Draft {
  id: string;
  created_at: string;
  updated_at: string;
  detail: string | null;
}

/** A staged spec of a draft; spec and spec_type both null is a deletion. */
export interface DraftSpec {
  draft_id: string;
  catalog_name: string;
  spec_type: string | null;
  spec: FlowSpec | null;
  expect_pub_id: string | null;
}

export interface DraftError {
  draft_id: string;
  scope: string;
  detail: string;
}

export interface Publication {
  id: string;
  draft_id: string;
  dry_run: boolean;
  detail: string | null;
  data_plane_name: string | null;
  logs_token: string;
  created_at: string;
  updated_at: string;
  job_status: { type: string };
  /** Polls seen while queued (hidden: PostgREST shows no column starting with "_"). */
  _polls?: number;
  /** The publication id a successful publication wrote to live_specs. */
  _pub_id?: string;
}

export interface LiveSpec {
  id: string;
  catalog_name: string;
  spec_type: string;
  spec: FlowSpec;
  last_pub_id: string;
  created_at: string;
  updated_at: string;
}

export interface EstuaryState {
  refreshTokens: Record<string, { id: string; secret: string; multiUse: boolean }>;
  tokens: Record<string, number>;
  drafts: Record<string, Draft>;
  draft_specs: Record<string, DraftSpec>;
  publications: Record<string, Publication>;
  draft_errors: Record<string, DraftError>;
  live_specs: Record<string, LiveSpec>;
  ingested: Record<string, { id: string; collection: unknown; doc: unknown; at: string }>;
  /** The config-encryption service's KMS key (hex); the one thing that can open a sops document. */
  kmsKey?: string;
}

export const now = () => new Date().toISOString();
/** An id in Flow's form: 8 bytes as colon-separated hex pairs. */
export const flowId = () => randomBytes(8).toString("hex").match(/../g)!.join(":");

export const liveByName = (state: EstuaryState, name: string): LiveSpec | undefined =>
  Object.values(state.live_specs).find((l) => l.catalog_name === name);

/** Deletes a draft with its staged specs and its errors. */
export function dropDraft(state: EstuaryState, draftId: string): void {
  delete state.drafts[draftId];
  for (const [k, r] of Object.entries(state.draft_specs))
    if (r.draft_id === draftId) delete state.draft_specs[k];
  clearDraftErrors(state, draftId);
}

export function clearDraftErrors(state: EstuaryState, draftId: string): void {
  for (const [k, r] of Object.entries(state.draft_errors))
    if (r.draft_id === draftId) delete state.draft_errors[k];
}
