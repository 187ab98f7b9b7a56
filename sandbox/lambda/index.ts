// Stand-in for the Lambda Cloud API v1 (sandbox/specs/vendor/lambda/openapi.json, v1.8.3), reduced to
// SSH keys, file systems and instances.
//
// Faithful where the project depends on it:
// - auth: `Authorization: Bearer <key>`, or Basic with `base64(<key>:)` or the bare key (the description's
//   bearerAuth and basicAuth schemes); anything else is 401 `global/invalid-api-key`.
// - errors: {error: {code, message, suggestion}} with the description's codes.
// - rate limits from the description's introduction: one request per second in general, launches one per
//   12 s; both answered 429 with Retry-After. Settings: `requestsPerWindow` (1), `windowMs` (1000),
//   `launchIntervalMs` (12000). The launch limit is counted apart from the general one.
// - instances (instances.ts): launch needs exactly one existing SSH key, known instance type, file systems
//   in the same region; they boot (`booting` → `active` after `bootMs`, default 3000) and terminate
//   (`terminating` → `terminated` after `terminateMs`, default 2000). The list shows instances that are
//   not terminated; GET by id still answers a terminated one. `insufficientCapacity` (true, or a list of
//   instance type names) answers launches with 400 `instance-operations/launch/insufficient-capacity`;
//   `instanceQuota` (default 8) with 400 `global/quota-exceeded`.
// - SSH keys (sshKeys.ts): a key without `public_key` is generated (ed25519) and its private key returned
//   once.
// - file systems (fileSystems.ts): names unique per account (400 `global/duplicate`); one mounted by an
//   instance that is not terminated is in use and refuses delete with 400 `filesystems/filesystem-in-use`.
// The description documents no 429 (the limits are in its prose only): the stand-in's own 429s are
// recorded as violations by the harness, which is why the client paces itself to never provoke them.
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "../core";
import { OpenApiSpec, vendorSpecDir } from "../openapi";
import { fileSystemRoutes } from "./fileSystems";
import { instanceRoutes } from "./instances";
import { sshKeyRoutes } from "./sshKeys";
import { LAMBDA_OPERATIONS, LAMBDA_SANDBOX, type LambdaState } from "./state";

export { LAMBDA_OPERATIONS, LAMBDA_SANDBOX } from "./state";

const CODES: Record<number, string> = {
  400: "global/invalid-parameters",
  401: "global/invalid-api-key",
  403: "global/account-inactive",
  404: "global/object-does-not-exist",
  429: "global/rate-limit-exceeded",
  500: "global/internal-error",
};

export class LambdaSandbox extends Service<LambdaState> {
  readonly name = "lambda";
  readonly spec = new OpenApiSpec(path.join(vendorSpecDir(), "lambda", "openapi.json"), {
    operations: LAMBDA_OPERATIONS,
  });
  private recent: number[] = [];
  private lastLaunch = 0;

  constructor() {
    super();
    for (const table of [sshKeyRoutes(this), fileSystemRoutes(this), instanceRoutes(this)])
      for (const [operationId, handler] of Object.entries(table)) this.on(operationId, handler);
  }

  protected seed(): LambdaState {
    return { sshKeys: {}, filesystems: {}, instances: {}, nextHost: 2 };
  }

  setting<T>(key: string, fallback: T): T {
    return (this.settings[key] as T | undefined) ?? fallback;
  }

  /** An error in Lambda's shape; `title` is used as the code when it is one (contains a slash). */
  problem(status: number, title: string, detail: string, suggestion?: string): Reply {
    const code = title.includes("/") ? title : (CODES[status] ?? (status >= 500 ? CODES[500] : CODES[400]));
    return {
      status,
      body: {
        error: {
          code,
          message: detail || title,
          ...(suggestion ? { suggestion } : status >= 500 ? { suggestion: "Try again later." } : {}),
        },
      },
    };
  }

  protected authenticate(ctx: Ctx): Reply | undefined {
    const auth = String(ctx.headers.authorization ?? "");
    const key = LAMBDA_SANDBOX.apiKey;
    const basic = auth.startsWith("Basic ") ? auth.slice(6).trim() : undefined;
    const ok =
      auth === `Bearer ${key}` ||
      (basic !== undefined &&
        (basic === key || Buffer.from(basic, "base64").toString("utf8").replace(/:$/, "") === key));
    if (!ok) {
      return this.problem(
        401,
        "global/invalid-api-key",
        "API key was invalid, expired, or deleted.",
        "Check your API key or create a new one, then try again.",
      );
    }
    return this.limit(ctx);
  }

  private tooMany(retryMs: number, message: string): Reply {
    const reply = this.problem(429, "global/rate-limit-exceeded", message, "Slow down and try again.");
    reply.headers = { "retry-after": String(Math.max(1, Math.ceil(retryMs / 1000))) };
    return reply;
  }

  /** One request per second in general; launches one per 12 s (counted on their own). */
  private limit(ctx: Ctx): Reply | undefined {
    const now = Date.now();
    if (ctx.method === "POST" && ctx.path === "/api/v1/instance-operations/launch") {
      const interval = this.setting("launchIntervalMs", 12_000);
      if (now - this.lastLaunch < interval) {
        return this.tooMany(this.lastLaunch + interval - now, "Too many launch requests.");
      }
      this.lastLaunch = now;
      return undefined;
    }
    const windowMs = this.setting("windowMs", 1000);
    this.recent = this.recent.filter((t) => t > now - windowMs);
    if (this.recent.length >= this.setting("requestsPerWindow", 1)) {
      return this.tooMany(this.recent[0] + windowMs - now, "Too many requests.");
    }
    this.recent.push(now);
    return undefined;
  }

  /** Moves instances along booting → active and terminating → terminated as time passes. */
  advance(): void {
    const now = Date.now();
    let changed = false;
    for (const i of Object.values(this.state.instances)) {
      if (i.status === "booting" && now - i.launchedAt >= this.setting("bootMs", 3000)) {
        i.status = "active";
        changed = true;
      }
      if (i.status === "terminating" && now - (i.terminatedAt ?? now) >= this.setting("terminateMs", 2000)) {
        i.status = "terminated";
        changed = true;
      }
    }
    if (changed) this.save();
  }
}
