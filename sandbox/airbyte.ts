// Stand-in for the Airbyte public API v1 (sandbox/specs/vendor/airbyte/api.yaml).
//
// Faithful where the project depends on it: client-credentials tokens that expire (expired → 401),
// workspaces, sources, destinations, connections and jobs with the documented request and response
// shapes, limit/offset pagination with `next` links, RFC 7807 problem bodies as the real API sends, and
// connector secrets masked in every response as the real API masks `airbyte_secret` fields.
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { quartzCronError } from "../providers/airbyte/cron";
import { type Ctx, newId, type Reply, Service } from "./core";
import { OpenApiSpec, vendorSpecDir } from "./openapi";

export const AIRBYTE_SANDBOX = {
  clientId: "sandbox-airbyte-client",
  clientSecret: "sandbox-airbyte-secret",
  workspaceId: "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6",
};

const MASK = "**********";

interface Connector {
  definitionId: string;
  required: string[];
  /** Dotted paths of the connector specification's airbyte_secret fields. */
  secrets: string[];
}

/** The connectors the platform uses, with the definition ids and secret fields of Airbyte's registry. */
const SOURCES: Record<string, Connector> = {
  gong: {
    definitionId: "32382e40-3b49-4b99-9c5c-4076501914e7",
    required: ["access_key", "access_key_secret"],
    secrets: ["access_key", "access_key_secret"],
  },
};
const DESTINATIONS: Record<string, Connector> = {
  postgres: {
    definitionId: "25c5221d-dce2-4163-ade9-739ef790f503",
    required: ["host", "port", "database", "username"],
    secrets: ["password", "tunnel_method.tunnel_user_password", "tunnel_method.ssh_key"],
  },
  redis: {
    definitionId: "d4d3fef9-e319-45c2-881a-bd02ce44cc9f",
    required: ["host", "port", "username", "cache_type"],
    secrets: ["password", "tunnel_method.tunnel_user_password", "tunnel_method.ssh_key"],
  },
};

type Stored = Record<string, any>;

interface AirbyteState {
  applications: Record<string, { clientId: string; clientSecret: string }>;
  tokens: Record<string, number>;
  workspaces: Record<string, Stored>;
  sources: Record<string, Stored>;
  destinations: Record<string, Stored>;
  connections: Record<string, Stored>;
  jobs: Record<string, Stored>;
  nextJobId: number;
}

function getPath(o: any, dotted: string): unknown {
  return dotted.split(".").reduce((x, k) => (x && typeof x === "object" ? x[k] : undefined), o);
}
function setPath(o: any, dotted: string, v: unknown): void {
  const keys = dotted.split(".");
  let cur = o;
  for (const k of keys.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== "object") return;
    cur = cur[k];
  }
  cur[keys[keys.length - 1]] = v;
}
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

export class AirbyteSandbox extends Service<AirbyteState> {
  readonly name = "airbyte";
  readonly spec = new OpenApiSpec(path.join(vendorSpecDir(), "airbyte", "api.yaml"));

  constructor() {
    super();
    this.routes();
  }

  protected seed(): AirbyteState {
    const { clientId, clientSecret, workspaceId } = AIRBYTE_SANDBOX;
    return {
      applications: { [clientId]: { clientId, clientSecret } },
      tokens: {},
      workspaces: {
        [workspaceId]: {
          workspaceId,
          name: "sophia-sandbox",
          dataResidency: "auto",
          notifications: {},
        },
      },
      sources: {},
      destinations: {},
      connections: {},
      jobs: {},
      nextJobId: 1,
    };
  }

  problem(status: number, title: string, detail: string): Reply {
    return {
      status,
      headers: { "content-type": "application/problem+json" },
      body: { type: `https://reference.airbyte.com/reference/errors#${title}`, title, status, detail },
    };
  }

  expireTokens(): void {
    this.state.tokens = {};
  }

  private get tokenLifetime(): number {
    return Number(this.settings.tokenLifetimeSeconds ?? 180);
  }

  protected authenticate(ctx: Ctx, op: { operationId: string }): Reply | undefined {
    if (["createAccessToken", "getHealthCheck", "getDocumentation"].includes(op.operationId))
      return undefined;
    const auth = String(ctx.headers.authorization ?? "");
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    const expiresAt = this.state.tokens[token];
    if (!token || expiresAt === undefined)
      return this.problem(401, "unauthorized", "Missing or invalid access token");
    if (expiresAt <= Date.now()) {
      delete this.state.tokens[token];
      return this.problem(401, "unauthorized", "The access token has expired");
    }
    return undefined;
  }

  private connector(kind: "source" | "destination", cfg: any, definitionId?: string) {
    const table = kind === "source" ? SOURCES : DESTINATIONS;
    const typeKey = `${kind}Type`;
    const byType = cfg?.[typeKey] as string | undefined;
    const name = byType ?? Object.entries(table).find(([, c]) => c.definitionId === definitionId)?.[0];
    if (!name) return { error: `configuration.${typeKey} or definitionId is required` };
    const c = table[name];
    if (!c)
      return { error: `Unknown ${kind} type "${name}" (the sandbox knows ${Object.keys(table).join(", ")})` };
    if (definitionId && definitionId !== c.definitionId) {
      return { error: `definitionId ${definitionId} does not match ${kind} type "${name}"` };
    }
    const missing = c.required.filter((k) => getPath(cfg, k) === undefined || getPath(cfg, k) === "");
    if (missing.length) return { error: `configuration is missing required field(s): ${missing.join(", ")}` };
    return { name, connector: c };
  }

  /** The stored object as the API shows it: secrets masked. */
  private present(kind: "source" | "destination", o: Stored): Stored {
    const out = clone(o);
    const c = (kind === "source" ? SOURCES : DESTINATIONS)[o[`${kind}Type`]];
    for (const s of c?.secrets ?? [])
      if (getPath(out.configuration, s) !== undefined) setPath(out.configuration, s, MASK);
    return out;
  }

  /** Incoming configuration: a masked value means "keep the stored secret", as in the real API. */
  private unmask(incoming: any, stored: any): any {
    if (incoming === MASK) return stored;
    if (incoming && typeof incoming === "object" && !Array.isArray(incoming)) {
      const out: any = {};
      for (const [k, v] of Object.entries(incoming)) out[k] = this.unmask(v, stored?.[k]);
      return out;
    }
    return incoming;
  }

  private page(ctx: Ctx, items: Stored[], present: (o: Stored) => Stored): Reply {
    const limit = Number(ctx.query.limit ?? 20);
    const offset = Number(ctx.query.offset ?? 0);
    const slice = items.slice(offset, offset + limit).map(present);
    const link = (o: number) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(ctx.query))
        if (k !== "offset" && k !== "limit") q.set(k, String(v));
      q.set("limit", String(limit));
      q.set("offset", String(o));
      return `${ctx.baseUrl}${ctx.path}?${q}`;
    };
    return {
      status: 200,
      body: {
        data: slice,
        ...(offset + limit < items.length ? { next: link(offset + limit) } : {}),
        ...(offset > 0 ? { previous: link(Math.max(0, offset - limit)) } : {}),
      },
    };
  }

  private inWorkspaces(ctx: Ctx, items: Stored[]): Stored[] {
    const raw = ctx.query.workspaceIds;
    const ids = raw === undefined ? [] : (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(","));
    return ids.length ? items.filter((o) => ids.includes(o.workspaceId)) : items;
  }

  private actorRoutes(kind: "source" | "destination"): void {
    const coll = kind === "source" ? "sources" : "destinations";
    const idKey = `${kind}Id`;
    const typeKey = `${kind}Type`;
    const Cap = kind === "source" ? "Source" : "Destination";
    const ops =
      kind === "source"
        ? ["listSources", "createSource", "getSource", "patchSource", "putSource", "deleteSource"]
        : [
            "listDestinations",
            "createDestination",
            "getDestination",
            "patchDestination",
            "putDestination",
            "deleteDestination",
          ];
    const [list, create, get, patch, put, del] = ops;
    const find = (ctx: Ctx) => this.state[coll][ctx.params[idKey]];
    const notFound = (ctx: Ctx) =>
      this.problem(404, "resource-not-found", `${Cap} ${ctx.params[idKey]} was not found`);

    this.on(list, (ctx) => {
      const all = Object.values(this.state[coll]).sort((a, b) => a.createdAt - b.createdAt);
      return this.page(ctx, this.inWorkspaces(ctx, all), (o) => this.present(kind, o));
    });
    this.on(create, (ctx) => {
      const b = ctx.body;
      if (!this.state.workspaces[b.workspaceId]) {
        return this.problem(400, "bad-request", `Workspace ${b.workspaceId} does not exist`);
      }
      const found = this.connector(kind, b.configuration, b.definitionId);
      if ("error" in found) return this.problem(400, "bad-request", found.error as string);
      const id = newId();
      const stored = {
        [idKey]: id,
        name: b.name,
        [typeKey]: found.name,
        definitionId: found.connector.definitionId,
        workspaceId: b.workspaceId,
        configuration: { ...b.configuration, [typeKey]: found.name },
        createdAt: Math.floor(Date.now() / 1000),
      };
      this.state[coll][id] = stored;
      this.save();
      return { status: 200, body: this.present(kind, stored) };
    });
    this.on(get, (ctx) => {
      const o = find(ctx);
      return o ? { status: 200, body: this.present(kind, o) } : notFound(ctx);
    });
    const update = (replace: boolean) => (ctx: Ctx) => {
      const o = find(ctx);
      if (!o) return notFound(ctx);
      const b = ctx.body ?? {};
      const next = clone(o);
      if (b.name !== undefined) next.name = b.name;
      if (b.configuration !== undefined) {
        const incoming = this.unmask(b.configuration, o.configuration);
        next.configuration = replace ? { ...incoming } : { ...o.configuration, ...incoming };
        next.configuration[typeKey] = o[typeKey];
        const found = this.connector(kind, next.configuration, o.definitionId);
        if ("error" in found) return this.problem(400, "bad-request", found.error as string);
      }
      this.state[coll][o[idKey]] = next;
      this.save();
      return { status: 200, body: this.present(kind, next) };
    };
    this.on(patch, update(false));
    this.on(put, update(true));
    this.on(del, (ctx) => {
      const o = find(ctx);
      if (!o) return notFound(ctx);
      const inUse = Object.values(this.state.connections).some((c) => c[idKey] === o[idKey]);
      if (inUse) return this.problem(400, "bad-request", `${Cap} ${o[idKey]} is used by a connection`);
      delete this.state[coll][o[idKey]];
      this.save();
      return { status: 204 };
    });
  }

  private routes(): void {
    this.on("getHealthCheck", () => ({ status: 200 }));

    this.on("createAccessToken", (ctx) => {
      const b = ctx.body ?? {};
      const app = this.state.applications[b.client_id];
      if (b.grant_type !== undefined && b.grant_type !== "client_credentials") {
        return this.problem(400, "bad-request", "grant_type must be client_credentials");
      }
      if (!app || app.clientSecret !== b.client_secret) {
        return this.problem(403, "forbidden", "Invalid client_id or client_secret");
      }
      const token = randomBytes(24).toString("base64url");
      this.state.tokens[token] = Date.now() + this.tokenLifetime * 1000;
      this.save();
      return {
        status: 200,
        body: { access_token: token, token_type: "Bearer", expires_in: this.tokenLifetime },
      };
    });

    this.on("listWorkspaces", (ctx) => this.page(ctx, Object.values(this.state.workspaces), (w) => w));
    this.on("getWorkspace", (ctx) => {
      const w = this.state.workspaces[ctx.params.workspaceId];
      return w
        ? { status: 200, body: w }
        : this.problem(404, "resource-not-found", `Workspace ${ctx.params.workspaceId} was not found`);
    });

    this.actorRoutes("source");
    this.actorRoutes("destination");

    const connNotFound = (id: string) =>
      this.problem(404, "resource-not-found", `Connection ${id} was not found`);
    const validateConn = (b: any, sourceId: string): string | undefined => {
      if (b.schedule?.scheduleType === "cron") {
        if (!b.schedule.cronExpression) return "schedule.cronExpression is required for a cron schedule";
        const problem = quartzCronError(b.schedule.cronExpression);
        if (problem) return `Invalid cron expression "${b.schedule.cronExpression}": ${problem}`;
      }
      const offered = STREAMS[this.state.sources[sourceId]?.sourceType];
      const names = (b.configurations?.streams ?? []).map((s: any) => s.name);
      const unknown = offered ? names.filter((n: string) => !offered.includes(n)) : [];
      if (unknown.length) return `Unknown stream(s) for this source: ${unknown.join(", ")}`;
      return undefined;
    };

    this.on("listConnections", (ctx) => {
      const all = Object.values(this.state.connections).sort((a, b) => a.createdAt - b.createdAt);
      return this.page(ctx, this.inWorkspaces(ctx, all), (c) => c);
    });
    this.on("createConnection", (ctx) => {
      const b = ctx.body;
      const source = this.state.sources[b.sourceId];
      const dest = this.state.destinations[b.destinationId];
      if (!source) return this.problem(400, "bad-request", `Source ${b.sourceId} does not exist`);
      if (!dest) return this.problem(400, "bad-request", `Destination ${b.destinationId} does not exist`);
      if (source.workspaceId !== dest.workspaceId)
        return this.problem(400, "bad-request", "Source and destination are in different workspaces");
      const invalid = validateConn(b, b.sourceId);
      if (invalid) return this.problem(400, "bad-request", invalid);
      const id = newId();
      const conn = {
        connectionId: id,
        name: b.name ?? `${source.name} → ${dest.name}`,
        sourceId: b.sourceId,
        destinationId: b.destinationId,
        workspaceId: source.workspaceId,
        status: b.status ?? "active",
        schedule: b.schedule ?? { scheduleType: "manual" },
        configurations: b.configurations ?? { streams: [] },
        namespaceDefinition: b.namespaceDefinition ?? "destination",
        prefix: b.prefix ?? "",
        nonBreakingSchemaUpdatesBehavior: b.nonBreakingSchemaUpdatesBehavior ?? "ignore",
        createdAt: Math.floor(Date.now() / 1000),
        tags: [],
      };
      this.state.connections[id] = conn;
      this.save();
      return { status: 200, body: conn };
    });
    this.on("getConnection", (ctx) => {
      const c = this.state.connections[ctx.params.connectionId];
      return c ? { status: 200, body: c } : connNotFound(ctx.params.connectionId);
    });
    this.on("patchConnection", (ctx) => {
      const c = this.state.connections[ctx.params.connectionId];
      if (!c) return connNotFound(ctx.params.connectionId);
      const b = ctx.body ?? {};
      const invalid = validateConn(b, c.sourceId);
      if (invalid) return this.problem(400, "bad-request", invalid);
      const next = { ...c };
      for (const k of [
        "name",
        "configurations",
        "schedule",
        "namespaceDefinition",
        "namespaceFormat",
        "prefix",
        "nonBreakingSchemaUpdatesBehavior",
        "status",
      ]) {
        if (b[k] !== undefined) next[k] = b[k];
      }
      this.state.connections[c.connectionId] = next;
      this.save();
      return { status: 200, body: next };
    });
    this.on("deleteConnection", (ctx) => {
      const c = this.state.connections[ctx.params.connectionId];
      if (!c) return connNotFound(ctx.params.connectionId);
      delete this.state.connections[c.connectionId];
      this.save();
      return { status: 204 };
    });

    // Jobs: a sync moves pending → running → succeeded as time passes (a second per step).
    const jobView = (j: Stored): Stored => {
      const age = Date.now() - j.started;
      const status =
        j.status === "cancelled"
          ? "cancelled"
          : age < 1000
            ? "pending"
            : age < 2000
              ? "running"
              : "succeeded";
      const { started: _s, ...rest } = j;
      return { ...rest, status, lastUpdatedAt: new Date(j.started + Math.min(age, 2000)).toISOString() };
    };
    this.on("createJob", (ctx) => {
      const b = ctx.body;
      if (!this.state.connections[b.connectionId])
        return this.problem(400, "bad-request", `Connection ${b.connectionId} does not exist`);
      const jobId = this.state.nextJobId++;
      const job = {
        jobId,
        status: "pending",
        jobType: b.jobType,
        connectionId: b.connectionId,
        startTime: new Date().toISOString(),
        started: Date.now(),
      };
      this.state.jobs[jobId] = job;
      this.save();
      return { status: 200, body: jobView(job) };
    });
    this.on("getJob", (ctx) => {
      const j = this.state.jobs[ctx.params.jobId];
      return j
        ? { status: 200, body: jobView(j) }
        : this.problem(404, "resource-not-found", `Job ${ctx.params.jobId} was not found`);
    });
    this.on("listJobs", (ctx) => {
      const all = Object.values(this.state.jobs).filter(
        (j) => !ctx.query.connectionId || j.connectionId === ctx.query.connectionId,
      );
      return this.page(ctx, all, jobView);
    });
    this.on("cancelJob", (ctx) => {
      const j = this.state.jobs[ctx.params.jobId];
      if (!j) return this.problem(404, "resource-not-found", `Job ${ctx.params.jobId} was not found`);
      j.status = "cancelled";
      this.save();
      return { status: 200, body: jobView(j) };
    });
  }
}

/** Streams each source connector offers (Gong: the connector's streams plus the platform's deals and emails). */
const STREAMS: Record<string, string[]> = {
  gong: ["answered_scorecards", "calls", "scorecards", "users", "deals", "emails", "extensive_calls"],
};
