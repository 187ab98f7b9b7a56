// Stand-in for OpenRouter's management API (sandbox/specs/vendor/openrouter/openapi.yaml): API keys
// (apiKeys.ts) and the model catalogue (models.ts, its data in catalogue.ts).
//
// Faithful where the project depends on it:
// - auth: a management key as `Authorization: Bearer` (securitySchemes.apiKey); a missing or unknown key
//   on the key routes is answered 401 {error: {code, message}} (UnauthorizedResponse). An ordinary API key
//   (one created here) is not a management key and is refused the same way. GET /models is public, as at
//   OpenRouter.
// - keys are stored by hash (sha256 of the key string); the key string itself is kept nowhere and
//   returned only by createKeys. expires_at must be UTC and in the future, is written back in the API's
//   own form (no zero fraction: "...:59.000Z" comes back as "...:59Z"), and cannot be changed (updateKeys
//   does not take it). list hides disabled keys unless include_disabled=true, and pages by
//   offset (PAGE_SIZE per page).
// - the catalogue: a dozen realistic models shaped as the description's Model schema; `output_modalities`
//   filters it (default "text", "all" for every model).
// - no rate limit of its own: OpenRouter publishes none for the management routes (its limits concern
//   inference). 429s come from injected faults.
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "../core";
import { clone } from "../core/util";
import { OpenApiSpec, type Operation, vendorSpecDir } from "../openapi";
import { apiKeyRoutes } from "./apiKeys";
import { OPENROUTER_MODELS } from "./catalogue";
import { modelKey, modelRoutes } from "./models";
import { OPENROUTER_SANDBOX, type OpenRouterState } from "./state";

export { modelKey } from "./models";
export { OPENROUTER_SANDBOX } from "./state";

export const OPENROUTER_OPERATIONS = [
  "list",
  "createKeys",
  "getKey",
  "updateKeys",
  "deleteKeys",
  "getModels",
];

export class OpenRouterSandbox extends Service<OpenRouterState> {
  readonly name = "openrouter";
  readonly spec = new OpenApiSpec(path.join(vendorSpecDir(), "openrouter", "openapi.yaml"), {
    operations: OPENROUTER_OPERATIONS,
  });

  constructor() {
    super();
    // OpenAPI 3.1 types some query parameters ["integer", "null"] (list's offset); a query string can
    // never carry a JSON null, and OpenApiSpec coerces only a single `type`: read them as the non-null type.
    for (const op of this.spec.operations) {
      for (const param of op.op.parameters ?? []) {
        const t: unknown = param.schema?.type;
        if (param.in === "query" && Array.isArray(t) && t.includes("null")) {
          const rest = t.filter((x) => x !== "null");
          if (rest.length === 1) param.schema = { ...param.schema, type: rest[0] };
        }
      }
    }
    for (const table of [apiKeyRoutes(this), modelRoutes(this)])
      for (const [operationId, handler] of Object.entries(table)) this.on(operationId, handler);
  }

  protected seed(): OpenRouterState {
    return {
      managementKeys: [OPENROUTER_SANDBOX.managementKey],
      keys: {},
      models: Object.fromEntries(OPENROUTER_MODELS.map((m) => [modelKey(m.id), clone(m)])),
    };
  }

  problem(status: number, _title: string, detail: string): Reply {
    return { status, body: { error: { code: status, message: detail } } };
  }

  protected authenticate(ctx: Ctx, op: Operation): Reply | undefined {
    if (op.operationId === "getModels") return undefined; // public
    const auth = String(ctx.headers.authorization ?? "");
    if (!auth) return this.problem(401, "unauthorized", "Missing Authentication header");
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    if (!this.state.managementKeys.includes(token)) {
      return this.problem(
        401,
        "unauthorized",
        "Invalid management key: only a management key may manage API keys",
      );
    }
    return undefined;
  }
}
