// Stand-in for Portkey's admin (control-plane) API (sandbox/specs/vendor/portkey/openapi.yaml): the
// Model Catalog's integrations and providers, gateway configs and guardrails.
//
// Faithful where the project depends on it:
// - auth: the `x-portkey-api-key` header (securitySchemes.Portkey-Key); a missing or unknown key is
//   answered 401 {success: false, data: {message: "Unauthorised Request"}}, the shape the description
//   gives for the admin routes' 401. The sandbox key is a workspace key: naming another workspace
//   (workspace_id in the query or body) is answered 403.
// - objects are addressed by slug; integrations never return their key (only `masked_key`); a provider
//   needs an existing integration; configs get a slug made by Portkey (create answers {id, version_id}).
// - guardrails: get/update/delete of one that does not exist answer 403 ErrorResponse, as the
//   description documents ("Forbidden - guardrail not found or insufficient permissions").
// - no rate limit of its own: Portkey publishes none for the admin API (its "rate limits" are the
//   providers' limits on gateway traffic, stored here as data). 429s come from injected faults.
//
// The description is 1.2 MB and 83 of its operations (all of integrations and providers) have no
// operationId, which OpenApiSpec's own pruning cannot keep; portkeySpecFile() prunes it here to the
// served operations (addressed as "<method> <template>") and writes that copy to a temporary file.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec, type Operation, vendorSpecDir } from "./openapi";

export const PORTKEY_SANDBOX = {
  /** A workspace API key of the sandbox organisation. */
  apiKey: "pk-sandbox-workspace-key-0001",
  workspaceId: "0b6f3a52-5e8c-4a53-9a0e-4c1f7d9a2b10",
  organisationId: "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
  ownerId: "9e8d7c6b-5a49-4382-9160-5f4e3d2c1b0a",
};

/** The operations served, by operationId or (without one) "<method> <template>". */
export const PORTKEY_OPERATIONS = [
  "get /integrations",
  "post /integrations",
  "get /integrations/{slug}",
  "put /integrations/{slug}",
  "delete /integrations/{slug}",
  "get /providers",
  "post /providers",
  "get /providers/{slug}",
  "put /providers/{slug}",
  "delete /providers/{slug}",
  "listConfigs",
  "createConfig",
  "getConfig",
  "updateConfig",
  "deleteConfig",
  "createGuardrail",
  "listGuardrails",
  "getGuardrail",
  "updateGuardrail",
  "deleteGuardrail",
];

/** Bump when portkeySpecFile() changes how it prunes (the cached file is keyed by it). */
const PRUNE_VERSION = 2;

/**
 * The description pruned to PORTKEY_OPERATIONS and the components they reach, as a JSON file under the
 * temporary directory (written once per version of the description).
 *
 * Deliberate changes (each a reading Ajv can apply, not a change of meaning): a `nullable` without a
 * `type` becomes anyOf [schema, null]; and GuardrailCheck.parameters is a `oneOf` whose last member, BasicParameters, is
 * any object, so every parameters object matches at least two members and no request with parameters
 * could ever be valid; it is read as `anyOf` (which is what the vendor's examples assume).
 */
export function portkeySpecFile(): string {
  const source = path.join(vendorSpecDir(), "portkey", "openapi.yaml");
  const text = readFileSync(source, "utf8");
  const hash = createHash("sha256")
    .update(text)
    .update(`${PRUNE_VERSION}|${PORTKEY_OPERATIONS.join(",")}`)
    .digest("hex");
  const file = path.join(tmpdir(), `sophia-portkey-spec-${hash.slice(0, 12)}`, "portkey", "openapi.json");
  if (existsSync(file)) return file;
  const doc = parseYaml(text, { maxAliasCount: -1 });
  const paths: Record<string, Record<string, unknown>> = {};
  const found: string[] = [];
  for (const [p, item] of Object.entries<Record<string, any>>(doc.paths ?? {})) {
    for (const [m, op] of Object.entries<any>(item)) {
      if (!op?.responses) continue;
      const key = op.operationId ?? `${m} ${p}`;
      if (PORTKEY_OPERATIONS.includes(key)) {
        paths[p] ??= {};
        paths[p][m] = op;
        found.push(key);
      }
    }
  }
  const missing = PORTKEY_OPERATIONS.filter((k) => !found.includes(k));
  if (missing.length) throw new Error(`portkey: operations not in the description: ${missing.join(", ")}`);
  const components: Record<string, Record<string, unknown>> = {};
  const seen: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const ref = (node as { $ref?: unknown }).$ref;
      if (typeof ref === "string" && ref.startsWith("#/components/") && !seen.includes(ref)) {
        seen.push(ref);
        const [, , section, name] = ref.split("/");
        components[section] ??= {};
        components[section][name] = doc.components?.[section]?.[name];
        walk(components[section][name]);
      }
      for (const [k, v] of Object.entries(node)) if (k !== "x-code-samples" && k !== "examples") walk(v);
    }
  };
  walk(paths);
  // OpenAPI 3.0's `nullable` next to a $ref (PUT /providers usage_limits) has no `type` for Ajv to
  // extend: read it as "the referenced schema, or null", which is what the vendor means by it.
  const nullables = (node: any): void => {
    if (Array.isArray(node)) node.forEach(nullables);
    else if (node && typeof node === "object") {
      for (const v of Object.values(node)) nullables(v);
      if (node.nullable === true && node.type === undefined) {
        const { nullable: _n, ...rest } = node;
        for (const k of Object.keys(node)) delete node[k];
        node.anyOf = [rest, { type: "null" }];
      }
    }
  };
  nullables(paths);
  nullables(components);
  const check = components.schemas?.GuardrailCheck as any;
  if (check?.properties?.parameters?.oneOf) {
    check.properties.parameters.anyOf = check.properties.parameters.oneOf;
    delete check.properties.parameters.oneOf;
  }
  const pruned = { openapi: doc.openapi, info: doc.info, servers: doc.servers, paths, components };
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(pruned));
  renameSync(tmp, file);
  return file;
}

type Stored = Record<string, any>;

interface PortkeyState {
  apiKeys: Record<string, { workspaceId: string }>;
  integrations: Record<string, Stored>;
  providers: Record<string, Stored>;
  configs: Record<string, Stored>;
  guardrails: Record<string, Stored>;
}

const now = () => new Date().toISOString();
const hex = (n: number) => randomBytes(n).toString("hex");
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
/** Drops undefined and null members, which the description's (OpenAPI 3.0) schemas do not allow. */
const defined = (o: Stored): Stored =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

/**
 * Usage limits as Portkey keeps them: UsageLimits.next_usage_reset_at is "Auto-computed from
 * periodic_reset or periodic_reset_days if not provided" (the next 1st of the month, next Monday, or
 * N days on, at 00:00 UTC).
 */
function withResetAt(u: Stored | null | undefined): Stored | undefined {
  if (!u) return undefined;
  const out = { ...u };
  if (out.next_usage_reset_at) return out;
  const d = new Date();
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const day = 86_400_000;
  if (out.periodic_reset === "monthly")
    out.next_usage_reset_at = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString();
  else if (out.periodic_reset === "weekly")
    out.next_usage_reset_at = new Date(midnight + ((8 - d.getUTCDay()) % 7 || 7) * day).toISOString();
  else if (Number.isInteger(out.periodic_reset_days))
    out.next_usage_reset_at = new Date(midnight + out.periodic_reset_days * day).toISOString();
  return out;
}

export class PortkeySandbox extends Service<PortkeyState> {
  readonly name = "portkey";
  readonly spec = new OpenApiSpec(portkeySpecFile());

  constructor() {
    super();
    this.routes();
  }

  protected seed(): PortkeyState {
    return {
      apiKeys: { [PORTKEY_SANDBOX.apiKey]: { workspaceId: PORTKEY_SANDBOX.workspaceId } },
      integrations: {},
      providers: {},
      configs: {},
      guardrails: {},
    };
  }

  /**
   * An error body. The admin routes document {success: false, data: {message}} (the 401 of the
   * virtual-key routes), the guardrail routes components.schemas.ErrorResponse {error: {type, message,
   * param, code}}. Core answers invalid requests before any route is known, so every error carries both
   * (neither schema forbids the other's members).
   */
  problem(status: number, title: string, detail: string): Reply {
    return {
      status,
      body: {
        success: false,
        data: { message: detail },
        error: { type: title, message: detail, param: null, code: null },
      },
    };
  }

  expireTokens(): void {
    // API keys do not expire; revoking is done by editing apiKeys through the admin API.
  }

  protected authenticate(ctx: Ctx, _op: Operation): Reply | undefined {
    const key = String(ctx.headers["x-portkey-api-key"] ?? "");
    const owner = this.state.apiKeys[key];
    if (!owner) return this.problem(401, "unauthorized", "Unauthorised Request");
    const ws = (ctx.query.workspace_id as string | undefined) ?? ctx.body?.workspace_id;
    if (ws && ws !== owner.workspaceId) {
      const msg = `This API key cannot access workspace ${ws}`;
      return this.problem(403, "forbidden", msg);
    }
    return undefined;
  }

  private page(ctx: Ctx, items: Stored[], defaultSize: number): Stored[] {
    const size = Number(ctx.query.page_size ?? defaultSize);
    const page = Number(ctx.query.current_page ?? 0);
    return items.slice(page * size, page * size + size);
  }

  private routes(): void {
    const ws = PORTKEY_SANDBOX.workspaceId;
    const org = PORTKEY_SANDBOX.organisationId;

    // ---- integrations (the Model Catalog's credentials) ----
    const integrationView = (i: Stored): Stored => {
      const { key, ...rest } = i;
      return defined({
        ...rest,
        masked_key: key ? `${String(key).slice(0, 3)}*****${String(key).slice(-2)}` : undefined,
      });
    };
    this.on("get /integrations", (ctx) => {
      const all = Object.values(this.state.integrations).filter(
        (i) => !ctx.query.workspace_id || !i.workspace_id || i.workspace_id === ctx.query.workspace_id,
      );
      const data = this.page(ctx, all, 100).map((i) => {
        const { masked_key: _m, workspace_id: _w, ...summary } = integrationView(i);
        return summary;
      });
      return { status: 200, body: { object: "list", total: all.length, data } };
    });
    this.on("post /integrations", (ctx) => {
      const b = ctx.body;
      const slug =
        b.slug ??
        `${String(b.name)
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")}-${hex(3)}`;
      if (this.state.integrations[slug])
        return this.problem(400, "bad-request", `An integration with slug ${slug} already exists`);
      const stored = defined({
        id: randomUUID(),
        organisation_id: org,
        ai_provider_id: b.ai_provider_id,
        name: b.name,
        slug,
        description: b.description,
        status: "active",
        key: b.key,
        workspace_id: b.workspace_id,
        created_at: now(),
        last_updated_at: now(),
        object: "integration",
      });
      this.state.integrations[slug] = stored;
      if (b.workspace_id && b.create_default_provider !== false) {
        const pslug = b.default_provider_slug ?? slug;
        this.state.providers[pslug] = this.newProvider({ name: b.name, integration_id: slug, slug: pslug });
      }
      this.save();
      return { status: 200, body: { id: stored.id, slug } };
    });
    const integrationNotFound = (slug: string) =>
      this.problem(404, "not-found", `Integration ${slug} not found`);
    this.on("get /integrations/{slug}", (ctx) => {
      const i = this.state.integrations[ctx.params.slug];
      return i ? { status: 200, body: integrationView(i) } : integrationNotFound(ctx.params.slug);
    });
    this.on("put /integrations/{slug}", (ctx) => {
      const i = this.state.integrations[ctx.params.slug];
      if (!i) return integrationNotFound(ctx.params.slug);
      for (const k of ["name", "key", "description"]) if (ctx.body?.[k] !== undefined) i[k] = ctx.body[k];
      i.last_updated_at = now();
      this.save();
      return { status: 200, body: {} };
    });
    this.on("delete /integrations/{slug}", (ctx) => {
      const i = this.state.integrations[ctx.params.slug];
      if (!i) return integrationNotFound(ctx.params.slug);
      // the workspaces' providers of an integration go with it
      for (const [s, p] of Object.entries(this.state.providers))
        if (p.integration_id === i.slug) delete this.state.providers[s];
      delete this.state.integrations[i.slug];
      this.save();
      return { status: 200, body: {} };
    });

    // ---- providers (a workspace's use of an integration, with its limits) ----
    const providerView = (p: Stored): Stored => {
      const { id: _id, workspace_id: _ws, ...rest } = p;
      return defined({
        ...rest,
        usage_limits: p.usage_limits ? defined(p.usage_limits) : undefined,
        rate_limits: p.rate_limits?.length ? p.rate_limits : undefined,
      });
    };
    const providerNotFound = (slug: string) => this.problem(404, "not-found", `Provider ${slug} not found`);
    this.on("get /providers", (ctx) => {
      const all = Object.values(this.state.providers);
      return {
        status: 200,
        body: { object: "list", total: all.length, data: this.page(ctx, all, 50).map(providerView) },
      };
    });
    this.on("post /providers", (ctx) => {
      const b = ctx.body;
      const integration = this.state.integrations[b.integration_id];
      if (!integration)
        return this.problem(400, "bad-request", `Integration ${b.integration_id} does not exist`);
      const slug =
        b.slug ??
        `${String(b.name)
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")}-${hex(3)}`;
      if (this.state.providers[slug])
        return this.problem(
          400,
          "bad-request",
          `A provider with slug ${slug} already exists in this workspace`,
        );
      const p = this.newProvider({ ...b, slug });
      this.state.providers[slug] = p;
      this.save();
      return { status: 200, body: { id: p.id, slug } };
    });
    this.on("get /providers/{slug}", (ctx) => {
      const p = this.state.providers[ctx.params.slug];
      return p ? { status: 200, body: providerView(p) } : providerNotFound(ctx.params.slug);
    });
    this.on("put /providers/{slug}", (ctx) => {
      const p = this.state.providers[ctx.params.slug];
      if (!p) return providerNotFound(ctx.params.slug);
      const b = ctx.body ?? {};
      if (b.name !== undefined) p.name = b.name;
      if (b.note !== undefined) p.note = b.note;
      if (b.usage_limits !== undefined) p.usage_limits = withResetAt(b.usage_limits);
      if (b.rate_limits !== undefined) p.rate_limits = b.rate_limits ? [b.rate_limits] : undefined;
      if (b.expires_at !== undefined) p.expires_at = b.expires_at ?? undefined;
      this.save();
      return { status: 200, body: { id: p.id, slug: p.slug } };
    });
    this.on("delete /providers/{slug}", (ctx) => {
      const p = this.state.providers[ctx.params.slug];
      if (!p) return providerNotFound(ctx.params.slug);
      delete this.state.providers[p.slug];
      this.save();
      return { status: 200, body: {} };
    });

    // ---- configs ----
    const configSummary = (c: Stored): Stored => {
      const { config: _c, version_id: _v, ...rest } = c;
      return rest;
    };
    const configNotFound = (slug: string) => this.problem(404, "not-found", `Config ${slug} not found`);
    this.on("listConfigs", () => ({
      status: 200,
      body: { success: true, data: Object.values(this.state.configs).map(configSummary) },
    }));
    this.on("createConfig", (ctx) => {
      const b = ctx.body ?? {};
      if (typeof b.name !== "string" || !b.name) return this.problem(400, "bad-request", "name is required");
      const slug = `pc-${b.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "")
        .slice(0, 6)}-${hex(3)}`;
      const c = {
        id: randomUUID(),
        name: b.name,
        slug,
        organisation_id: org,
        workspace_id: b.workspace_id || ws,
        is_default: b.isDefault ?? 0,
        status: "active",
        owner_id: PORTKEY_SANDBOX.ownerId,
        updated_by: PORTKEY_SANDBOX.ownerId,
        created_at: now(),
        last_updated_at: now(),
        config: b.config ?? {},
        version_id: randomUUID(),
      };
      this.state.configs[slug] = c;
      this.save();
      return { status: 200, body: { success: true, data: { id: c.id, version_id: c.version_id } } };
    });
    this.on("getConfig", (ctx) => {
      const c = this.state.configs[ctx.params.slug];
      // the description's 200 lists only data.config (name, slug, status come from listConfigs)
      return c
        ? { status: 200, body: { success: true, data: { config: clone(c.config) } } }
        : configNotFound(ctx.params.slug);
    });
    this.on("updateConfig", (ctx) => {
      const c = this.state.configs[ctx.params.slug];
      if (!c) return configNotFound(ctx.params.slug);
      const b = ctx.body ?? {};
      if (b.name !== undefined) c.name = b.name;
      if (b.config !== undefined) c.config = b.config;
      if (b.status !== undefined) c.status = b.status;
      c.version_id = randomUUID();
      c.last_updated_at = now();
      this.save();
      return { status: 200, body: { success: true, data: { version_id: c.version_id } } };
    });
    this.on("deleteConfig", (ctx) => {
      const c = this.state.configs[ctx.params.slug];
      if (!c) return configNotFound(ctx.params.slug);
      delete this.state.configs[c.slug];
      this.save();
      return { status: 200, body: {} };
    });

    // ---- guardrails: unknown ones are answered 403, as documented ----
    const findGuard = (idOrSlug: string) =>
      this.state.guardrails[idOrSlug] ?? Object.values(this.state.guardrails).find((g) => g.id === idOrSlug);
    const guardGone = () =>
      this.problem(403, "forbidden", "Guardrail not found or you do not have access to it");
    const guardSummary = (g: Stored): Stored => {
      const { checks: _c, actions: _a, version_id: _v, ...rest } = g;
      return defined(rest);
    };
    this.on("createGuardrail", (ctx) => {
      const b = ctx.body;
      const id = randomUUID();
      const g = {
        id,
        name: b.name,
        slug: `guard_${hex(4)}`,
        organisation_id: org,
        workspace_id: b.workspace_id || ws,
        status: "active",
        created_at: now(),
        last_updated_at: now(),
        owner_id: PORTKEY_SANDBOX.ownerId,
        checks: b.checks,
        actions: b.actions,
        version_id: randomUUID(),
      };
      this.state.guardrails[g.slug] = g;
      this.save();
      return { status: 200, body: { id, slug: g.slug, version_id: g.version_id } };
    });
    this.on("listGuardrails", (ctx) => {
      const all = Object.values(this.state.guardrails).filter(
        (g) => !ctx.query.workspace_id || g.workspace_id === ctx.query.workspace_id,
      );
      return { status: 200, body: { data: this.page(ctx, all, 100).map(guardSummary), total: all.length } };
    });
    this.on("getGuardrail", (ctx) => {
      const g = findGuard(ctx.params.guardrailId);
      if (!g) return guardGone();
      const { version_id: _v, ...rest } = g;
      return { status: 200, body: defined(clone(rest)) };
    });
    this.on("updateGuardrail", (ctx) => {
      const g = findGuard(ctx.params.guardrailId);
      if (!g) return guardGone();
      const b = ctx.body ?? {};
      for (const k of ["name", "checks", "actions"]) if (b[k] !== undefined) g[k] = b[k];
      g.version_id = randomUUID();
      g.last_updated_at = now();
      this.save();
      return { status: 200, body: { id: g.id, slug: g.slug, version_id: g.version_id } };
    });
    this.on("deleteGuardrail", (ctx) => {
      const g = findGuard(ctx.params.guardrailId);
      if (!g) return guardGone();
      delete this.state.guardrails[g.slug];
      this.save();
      return { status: 200 };
    });
  }

  private newProvider(b: Stored): Stored {
    return defined({
      id: randomUUID(),
      name: b.name,
      slug: b.slug,
      integration_id: b.integration_id,
      workspace_id: b.workspace_id || PORTKEY_SANDBOX.workspaceId,
      note: b.note,
      status: "active",
      usage_limits: withResetAt(b.usage_limits),
      rate_limits: b.rate_limits ? [b.rate_limits] : undefined,
      expires_at: b.expires_at,
      created_at: now(),
      object: "provider",
    });
  }
}
