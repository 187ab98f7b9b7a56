// Stand-in for the Gong API v2 (sandbox/specs/vendor/gong/openapi.json), pruned to the operations the
// project uses: workspaces, the generic CRM integration (register, list, asynchronous delete, request
// status; crmIntegrations.ts) and permission profiles (create, get, update, list; Gong has no delete;
// permissionProfiles.ts).
//
// Faithful where the project depends on it: Basic auth with an access key and secret (401 with Gong's
// {requestId, errors} body), 3 requests per second over a sliding window and a daily cap, both answered
// with 429 and Retry-After (limits in `settings`: rateLimitPerSecond, rateWindowMs, dailyLimit), one CRM
// integration per tenant (409 on a second registration), an asynchronous delete that reports PENDING /
// IN_PROGRESS for `crmDeletePendingPolls` polls and then `crmDeleteOutcome` (DONE, or FAILED), and
// integration ids that are 19-digit int64 numbers above 2^53 (written with every digit), and a 400 (not
// 404, which Gong does not document) for a delete of an unknown integration.
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "../core";
import { OpenApiSpec, vendorSpecDir } from "../openapi";
import { crmIntegrationRoutes } from "./crmIntegrations";
import { permissionProfileRoutes } from "./permissionProfiles";
import { GONG_SANDBOX, type GongState, requestId } from "./state";

export { GONG_SANDBOX } from "./state";

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
    const workspaces = {
      listWorkspaces: () => ({
        status: 200,
        body: { requestId: requestId(), workspaces: Object.values(this.state.workspaces) },
      }),
    };
    for (const table of [workspaces, crmIntegrationRoutes(this), permissionProfileRoutes(this)])
      for (const [operationId, handler] of Object.entries(table)) this.on(operationId, handler);
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

  setting(key: string, fallback: number): number {
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

  private rateLimited(detail: string, retryAfterSeconds: number): Reply {
    const reply = this.problem(429, "rate-limited", `API request limit exceeded: ${detail}`);
    reply.headers = { "retry-after": String(retryAfterSeconds) };
    return reply;
  }

  /** Gong's limits: `rateLimitPerSecond` per `rateWindowMs` (sliding) and `dailyLimit` per UTC day. */
  private limit(): Reply | undefined {
    const now = Date.now();
    const day = new Date(now).toISOString().slice(0, 10);
    if (this.daily.day !== day) this.daily = { day, count: 0 };
    if (this.daily.count >= this.setting("dailyLimit", 10_000)) {
      const midnight = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
      return this.rateLimited("the daily limit was reached", Math.ceil((midnight - now) / 1000));
    }
    const windowMs = this.setting("rateWindowMs", 1000);
    this.recent = this.recent.filter((t) => t > now - windowMs);
    if (this.recent.length >= this.setting("rateLimitPerSecond", 3)) {
      const wait = Math.max(1, Math.ceil((this.recent[0] + windowMs - now) / 1000));
      return this.rateLimited("too many requests per second", wait);
    }
    this.recent.push(now);
    this.daily.count++;
    return undefined;
  }
}
