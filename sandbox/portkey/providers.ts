// Providers: a workspace's use of an integration, with its usage and rate limits.
import { randomUUID } from "node:crypto";
import type { Handler } from "../core";
import type { PortkeySandbox } from "./index";
import { defined, now, PORTKEY_SANDBOX, type Provider, page, slugFrom, type UsageLimits } from "./state";

/** A create request of a provider (an update's members are all optional), as validated by the harness. */
interface ProviderBody {
  name: string;
  slug?: string;
  integration_id: string;
  workspace_id?: string;
  note?: string;
  usage_limits?: UsageLimits | null;
  rate_limits?: unknown;
  expires_at?: string | null;
}

/**
 * Usage limits as Portkey keeps them: UsageLimits.next_usage_reset_at is "Auto-computed from
 * periodic_reset or periodic_reset_days if not provided" (the next 1st of the month, next Monday, or
 * N days on, at 00:00 UTC).
 */
function withResetAt(u: UsageLimits | null | undefined): UsageLimits | undefined {
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
    out.next_usage_reset_at = new Date(midnight + Number(out.periodic_reset_days) * day).toISOString();
  return out;
}

export function newProvider(b: ProviderBody & { slug: string }): Provider {
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
    expires_at: b.expires_at ?? undefined,
    created_at: now(),
    object: "provider",
  });
}

function providerView(p: Provider) {
  const { id: _id, workspace_id: _ws, ...rest } = p;
  return defined({
    ...rest,
    usage_limits: p.usage_limits ? defined(p.usage_limits) : undefined,
    rate_limits: p.rate_limits?.length ? p.rate_limits : undefined,
  });
}

export function providerRoutes(s: PortkeySandbox): Record<string, Handler> {
  const notFound = (slug: string) => s.problem(404, "not-found", `Provider ${slug} not found`);
  return {
    "get /providers": (ctx) => {
      const all = Object.values(s.state.providers);
      return {
        status: 200,
        body: { object: "list", total: all.length, data: page(ctx, all, 50).map(providerView) },
      };
    },
    "post /providers": (ctx) => {
      const b = ctx.body as ProviderBody;
      const integration = s.state.integrations[b.integration_id];
      if (!integration)
        return s.problem(400, "bad-request", `Integration ${b.integration_id} does not exist`);
      const slug = b.slug ?? slugFrom(b.name);
      if (s.state.providers[slug])
        return s.problem(400, "bad-request", `A provider with slug ${slug} already exists in this workspace`);
      const p = newProvider({ ...b, slug });
      s.state.providers[slug] = p;
      s.save();
      return { status: 200, body: { id: p.id, slug } };
    },
    "get /providers/{slug}": (ctx) => {
      const p = s.state.providers[ctx.params.slug];
      return p ? { status: 200, body: providerView(p) } : notFound(ctx.params.slug);
    },
    "put /providers/{slug}": (ctx) => {
      const p = s.state.providers[ctx.params.slug];
      if (!p) return notFound(ctx.params.slug);
      const b = (ctx.body ?? {}) as Partial<ProviderBody>;
      if (b.name !== undefined) p.name = b.name;
      if (b.note !== undefined) p.note = b.note;
      if (b.usage_limits !== undefined) p.usage_limits = withResetAt(b.usage_limits);
      if (b.rate_limits !== undefined) p.rate_limits = b.rate_limits ? [b.rate_limits] : undefined;
      if (b.expires_at !== undefined) p.expires_at = b.expires_at ?? undefined;
      s.save();
      return { status: 200, body: { id: p.id, slug: p.slug } };
    },
    "delete /providers/{slug}": (ctx) => {
      const p = s.state.providers[ctx.params.slug];
      if (!p) return notFound(ctx.params.slug);
      delete s.state.providers[p.slug];
      s.save();
      return { status: 200, body: {} };
    },
  };
}
