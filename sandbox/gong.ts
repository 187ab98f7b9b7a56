// Stand-in for the Gong API v2 (sandbox/specs/vendor/gong/openapi.json), pruned to the operations the
// project uses: workspaces, the generic CRM integration (register, list, asynchronous delete, request
// status) and permission profiles (create, get, update, list; Gong has no delete).
//
// Faithful where the project depends on it: Basic auth with an access key and secret (401 with Gong's
// {requestId, errors} body), 3 requests per second over a sliding window and a daily cap, both answered
// with 429 and Retry-After (limits in `settings`: rateLimitPerSecond, rateWindowMs, dailyLimit), one CRM
// integration per tenant (409 on a second registration), an asynchronous delete that reports PENDING /
// IN_PROGRESS for `crmDeletePendingPolls` polls and then `crmDeleteOutcome` (DONE, or FAILED), and
// integration ids that are 19-digit int64 numbers above 2^53 (written with every digit), and a 400 (not
// 404, which Gong does not document) for a delete of an unknown integration.
import { randomBytes, randomInt } from "node:crypto";
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec, vendorSpecDir } from "./openapi";

export const GONG_SANDBOX = {
  accessKey: "SANDBOXGONGACCESSKEY",
  accessKeySecret: "sandbox-gong-access-key-secret",
  workspaceId: "6543219876543210987",
};

const OPERATIONS = [
  "listWorkspaces",
  "listGenericCrmIntegration",
  "registerGenericCrmIntegration",
  "deleteGenericCrmIntegration",
  "getRequestStatus",
  "listPermissionProfile",
  "getPermissionProfile",
  "createPermissionProfile",
  "updatePermissionProfile",
];

type Stored = Record<string, any>;

interface GongState {
  workspaces: Record<string, { id: string; name: string; description: string }>;
  /** Profiles by id, each with its workspaceId (not part of the API's view). */
  profiles: Record<string, Stored>;
  /** CRM integrations by id (a decimal string); `deleting` holds the clientRequestId of a pending delete. */
  crmIntegrations: Record<string, Stored>;
  /** Asynchronous requests by clientRequestId. */
  crmRequests: Record<string, { integrationId: string; pollsLeft: number; outcome: string; status?: string }>;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const requestId = () => randomBytes(10).toString("hex").slice(0, 19);
const numericId = (digits: number) =>
  String(randomInt(1, 10)) + Array.from({ length: digits - 1 }, () => randomInt(0, 10)).join("");
/** A 19-digit int64 (first digit 1-8, so below 2^63 - 1 and far above 2^53). */
const int64Id = () => String(randomInt(1, 9)) + Array.from({ length: 18 }, () => randomInt(0, 10)).join("");

/**
 * A JSON reply whose `integrationId` fields (held as decimal strings) are written as JSON numbers with
 * every digit, as Gong does; JSON.stringify of a JavaScript number would round them. `body` (with
 * numbers) is what core validates against the description; `text` is what is sent.
 */
function int64Reply(status: number, body: Record<string, unknown>): Reply {
  const text = JSON.stringify(body).replace(/"integrationId":"(\d+)"/g, '"integrationId":$1');
  return { status, body: JSON.parse(text), text, headers: { "content-type": "application/json" } };
}

export class GongSandbox extends Service<GongState> {
  readonly name = "gong";
  readonly spec = new OpenApiSpec(path.join(vendorSpecDir(), "gong", "openapi.json"), {
    basePath: "",
    operations: OPERATIONS,
  });
  /** Times (ms) of the requests admitted within the rate window. */
  private recent: number[] = [];
  private daily = { day: "", count: 0 };

  constructor() {
    super();
    this.routes();
  }

  protected seed(): GongState {
    return {
      workspaces: {
        [GONG_SANDBOX.workspaceId]: {
          id: GONG_SANDBOX.workspaceId,
          name: "Sophia sandbox",
          description: "The sandbox tenant's only workspace",
        },
      },
      profiles: {},
      crmIntegrations: {},
      crmRequests: {},
    };
  }

  problem(status: number, _title: string, detail: string): Reply {
    return { status, body: { requestId: requestId(), errors: [detail] } };
  }

  private setting(key: string, fallback: number): number {
    const v = this.settings[key];
    return v === undefined ? fallback : Number(v);
  }

  protected authenticate(ctx: Ctx): Reply | undefined {
    const auth = String(ctx.headers.authorization ?? "");
    const decoded = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString("utf8") : "";
    const sep = decoded.indexOf(":");
    const [key, secret] = sep < 0 ? ["", ""] : [decoded.slice(0, sep), decoded.slice(sep + 1)];
    if (key !== GONG_SANDBOX.accessKey || secret !== GONG_SANDBOX.accessKeySecret) {
      return this.problem(401, "unauthorized", "Access denied: the access key or its secret is not valid");
    }
    return this.limit();
  }

  /** Gong's limits: `rateLimitPerSecond` per `rateWindowMs` (sliding) and `dailyLimit` per UTC day. */
  private limit(): Reply | undefined {
    const now = Date.now();
    const day = new Date(now).toISOString().slice(0, 10);
    if (this.daily.day !== day) this.daily = { day, count: 0 };
    if (this.daily.count >= this.setting("dailyLimit", 10_000)) {
      const midnight = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
      const reply = this.problem(
        429,
        "rate-limited",
        "API request limit exceeded: the daily limit was reached",
      );
      reply.headers = { "retry-after": String(Math.ceil((midnight - now) / 1000)) };
      return reply;
    }
    const windowMs = this.setting("rateWindowMs", 1000);
    this.recent = this.recent.filter((t) => t > now - windowMs);
    if (this.recent.length >= this.setting("rateLimitPerSecond", 3)) {
      const reply = this.problem(
        429,
        "rate-limited",
        "API request limit exceeded: too many requests per second",
      );
      reply.headers = {
        "retry-after": String(Math.max(1, Math.ceil((this.recent[0] + windowMs - now) / 1000))),
      };
      return reply;
    }
    this.recent.push(now);
    this.daily.count++;
    return undefined;
  }

  private profileView(p: Stored): Stored {
    const { workspaceId: _w, ...view } = p;
    return view;
  }

  private routes(): void {
    this.on("listWorkspaces", () => ({
      status: 200,
      body: { requestId: requestId(), workspaces: Object.values(this.state.workspaces) },
    }));

    // ---- CRM integration ----
    this.on("listGenericCrmIntegration", () =>
      int64Reply(200, {
        requestId: requestId(),
        integrations: Object.values(this.state.crmIntegrations).map((i) => ({
          integrationId: String(i.integrationId),
          name: i.name,
          ownerEmail: i.ownerEmail,
        })),
      }),
    );
    this.on("registerGenericCrmIntegration", (ctx) => {
      const b = ctx.body;
      if (Object.keys(this.state.crmIntegrations).length > 0) {
        return this.problem(409, "conflict", "An active integration already exists");
      }
      if (!String(b.name).trim()) return this.problem(400, "bad-request", "name must not be empty");
      // 19 digits, like Gong's own example id 5517027188234205706: above 2^53, so a client that parses
      // the answer into JavaScript numbers gets a different id
      const id = int64Id();
      this.state.crmIntegrations[id] = { integrationId: id, name: b.name, ownerEmail: b.ownerEmail };
      this.save();
      return int64Reply(200, { requestId: requestId(), integrationId: id });
    });
    this.on("deleteGenericCrmIntegration", (ctx) => {
      const id = String(ctx.query.integrationId);
      const clientRequestId = String(ctx.query.clientRequestId);
      if (!/^[A-Za-z0-9_-]+$/.test(clientRequestId)) {
        return this.problem(
          400,
          "bad-request",
          "clientRequestId may hold only letters, numbers, dashes and underscores",
        );
      }
      if (this.state.crmRequests[clientRequestId]) {
        return this.problem(409, "conflict", `Client request id ${clientRequestId} has already been used`);
      }
      const integration = this.state.crmIntegrations[id];
      // Gong documents no 404 here: an unknown (e.g. already deleted) integration is a malformed request.
      if (!integration) return this.problem(400, "bad-request", `Integration ${id} does not exist`);
      integration.deleting = clientRequestId;
      this.state.crmRequests[clientRequestId] = {
        integrationId: id,
        pollsLeft: this.setting("crmDeletePendingPolls", 2),
        outcome: String(this.settings.crmDeleteOutcome ?? "DONE"),
      };
      this.save();
      return { status: 201, body: { requestId: requestId(), clientRequestId } };
    });
    this.on("getRequestStatus", (ctx) => {
      const r = this.state.crmRequests[String(ctx.query.clientRequestId)];
      if (!r || r.integrationId !== String(ctx.query.integrationId)) {
        return this.problem(
          404,
          "not-found",
          `No request ${ctx.query.clientRequestId} for integration ${ctx.query.integrationId}`,
        );
      }
      if (!r.status) {
        if (r.pollsLeft > 0) {
          const status = r.pollsLeft === this.setting("crmDeletePendingPolls", 2) ? "PENDING" : "IN_PROGRESS";
          r.pollsLeft--;
          this.save();
          return { status: 200, body: { requestId: requestId(), status } };
        }
        r.status = r.outcome;
        if (r.outcome === "DONE") delete this.state.crmIntegrations[r.integrationId];
        else if (this.state.crmIntegrations[r.integrationId])
          delete this.state.crmIntegrations[r.integrationId].deleting;
        this.save();
      }
      return {
        status: 200,
        body:
          r.status === "FAILED"
            ? {
                requestId: requestId(),
                status: "FAILED",
                errors: [{ line: 0, description: "The integration could not be deleted" }],
                totalErrorCount: 1,
                totalSuccessCount: 0,
              }
            : { requestId: requestId(), status: r.status, totalErrorCount: 0, totalSuccessCount: 1 },
      };
    });

    // ---- permission profiles ----
    const unknownWorkspace = (id: unknown) =>
      this.problem(400, "bad-request", `Workspace ${id} does not exist`);
    // Gong documents 400 (not 404) for a profile id it does not know.
    const notFound = (id: unknown) =>
      this.problem(400, "bad-request", `Permission profile ${id} was not found`);
    const invalid = (b: Stored): string | undefined => {
      for (const k of ["libraryFolderAccess"]) {
        const a = b[k];
        if (a && a.permissionLevel === "none") {
          const set = [
            "libraryFolderIds",
            "managePublicFolder",
            "manageStreams",
            "manageFolderCalls",
            "shareFoldersAndStreams",
          ].filter((f) => (Array.isArray(a[f]) ? a[f].length > 0 : a[f] === true));
          if (set.length) return `${k}: ${set.join(", ")} require a permissionLevel other than "none"`;
        }
      }
      return undefined;
    };
    const sameName = (workspaceId: string, name: string, except?: string) =>
      Object.values(this.state.profiles).find(
        (p) => p.workspaceId === workspaceId && p.name === name && p.id !== except,
      );

    this.on("listPermissionProfile", (ctx) => {
      const ws = String(ctx.query.workspaceId);
      if (!this.state.workspaces[ws]) return unknownWorkspace(ws);
      const profiles = Object.values(this.state.profiles)
        .filter((p) => p.workspaceId === ws)
        .map((p) => this.profileView(p));
      return { status: 200, body: { requestId: requestId(), profiles } };
    });
    this.on("getPermissionProfile", (ctx) => {
      const p = this.state.profiles[String(ctx.query.profileId)];
      return p
        ? { status: 200, body: { requestId: requestId(), profile: this.profileView(p) } }
        : notFound(ctx.query.profileId);
    });
    this.on("createPermissionProfile", (ctx) => {
      const ws = String(ctx.query.workspaceId);
      const b = ctx.body ?? {};
      if (!this.state.workspaces[ws]) return unknownWorkspace(ws);
      if (typeof b.name !== "string" || !b.name.trim())
        return this.problem(400, "bad-request", "name is required");
      if (sameName(ws, b.name))
        return this.problem(400, "bad-request", `A permission profile named "${b.name}" already exists`);
      const problem = invalid(b);
      if (problem) return this.problem(400, "bad-request", problem);
      const id = numericId(19);
      // Every boolean permission of Gong's PermissionProfileDTO starts false, as in a new Gong profile.
      const dto = this.spec.doc.components.schemas.PermissionProfileDTO.properties as Record<string, any>;
      const flags = Object.keys(dto).filter((k) => dto[k].type === "boolean");
      const defaults: Stored = Object.fromEntries(flags.map((f) => [f, false]));
      for (const a of ["callsAccess", "dealsAccess", "emailsAccess", "libraryFolderAccess"]) {
        defaults[a] = { permissionLevel: "none" };
      }
      const { id: _ignored, ...fields } = b;
      const stored = { ...defaults, ...clone(fields), id, workspaceId: ws };
      this.state.profiles[id] = stored;
      this.save();
      return { status: 200, body: { requestId: requestId(), profile: this.profileView(stored) } };
    });
    this.on("updatePermissionProfile", (ctx) => {
      const id = String(ctx.query.profileId);
      const p = this.state.profiles[id];
      if (!p) return notFound(id);
      const { id: _ignored, ...fields } = ctx.body ?? {};
      if (fields.name !== undefined && sameName(p.workspaceId, fields.name, id)) {
        return this.problem(400, "bad-request", `A permission profile named "${fields.name}" already exists`);
      }
      const next = { ...p, ...clone(fields) };
      const problem = invalid(next);
      if (problem) return this.problem(400, "bad-request", problem);
      this.state.profiles[id] = next;
      this.save();
      return { status: 200, body: { requestId: requestId(), profile: this.profileView(next) } };
    });
  }
}
