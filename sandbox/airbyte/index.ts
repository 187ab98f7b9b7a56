// Stand-in for the Airbyte public API v1 (sandbox/specs/vendor/airbyte/api.yaml).
//
// Faithful where the project depends on it: client-credentials tokens that expire (expired → 401),
// workspaces, sources, destinations, connections and jobs with the documented request and response
// shapes, limit/offset pagination with `next` links, RFC 7807 problem bodies as the real API sends, and
// connector secrets masked in every response as the real API masks `airbyte_secret` fields.
// Routes by API object: auth.ts, workspaces.ts, actors.ts (sources, destinations), connections.ts
// (connections, jobs).
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "../core";
import { OpenApiSpec, vendorSpecDir } from "../openapi";
import { actorRoutes } from "./actors";
import { authRoutes } from "./auth";
import { connectionRoutes, jobRoutes } from "./connections";
import { AIRBYTE_SANDBOX, type AirbyteState } from "./state";
import { workspaceRoutes } from "./workspaces";

export { AIRBYTE_SANDBOX } from "./state";

export class AirbyteSandbox extends Service<AirbyteState> {
  readonly name = "airbyte";
  readonly spec = new OpenApiSpec(path.join(vendorSpecDir(), "airbyte", "api.yaml"));

  constructor() {
    super();
    const tables = [
      { getHealthCheck: () => ({ status: 200 }) },
      authRoutes(this),
      workspaceRoutes(this),
      actorRoutes(this, "source"),
      actorRoutes(this, "destination"),
      connectionRoutes(this),
      jobRoutes(this),
    ];
    for (const table of tables)
      for (const [operationId, handler] of Object.entries(table)) this.on(operationId, handler);
  }

  protected seed(): AirbyteState {
    const { clientId, clientSecret, workspaceId } = AIRBYTE_SANDBOX;
    return {
      applications: { [clientId]: { clientId, clientSecret } },
      tokens: {},
      workspaces: {
        [workspaceId]: { workspaceId, name: "sophia-sandbox", dataResidency: "auto", notifications: {} },
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

  get tokenLifetime(): number {
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
}
