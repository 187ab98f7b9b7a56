// API keys: stored by hash (sha256 of the key string), which is returned only by createKeys. expires_at
// must be UTC and in the future, is written back in the API's own form and cannot be changed; list hides
// disabled keys unless include_disabled=true, and pages by offset (PAGE_SIZE per page).
import { createHash, randomBytes } from "node:crypto";
import type { Handler } from "../core";
import { assignDefined, clone } from "../core/util";
import type { OpenRouterSandbox } from "./index";
import { type ApiKey, OPENROUTER_SANDBOX } from "./state";

const PAGE_SIZE = 100;

/** A createKeys request, as validated by the harness (updateKeys takes the first four members). */
interface KeyBody {
  name: string;
  disabled?: boolean;
  limit?: number | null;
  limit_reset?: string | null;
  include_byok_in_limit?: boolean;
  expires_at?: string | null;
  creator_user_id?: string;
  workspace_id?: string;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
/** A timestamp as the API writes it: UTC, no zero fraction, e.g. 2027-12-31T23:59:59Z. */
const canonicalTime = (t: string) => new Date(Date.parse(t)).toISOString().replace(/\.000Z$/, "Z");
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** Why a createKeys request's expiry is refused, if it is. */
function expiryProblem(expires: unknown): string | undefined {
  if (typeof expires !== "string") return undefined;
  if (!expires.endsWith("Z")) return "expires_at must be a UTC timestamp (ending in Z)";
  if (Date.parse(expires) <= Date.now()) return "expires_at must be in the future";
  return undefined;
}

/** A new key (and its stored record) from a createKeys request. */
function newKey(b: KeyBody): { key: string; stored: ApiKey } {
  const key = `sk-or-v1-${randomBytes(32).toString("hex")}`;
  const limit = b.limit ?? null;
  const stored: ApiKey = {
    hash: sha256(key),
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
  return { key, stored };
}

export function apiKeyRoutes(s: OpenRouterSandbox): Record<string, Handler> {
  const notFound = (hash: string) => s.problem(404, "not-found", `API key ${hash} not found`);
  return {
    list: (ctx) => {
      const includeDisabled = ctx.query.include_disabled === "true";
      const offset = Number(ctx.query.offset ?? 0);
      const all = Object.values(s.state.keys)
        .filter((k) => includeDisabled || !k.disabled)
        .sort(
          (a, b) => String(a.created_at).localeCompare(String(b.created_at)) || a.hash.localeCompare(b.hash),
        );
      return { status: 200, body: { data: all.slice(offset, offset + PAGE_SIZE).map(clone) } };
    },
    createKeys: (ctx) => {
      const b = (ctx.body ?? {}) as KeyBody;
      const problem = expiryProblem(b.expires_at);
      if (problem) return s.problem(400, "bad-request", problem);
      const { key, stored } = newKey(b);
      s.state.keys[stored.hash] = stored;
      s.save();
      return { status: 201, body: { data: clone(stored), key } };
    },
    getKey: (ctx) => {
      const k = s.state.keys[ctx.params.hash];
      return k ? { status: 200, body: { data: clone(k) } } : notFound(ctx.params.hash);
    },
    updateKeys: (ctx) => {
      const k = s.state.keys[ctx.params.hash];
      if (!k) return notFound(ctx.params.hash);
      const b = (ctx.body ?? {}) as Partial<KeyBody>;
      assignDefined(k, b, ["name", "disabled", "limit", "limit_reset", "include_byok_in_limit"]);
      k.limit_remaining = k.limit === null ? null : Math.max(0, k.limit - k.usage);
      k.updated_at = now();
      s.save();
      return { status: 200, body: { data: clone(k) } };
    },
    deleteKeys: (ctx) => {
      if (!s.state.keys[ctx.params.hash]) return notFound(ctx.params.hash);
      delete s.state.keys[ctx.params.hash];
      s.save();
      return { status: 200, body: { deleted: true } };
    },
  };
}
