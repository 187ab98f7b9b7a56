// Stand-in for Estuary Flow's control plane, as flowctl reaches it: PostgREST tables on Supabase
// (sandbox/specs/vendor/estuary/NOTES.md; the description served is specs/estuary-postgrest.yaml).
//
// Faithful where the project depends on it:
// - auth: a refresh token ({id, secret}, base64 JSON as flowctl stores it) is exchanged through the RPC
//   generate_access_token for a short-lived JWT (settings.tokenLifetimeSeconds); expired → 401 PGRST301.
// - drafts → draft_specs (upsert on draft_id,catalog_name with Prefer resolution=merge-duplicates) →
//   publications (queued for settings.queuedPolls polls) → success | buildFailed | expectPubIdMismatch |
//   emptyDraft, with draft_errors {scope, detail}; a staged spec is built by validating it against the
//   matching definition of flow.schema.json and checking its references to collections.
// - success writes live_specs with a new publication id and deletes the draft; a null spec deletes.
// - PostgREST: select=, eq./in./like. filters, Prefer return=representation, single objects with
//   Accept application/vnd.pgrst.object+json (406 PGRST116 otherwise), errors {code, message, details, hint}.
// - /ingest/<capture>/<path>: the HTTP-ingest capture's webhook, which accepts a document only with the
//   bearer token in the capture's live endpoint config (require_auth_token), decrypted first when the
//   config is sops-encrypted, as Flow's runtime decrypts a config before handing it to the connector.
// - /v1/encrypt-config: the config-encryption service (sops with a KMS key the stand-in keeps; ./sops.ts).
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { ValidateFunction } from "ajv";
import Ajv2019 from "ajv/dist/2019";
import addFormats from "ajv-formats";
import { sortedDeep } from "../providers/dynamic";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec, vendorSpecDir } from "./openapi";
import { EncryptionRequestError, sopsDecrypt, sopsEncrypt } from "./sops";

const REFRESH_ID = "0f:a1:00:00:00:00:00:01";
const REFRESH_SECRET = "sandbox-estuary-refresh-secret";

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

type Row = Record<string, any>;

interface EstuaryState {
  refreshTokens: Record<string, { id: string; secret: string; multiUse: boolean }>;
  tokens: Record<string, number>;
  drafts: Record<string, Row>;
  draft_specs: Record<string, Row>;
  publications: Record<string, Row>;
  draft_errors: Record<string, Row>;
  live_specs: Record<string, Row>;
  ingested: Record<string, Row>;
  /** The config-encryption service's KMS key (hex); the one thing that can open a sops document. */
  kmsKey?: string;
}

/** The KMS key the sandbox's sops documents name (Estuary's is a Google Cloud KMS key). */
export const ESTUARY_KMS_KEY_ID =
  "projects/estuary-sandbox/locations/us-central1/keyRings/config-encryption/cryptoKeys/sandbox";

const JWT_KEY = "sandbox-jwt-signing-key";
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const now = () => new Date().toISOString();
const flowId = () => randomBytes(8).toString("hex").match(/../g)!.join(":");

/** The definition of flow.schema.json a staged spec of each type must match (validators by spec type). */
const DEFINITIONS: Record<string, object> = {
  capture: { $ref: "flow#/definitions/CaptureDef" },
  collection: { $ref: "flow#/definitions/CollectionDef" },
  materialization: { $ref: "flow#/definitions/MaterializationDef" },
  test: { type: "array", items: { $ref: "flow#/definitions/TestStep" } },
};

export function flowValidators(): Record<string, ValidateFunction> {
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addFormat("uint32", true);
  const schema = JSON.parse(readFileSync(path.join(vendorSpecDir(), "estuary", "flow.schema.json"), "utf8"));
  delete schema.$schema;
  ajv.addSchema({ ...schema, $id: "flow" });
  return Object.fromEntries(Object.entries(DEFINITIONS).map(([k, s]) => [k, ajv.compile(s)]));
}

/** PostgREST filter `op.value` on one column. */
function matches(value: unknown, filter: string): boolean {
  const dot = filter.indexOf(".");
  const op = filter.slice(0, dot);
  const arg = filter.slice(dot + 1);
  const v = value === null || value === undefined ? "null" : String(value);
  if (op === "eq") return v === arg;
  if (op === "in") {
    const list = arg.replace(/^\(|\)$/g, "").split(",");
    return list.map((x) => x.replace(/^"|"$/g, "")).includes(v);
  }
  if (op === "like") {
    const re = new RegExp(`^${arg.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*|%/g, ".*")}$`);
    return re.test(v);
  }
  if (op === "is") return arg === "null" ? value === null || value === undefined : v === arg;
  return false;
}

/** `select=a,b,json->>key` applied to a row ("json->>key" is named "key", as PostgREST names it). */
function project(row: Row, select: string | undefined): Row {
  const visible = Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith("_")));
  if (!select || select === "*") return visible;
  const out: Row = {};
  for (const col of select.split(",")) {
    const arrow = col.indexOf("->>");
    if (arrow > 0) {
      const obj = visible[col.slice(0, arrow)];
      out[col.slice(arrow + 3)] = obj?.[col.slice(arrow + 3)] ?? null;
    } else if (col in visible) {
      out[col] = visible[col];
    }
  }
  return out;
}

export class EstuarySandbox extends Service<EstuaryState> {
  readonly name = "estuary";
  readonly spec = new OpenApiSpec(path.join(__dirname, "specs", "estuary-postgrest.yaml"));
  private readonly validators = flowValidators();

  constructor() {
    super();
    this.routes();
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
  private connectorConfig(spec: Row): Row {
    const config = spec.endpoint?.connector?.config ?? {};
    return sopsDecrypt(sortedDeep(config) as Row, this.kms());
  }

  private kms(): Buffer {
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

  private pgError(status: number, code: string, message: string, details: string | null = null): Reply {
    return { status, body: { code, message, details, hint: null } };
  }

  expireTokens(): void {
    this.state.tokens = {};
  }

  private get tokenLifetime(): number {
    return Number(this.settings.tokenLifetimeSeconds ?? 3600);
  }

  protected authenticate(ctx: Ctx, op: { operationId: string; template: string }): Reply | undefined {
    // the token exchange, the ingest webhook (its own bearer token) and config encryption take no session
    if (["generateAccessToken", "ingestDocument", "encryptConfig"].includes(op.operationId)) return undefined;
    const auth = String(ctx.headers.authorization ?? "");
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    const table = op.template.split("/").pop();
    if (!token) return this.pgError(401, "42501", `permission denied for table ${table}`);
    const expiresAt = this.state.tokens[token];
    if (expiresAt === undefined) return this.pgError(401, "PGRST301", "JWSError JWSInvalidSignature");
    if (expiresAt <= Date.now()) {
      delete this.state.tokens[token];
      return this.pgError(401, "PGRST301", "JWT expired");
    }
    return undefined;
  }

  // ---- PostgREST plumbing ----

  private filtered(ctx: Ctx, rows: Row[], columns: string[]): Row[] {
    return rows.filter((r) =>
      columns.every((c) => {
        const f = ctx.query[c];
        if (f === undefined) return true;
        return (Array.isArray(f) ? f : [f]).every((x) => matches(r[c], x));
      }),
    );
  }

  private wantsObject(ctx: Ctx): boolean {
    return String(ctx.headers.accept ?? "").includes("application/vnd.pgrst.object+json");
  }

  private prefer(ctx: Ctx, what: string): boolean {
    return String(ctx.headers.prefer ?? "")
      .split(",")
      .map((s) => s.trim())
      .includes(what);
  }

  /** Rows as PostgREST answers them: selected columns, an array, or one object when asked for. */
  private rows(ctx: Ctx, rows: Row[], status = 200): Reply {
    if (status === 201 && !this.prefer(ctx, "return=representation")) return { status };
    const body = rows.map((r) => project(r, ctx.query.select as string | undefined));
    if (!this.wantsObject(ctx)) return { status, body };
    if (body.length !== 1) {
      return this.pgError(
        406,
        "PGRST116",
        "JSON object requested, multiple (or no) rows returned",
        `The result contains ${body.length} rows`,
      );
    }
    return { status, body: body[0], headers: { "content-type": "application/vnd.pgrst.object+json" } };
  }

  private liveByName(name: string): Row | undefined {
    return Object.values(this.state.live_specs).find((l) => l.catalog_name === name);
  }

  private specsOf(draftId: string): Row[] {
    return Object.values(this.state.draft_specs).filter((r) => r.draft_id === draftId);
  }

  private dropDraft(draftId: string): void {
    delete this.state.drafts[draftId];
    for (const [k, r] of Object.entries(this.state.draft_specs))
      if (r.draft_id === draftId) delete this.state.draft_specs[k];
    for (const [k, r] of Object.entries(this.state.draft_errors))
      if (r.draft_id === draftId) delete this.state.draft_errors[k];
  }

  // ---- the publication job ----

  /** Advances a queued publication by one poll; at the end of its queue it is carried out. */
  private advance(pub: Row): void {
    if (pub.job_status.type !== "queued") return;
    pub._polls = (pub._polls ?? 0) + 1;
    if (pub._polls <= Number(this.settings.queuedPolls ?? 1)) return;
    pub.job_status = { type: this.carryOut(pub) };
    pub.updated_at = now();
  }

  private carryOut(pub: Row): string {
    const draftId = pub.draft_id;
    const specs = this.specsOf(draftId);
    for (const [k, r] of Object.entries(this.state.draft_errors))
      if (r.draft_id === draftId) delete this.state.draft_errors[k];
    const fail = (status: string, errors: { scope: string; detail: string }[]) => {
      for (const e of errors) this.state.draft_errors[randomUUID()] = { draft_id: draftId, ...e };
      return status;
    };
    if (!this.state.drafts[draftId] || specs.length === 0) return "emptyDraft";
    const scope = (r: Row) =>
      `flow://${r.spec_type ?? this.liveByName(r.catalog_name)?.spec_type}/${r.catalog_name}`;

    const mismatched = specs.filter(
      (r) =>
        r.expect_pub_id !== null &&
        r.expect_pub_id !== undefined &&
        (this.liveByName(r.catalog_name)?.last_pub_id ?? ZERO_ID) !== r.expect_pub_id,
    );
    if (mismatched.length) {
      return fail(
        "expectPubIdMismatch",
        mismatched.map((r) => ({
          scope: scope(r),
          detail: `expected publication ID ${r.expect_pub_id} was not matched (it's actually ${this.liveByName(r.catalog_name)?.last_pub_id ?? ZERO_ID}): your changes have already been published or another publication has modified this spec; please try again with a fresh copy of the spec.`,
        })),
      );
    }

    // The catalog as it would be after this publication, for reference checks.
    const deleted = specs.filter((r) => r.spec === null).map((r) => r.catalog_name);
    const after: Record<string, Row> = {};
    for (const l of Object.values(this.state.live_specs)) after[l.catalog_name] = l;
    for (const r of specs) {
      if (r.spec === null) delete after[r.catalog_name];
      else after[r.catalog_name] = r;
    }
    const isCollection = (n: string) => after[n]?.spec_type === "collection";

    const errors: { scope: string; detail: string }[] = [];
    for (const r of specs) {
      const live = this.liveByName(r.catalog_name);
      if (!r.catalog_name.startsWith(ESTUARY_SANDBOX.tenant)) {
        errors.push({
          scope: scope(r),
          detail: `User is not authorized to create or change ${r.catalog_name} (authorized prefix: ${ESTUARY_SANDBOX.tenant})`,
        });
        continue;
      }
      if (r.spec === null) {
        if (!live)
          errors.push({ scope: scope(r), detail: `cannot delete ${r.catalog_name}: it does not exist` });
        continue;
      }
      if (live && live.spec_type !== r.spec_type) {
        errors.push({
          scope: scope(r),
          detail: `${r.catalog_name} is a live ${live.spec_type} and cannot become a ${r.spec_type}`,
        });
        continue;
      }
      const spec: Row = r.spec;
      const validate = this.validators[r.spec_type];
      if (!validate(spec)) {
        for (const e of validate.errors ?? []) {
          errors.push({ scope: `${scope(r)}${e.instancePath}`, detail: `${e.message}` });
        }
        continue;
      }
      // Flow decrypts an endpoint config (as stored: sorted) to validate it with its connector
      try {
        this.connectorConfig(spec);
      } catch (err) {
        errors.push({
          scope: `${scope(r)}/endpoint/connector/config`,
          detail: `decrypting the endpoint config failed: ${(err as Error).message}`,
        });
        continue;
      }
      const refs: string[] = [];
      if (r.spec_type === "capture") refs.push(...(spec.bindings ?? []).map((b: Row) => b.target));
      if (r.spec_type === "materialization") refs.push(...(spec.bindings ?? []).map((b: Row) => b.source));
      if (r.spec_type === "collection" && spec.derivation) {
        refs.push(...Object.values<Row>(spec.derivation.transform ?? {}).map((t) => t.source.name));
      }
      for (const ref of refs.filter((n) => !isCollection(n))) {
        errors.push({ scope: scope(r), detail: `referenced collection ${ref} does not exist` });
      }
    }
    // A collection may not be deleted while a remaining task still reads or writes it.
    for (const name of deleted) {
      for (const other of Object.values(after)) {
        const s = other.spec ?? {};
        const uses =
          (s.bindings ?? []).some((b: Row) => b.target === name || b.source === name) ||
          Object.values<Row>(s.derivation?.transform ?? {}).some((t) => t.source?.name === name);
        if (uses) {
          errors.push({
            scope: `flow://collection/${name}`,
            detail: `collection ${name} is still used by ${other.catalog_name}`,
          });
        }
      }
    }
    if (errors.length) return fail("buildFailed", errors);
    if (pub.dry_run) return "success";

    const pubId = flowId();
    for (const r of specs) {
      const live = this.liveByName(r.catalog_name);
      if (r.spec === null) {
        if (live) delete this.state.live_specs[live.id];
        continue;
      }
      const id = live?.id ?? flowId();
      this.state.live_specs[id] = {
        id,
        catalog_name: r.catalog_name,
        spec_type: r.spec_type,
        spec: r.spec,
        last_pub_id: pubId,
        created_at: live?.created_at ?? now(),
        updated_at: now(),
      };
    }
    pub._pub_id = pubId;
    this.dropDraft(draftId);
    return "success";
  }

  // ---- routes ----

  private routes(): void {
    this.on("generateAccessToken", (ctx) => {
      const b = ctx.body;
      const rt = this.state.refreshTokens[b.refresh_token_id];
      if (!rt || rt.secret !== b.secret) return this.pgError(400, "P0001", "invalid refresh token or secret");
      const lifetime = this.tokenLifetime;
      const iat = Math.floor(Date.now() / 1000);
      const head = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({
        sub: "00000000-0000-4000-8000-000000000001",
        role: "authenticated",
        iat,
        exp: iat + lifetime,
        jti: randomUUID(),
      })}`;
      const token = `${head}.${createHmac("sha256", JWT_KEY).update(head).digest("base64url")}`;
      this.state.tokens[token] = Date.now() + lifetime * 1000;
      let next: { id: string; secret: string } | null = null;
      if (!rt.multiUse) {
        delete this.state.refreshTokens[rt.id];
        next = { id: flowId(), secret: randomBytes(16).toString("hex") };
        this.state.refreshTokens[next.id] = { ...next, multiUse: false };
      }
      this.save();
      return { status: 200, body: { access_token: token, refresh_token: next } };
    });

    this.on("listDrafts", (ctx) =>
      this.rows(ctx, this.filtered(ctx, Object.values(this.state.drafts), ["id", "detail"])),
    );
    this.on("createDraft", (ctx) => {
      const id = flowId();
      const draft = { id, created_at: now(), updated_at: now(), detail: ctx.body.detail ?? null };
      this.state.drafts[id] = draft;
      this.save();
      return this.rows(ctx, [draft], 201);
    });
    this.on("deleteDrafts", (ctx) => {
      const gone = this.filtered(ctx, Object.values(this.state.drafts), ["id"]);
      for (const d of gone) this.dropDraft(d.id);
      this.save();
      return this.prefer(ctx, "return=representation") ? this.rows(ctx, gone) : { status: 204 };
    });

    this.on("upsertDraftSpecs", (ctx) => {
      const incoming: Row[] = Array.isArray(ctx.body) ? ctx.body : [ctx.body];
      const merge = this.prefer(ctx, "resolution=merge-duplicates");
      const out: Row[] = [];
      for (const r of incoming) {
        if (!this.state.drafts[r.draft_id]) {
          return this.pgError(
            409,
            "23503",
            'insert or update on table "draft_specs" violates foreign key constraint "draft_specs_draft_id_fkey"',
            `Key (draft_id)=(${r.draft_id}) is not present in table "drafts".`,
          );
        }
        if (((r.spec ?? null) === null) !== ((r.spec_type ?? null) === null)) {
          return this.pgError(
            400,
            "23514",
            'new row for relation "draft_specs" violates check constraint "draft_specs_spec_type_check"',
            "spec and spec_type are both null (a deletion) or both set",
          );
        }
        const key = `${r.draft_id}|${r.catalog_name}`;
        if (this.state.draft_specs[key] && !merge) {
          return this.pgError(
            409,
            "23505",
            'duplicate key value violates unique constraint "draft_specs_pkey"',
            `Key (draft_id, catalog_name)=(${r.draft_id}, ${r.catalog_name}) already exists.`,
          );
        }
        const row = {
          draft_id: r.draft_id,
          catalog_name: r.catalog_name,
          spec_type: r.spec_type ?? null,
          spec: r.spec ?? null,
          expect_pub_id: r.expect_pub_id ?? null,
        };
        this.state.draft_specs[key] = row;
        out.push(row);
      }
      this.state.drafts[incoming[0].draft_id].updated_at = now();
      this.save();
      return this.rows(ctx, out, 201);
    });
    this.on("deleteDraftSpecs", (ctx) => {
      const gone = this.filtered(ctx, Object.values(this.state.draft_specs), ["draft_id"]);
      for (const r of gone) delete this.state.draft_specs[`${r.draft_id}|${r.catalog_name}`];
      this.save();
      return this.prefer(ctx, "return=representation") ? this.rows(ctx, gone) : { status: 204 };
    });

    this.on("createPublication", (ctx) => {
      const b = ctx.body;
      if (!this.state.drafts[b.draft_id]) {
        return this.pgError(
          409,
          "23503",
          'insert or update on table "publications" violates foreign key constraint "publications_draft_id_fkey"',
          `Key (draft_id)=(${b.draft_id}) is not present in table "drafts".`,
        );
      }
      const id = flowId();
      const pub = {
        id,
        draft_id: b.draft_id,
        dry_run: b.dry_run ?? false,
        detail: b.detail ?? null,
        data_plane_name: b.data_plane_name ?? null,
        logs_token: randomUUID(),
        created_at: now(),
        updated_at: now(),
        job_status: { type: "queued" },
      };
      this.state.publications[id] = pub;
      this.save();
      return this.rows(ctx, [pub], 201);
    });
    this.on("getPublications", (ctx) => {
      const found = this.filtered(ctx, Object.values(this.state.publications), ["id", "draft_id"]);
      for (const p of found) this.advance(p);
      this.save();
      return this.rows(ctx, found);
    });

    this.on("listDraftErrors", (ctx) =>
      this.rows(ctx, this.filtered(ctx, Object.values(this.state.draft_errors), ["draft_id"])),
    );
    this.on("listLiveSpecs", (ctx) =>
      this.rows(ctx, this.filtered(ctx, Object.values(this.state.live_specs), ["id", "catalog_name"])),
    );

    this.on("encryptConfig", (ctx) => {
      const { config, schema } = ctx.body;
      // a broken service, for tests: answers the config as it came
      if (this.settings.encryptionEchoesPlaintext) return { status: 200, body: config };
      try {
        return { status: 200, body: sopsEncrypt(config, schema, this.kms(), ESTUARY_KMS_KEY_ID) };
      } catch (err) {
        if (!(err instanceof EncryptionRequestError)) throw err;
        return { status: 400, body: { error: err.id, description: err.message, details: null } };
      }
    });

    this.on("ingestDocument", (ctx) => {
      const capture = this.liveByName(ctx.params.capture);
      const route = `/${ctx.params.path}`;
      const binding = (capture?.spec?.bindings ?? []).find((b: Row) => b.resource?.path === route);
      if (capture?.spec_type !== "capture" || !binding) {
        return this.pgError(404, "404", `no HTTP-ingest path ${route} on capture ${ctx.params.capture}`);
      }
      const expected = this.connectorConfig(capture.spec).require_auth_token;
      const auth = String(ctx.headers.authorization ?? "");
      if (expected && auth !== `Bearer ${expected}`) {
        return this.pgError(401, "401", "invalid or missing bearer token");
      }
      const docs = Array.isArray(ctx.body) ? ctx.body : [ctx.body];
      for (const doc of docs) {
        const id = randomUUID();
        this.state.ingested[id] = { id, collection: binding.target, doc, at: now() };
      }
      this.save();
      return { status: 200, body: { published: docs.length } };
    });
  }
}
