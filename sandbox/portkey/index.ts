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
// Routes by API object: integrations.ts, providers.ts, configs.ts, guardrails.ts; the served part of
// the description: spec.ts.
import { type Ctx, type Reply, Service } from "../core";
import { OpenApiSpec, type Operation } from "../openapi";
import { configRoutes } from "./configs";
import { guardrailRoutes } from "./guardrails";
import { integrationRoutes } from "./integrations";
import { providerRoutes } from "./providers";
import { portkeySpecFile } from "./spec";
import { PORTKEY_SANDBOX, type PortkeyState } from "./state";

export { PORTKEY_OPERATIONS, portkeySpecFile } from "./spec";
export { PORTKEY_SANDBOX } from "./state";

export class PortkeySandbox extends Service<PortkeyState> {
  readonly name = "portkey";
  readonly spec = new OpenApiSpec(portkeySpecFile());

  constructor() {
    super();
    const tables = [integrationRoutes(this), providerRoutes(this), configRoutes(this), guardrailRoutes(this)];
    for (const table of tables)
      for (const [operation, handler] of Object.entries(table)) this.on(operation, handler);
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
    const body = ctx.body as { workspace_id?: string } | undefined;
    const ws = (ctx.query.workspace_id as string | undefined) ?? body?.workspace_id;
    if (ws && ws !== owner.workspaceId) {
      const msg = `This API key cannot access workspace ${ws}`;
      return this.problem(403, "forbidden", msg);
    }
    return undefined;
  }
}
