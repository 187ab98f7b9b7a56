// Stand-in for OpenRouter's management API (sandbox/specs/vendor/openrouter/openapi.yaml): API keys and
// the model catalogue.
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
import { createHash, randomBytes } from "node:crypto";
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec, type Operation, vendorSpecDir } from "./openapi";

export const OPENROUTER_SANDBOX = {
  managementKey: "sk-or-v1-sandbox-management-key-0001",
  workspaceId: "0df9e665-d932-5740-b2c7-b52af166bc11",
  userId: "user_sandbox0000000000000000000",
};

export const OPENROUTER_OPERATIONS = [
  "list",
  "createKeys",
  "getKey",
  "updateKeys",
  "deleteKeys",
  "getModels",
];

const PAGE_SIZE = 100;

type Stored = Record<string, any>;

interface OpenRouterState {
  managementKeys: string[];
  /** API keys by hash; never the key string. */
  keys: Record<string, Stored>;
  /** The catalogue by modelKey(id) (the id with "/" as "__", so the admin API can address it). */
  models: Record<string, Stored>;
}

function model(
  id: string,
  name: string,
  o: {
    context: number;
    prompt: string;
    completion: string;
    tokenizer: string;
    instruct?: string | null;
    input?: string[];
    output?: string[];
    maxOut?: number | null;
    created: number;
  },
): Stored {
  const output = o.output ?? ["text"];
  const input = o.input ?? ["text"];
  return {
    id,
    canonical_slug: id,
    hugging_face_id: null,
    name,
    created: o.created,
    description: `${name}, served through OpenRouter.`,
    context_length: o.context,
    architecture: {
      modality: `${input.join("+")}->${output.join("+")}`,
      input_modalities: input,
      output_modalities: output,
      tokenizer: o.tokenizer,
      instruct_type: o.instruct ?? null,
    },
    pricing: { prompt: o.prompt, completion: o.completion, request: "0", image: "0" },
    top_provider: { context_length: o.context, max_completion_tokens: o.maxOut ?? null, is_moderated: true },
    per_request_limits: null,
    supported_parameters: output.includes("text")
      ? ["temperature", "top_p", "max_tokens", "stop", "tools", "tool_choice", "response_format", "seed"]
      : [],
    default_parameters: null,
    supported_voices: null,
    knowledge_cutoff: null,
    expiration_date: null,
    links: { details: `/api/v1/models/${id}/endpoints` },
  };
}

export const OPENROUTER_MODELS: Stored[] = [
  model("openai/gpt-4o", "OpenAI: GPT-4o", {
    context: 128000,
    prompt: "0.0000025",
    completion: "0.00001",
    tokenizer: "GPT",
    input: ["text", "image", "file"],
    maxOut: 16384,
    created: 1715558400,
  }),
  model("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", {
    context: 128000,
    prompt: "0.00000015",
    completion: "0.0000006",
    tokenizer: "GPT",
    input: ["text", "image", "file"],
    maxOut: 16384,
    created: 1721260800,
  }),
  model("openai/o3-mini", "OpenAI: o3 Mini", {
    context: 200000,
    prompt: "0.0000011",
    completion: "0.0000044",
    tokenizer: "GPT",
    input: ["text", "file"],
    maxOut: 100000,
    created: 1738281600,
  }),
  model("anthropic/claude-3.5-sonnet", "Anthropic: Claude 3.5 Sonnet", {
    context: 200000,
    prompt: "0.000003",
    completion: "0.000015",
    tokenizer: "Claude",
    input: ["text", "image", "file"],
    maxOut: 8192,
    created: 1729555200,
  }),
  model("anthropic/claude-3.5-haiku", "Anthropic: Claude 3.5 Haiku", {
    context: 200000,
    prompt: "0.0000008",
    completion: "0.000004",
    tokenizer: "Claude",
    input: ["text", "image"],
    maxOut: 8192,
    created: 1730678400,
  }),
  model("anthropic/claude-3-opus", "Anthropic: Claude 3 Opus", {
    context: 200000,
    prompt: "0.000015",
    completion: "0.000075",
    tokenizer: "Claude",
    input: ["text", "image"],
    maxOut: 4096,
    created: 1709596800,
  }),
  model("google/gemini-2.0-flash-001", "Google: Gemini 2.0 Flash", {
    context: 1048576,
    prompt: "0.0000001",
    completion: "0.0000004",
    tokenizer: "Gemini",
    input: ["text", "image", "file", "audio"],
    maxOut: 8192,
    created: 1738713600,
  }),
  model("google/gemini-pro-1.5", "Google: Gemini 1.5 Pro", {
    context: 2000000,
    prompt: "0.00000125",
    completion: "0.000005",
    tokenizer: "Gemini",
    input: ["text", "image"],
    maxOut: 8192,
    created: 1712620800,
  }),
  model("meta-llama/llama-3.1-70b-instruct", "Meta: Llama 3.1 70B Instruct", {
    context: 131072,
    prompt: "0.0000001",
    completion: "0.00000028",
    tokenizer: "Llama3",
    instruct: "llama3",
    created: 1721692800,
  }),
  model("mistralai/mistral-large", "Mistral Large", {
    context: 128000,
    prompt: "0.000002",
    completion: "0.000006",
    tokenizer: "Mistral",
    created: 1708905600,
  }),
  model("deepseek/deepseek-chat", "DeepSeek: DeepSeek V3", {
    context: 163840,
    prompt: "0.0000003",
    completion: "0.00000088",
    tokenizer: "DeepSeek",
    created: 1735257600,
  }),
  model("qwen/qwen-2.5-72b-instruct", "Qwen2.5 72B Instruct", {
    context: 32768,
    prompt: "0.00000012",
    completion: "0.00000039",
    tokenizer: "Qwen",
    instruct: "chatml",
    created: 1726704000,
  }),
  model("openai/text-embedding-3-small", "OpenAI: Text Embedding 3 Small", {
    context: 8192,
    prompt: "0.00000002",
    completion: "0",
    tokenizer: "GPT",
    output: ["embeddings"],
    created: 1706140800,
  }),
];

/** The admin API's id of a model: its id with "/" replaced by "__" (admin paths split on "/"). */
export const modelKey = (id: string) => id.replace(/\//g, "__");

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
/** A timestamp as the API writes it: UTC, no zero fraction, e.g. 2027-12-31T23:59:59Z. */
const canonicalTime = (t: string) => new Date(Date.parse(t)).toISOString().replace(/\.000Z$/, "Z");
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

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
        const t = param.schema?.type;
        if (param.in === "query" && Array.isArray(t) && t.includes("null")) {
          const rest = t.filter((x: string) => x !== "null");
          if (rest.length === 1) param.schema = { ...param.schema, type: rest[0] };
        }
      }
    }
    this.routes();
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

  /** The API's view of a stored key (usage figures as a key without traffic has them). */
  private view(k: Stored): Stored {
    return clone(k);
  }

  private routes(): void {
    const notFound = (hash: string) => this.problem(404, "not-found", `API key ${hash} not found`);

    this.on("list", (ctx) => {
      const includeDisabled = ctx.query.include_disabled === "true";
      const offset = Number(ctx.query.offset ?? 0);
      const all = Object.values(this.state.keys)
        .filter((k) => includeDisabled || !k.disabled)
        .sort(
          (a, b) => String(a.created_at).localeCompare(String(b.created_at)) || a.hash.localeCompare(b.hash),
        );
      return { status: 200, body: { data: all.slice(offset, offset + PAGE_SIZE).map((k) => this.view(k)) } };
    });

    this.on("createKeys", (ctx) => {
      const b = ctx.body ?? {};
      if (typeof b.expires_at === "string") {
        if (!b.expires_at.endsWith("Z")) {
          return this.problem(400, "bad-request", "expires_at must be a UTC timestamp (ending in Z)");
        }
        if (Date.parse(b.expires_at) <= Date.now()) {
          return this.problem(400, "bad-request", "expires_at must be in the future");
        }
      }
      const key = `sk-or-v1-${randomBytes(32).toString("hex")}`;
      const hash = sha256(key);
      const limit = b.limit ?? null;
      const stored: Stored = {
        hash,
        name: b.name,
        label: `${key.slice(0, 12)}...${key.slice(-4)}`,
        disabled: false,
        limit,
        limit_remaining: limit,
        limit_reset: b.limit_reset ?? null,
        include_byok_in_limit: b.include_byok_in_limit ?? false,
        usage: 0,
        usage_daily: 0,
        usage_weekly: 0,
        usage_monthly: 0,
        byok_usage: 0,
        byok_usage_daily: 0,
        byok_usage_weekly: 0,
        byok_usage_monthly: 0,
        created_at: now(),
        updated_at: null,
        // OpenRouter writes the expiry back in its own form (whole seconds, "Z"), not as it was sent
        expires_at: typeof b.expires_at === "string" ? canonicalTime(b.expires_at) : null,
        creator_user_id: b.creator_user_id ?? OPENROUTER_SANDBOX.userId,
        workspace_id: b.workspace_id ?? OPENROUTER_SANDBOX.workspaceId,
      };
      this.state.keys[hash] = stored;
      this.save();
      return { status: 201, body: { data: this.view(stored), key } };
    });

    this.on("getKey", (ctx) => {
      const k = this.state.keys[ctx.params.hash];
      return k ? { status: 200, body: { data: this.view(k) } } : notFound(ctx.params.hash);
    });

    this.on("updateKeys", (ctx) => {
      const k = this.state.keys[ctx.params.hash];
      if (!k) return notFound(ctx.params.hash);
      const b = ctx.body ?? {};
      for (const f of ["name", "disabled", "limit", "limit_reset", "include_byok_in_limit"]) {
        if (b[f] !== undefined) k[f] = b[f];
      }
      k.limit_remaining = k.limit === null ? null : Math.max(0, k.limit - k.usage);
      k.updated_at = now();
      this.save();
      return { status: 200, body: { data: this.view(k) } };
    });

    this.on("deleteKeys", (ctx) => {
      if (!this.state.keys[ctx.params.hash]) return notFound(ctx.params.hash);
      delete this.state.keys[ctx.params.hash];
      this.save();
      return { status: 200, body: { deleted: true } };
    });

    this.on("getModels", (ctx) => {
      const wanted = String(ctx.query.output_modalities ?? "text")
        .split(",")
        .map((s) => s.trim());
      const data = Object.values(this.state.models).filter(
        (m) =>
          wanted.includes("all") || m.architecture.output_modalities.some((o: string) => wanted.includes(o)),
      );
      return { status: 200, body: { data: clone(data), total_count: data.length, links: { next: null } } };
    });
  }
}
