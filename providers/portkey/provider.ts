// PortkeyProvider: a workspace's use of an integration, with its usage (budget) and rate limits
// (POST/GET/PUT/DELETE /providers). Requests name it `@<slug>/<model>`; configs target it by `@<slug>`.
import type * as pulumi from "@pulumi/pulumi";
import { isPlainObject, isUnknown } from "../dynamic";
import { dynamicProvider, dynamicResource, must, object, optional, type Rule, str, text } from "../kit";
import {
  configuredPortkey,
  type PortkeyClient,
  type ProviderApi,
  type RateLimit,
  SLUG,
  type UsageLimits,
} from "./client";

export interface ProviderInputs {
  name: string;
  slug: string;
  /** Slug of the integration holding the vendor's key. */
  integrationSlug: string;
  workspaceId?: string;
  note?: string;
  usageLimits?: UsageLimits;
  rateLimit?: RateLimit;
}

export interface ProviderOutputs extends ProviderInputs {
  status: string;
}

const RATE_TYPES = ["requests", "tokens"];
const RATE_UNITS = ["rpm", "rph", "rpd"];

const isCount = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;

/** The fields of a usage-limit object (the `object` rule reports one that is not an object). */
const usageFields: Rule = (u) => {
  if (!isPlainObject(u)) return undefined;
  const out = ["credit_limit", "alert_threshold"]
    .filter((k) => u[k] !== undefined && !isUnknown(u[k]) && !isCount(u[k], 1))
    .map((k) => `usageLimits.${k} must be an integer ≥ 1`);
  if (u.type !== undefined && !["cost", "tokens"].includes(u.type as string)) {
    out.push('usageLimits.type must be "cost" or "tokens"');
  }
  if (u.periodic_reset !== undefined && !["monthly", "weekly"].includes(u.periodic_reset as string)) {
    out.push('usageLimits.periodic_reset must be "monthly" or "weekly"');
  }
  if (
    typeof u.credit_limit === "number" &&
    typeof u.alert_threshold === "number" &&
    u.alert_threshold > u.credit_limit
  ) {
    out.push("usageLimits.alert_threshold must not exceed usageLimits.credit_limit");
  }
  return out;
};

/** The fields of a rate-limit object. */
const rateFields: Rule = (r) => {
  if (!isPlainObject(r)) return undefined;
  const out: string[] = [];
  if (!RATE_TYPES.includes(r.type as string))
    out.push(`rateLimit.type must be one of ${RATE_TYPES.join(", ")}`);
  if (!RATE_UNITS.includes(r.unit as string))
    out.push(`rateLimit.unit must be one of ${RATE_UNITS.join(", ")}`);
  if (!isUnknown(r.value) && !isCount(r.value, 0))
    out.push("rateLimit.value must be an integer ≥ 0 (0 disables)");
  return out;
};

/**
 * Only the usage-limit keys the program declares: Portkey fills in others (next_usage_reset_at is
 * computed from periodic_reset, type may come back defaulted), which would show as a change on every
 * up. A declared key that Portkey changed or dropped still shows as drift.
 */
function declaredUsage(remote: ProviderApi["usage_limits"], declared?: UsageLimits): UsageLimits | undefined {
  if (!remote || !declared || typeof declared !== "object") return undefined;
  const r = remote as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(declared)
      .filter((k) => r[k] !== null && r[k] !== undefined)
      .map((k) => [k, r[k]]),
  ) as UsageLimits;
}

function toOutputs(r: ProviderApi, declared: ProviderInputs): ProviderOutputs {
  const usage = declaredUsage(r.usage_limits, declared.usageLimits);
  const rate = r.rate_limits?.[0];
  return {
    name: r.name,
    slug: r.slug,
    integrationSlug: r.integration_id,
    ...(declared.workspaceId !== undefined ? { workspaceId: declared.workspaceId } : {}),
    ...(declared.note !== undefined ? { note: r.note ?? "" } : {}),
    ...(usage ? { usageLimits: usage } : {}),
    ...(rate ? { rateLimit: { type: rate.type, unit: rate.unit, value: rate.value } } : {}),
    status: r.status ?? "active",
  };
}

const body = (i: ProviderInputs) => ({
  name: i.name,
  ...(i.note !== undefined ? { note: i.note } : {}),
  ...(i.usageLimits ? { usage_limits: i.usageLimits } : {}),
  ...(i.rateLimit ? { rate_limits: i.rateLimit } : {}),
});

export const providerProvider = dynamicProvider<ProviderInputs, ProviderOutputs, PortkeyClient>({
  client: configuredPortkey,
  rules: {
    name: str(),
    slug: str(SLUG),
    integrationSlug: str(SLUG),
    workspaceId: optional(str()),
    note: text,
    usageLimits: [object, usageFields],
    rateLimit: [object, rateFields],
  },
  diff: {
    replace: ["slug", "integrationSlug", "workspaceId"],
    // PUT can change a rate limit but not remove one (rate_limits is not nullable there): a provider
    // whose limit is dropped is made anew
    replaceIf: { rateLimit: (olds, news) => !!olds.rateLimit && !news.rateLimit },
    update: ["name", "note", "usageLimits", "rateLimit"],
    deleteFirst: "slug",
    stables: ["slug"],
  },

  async create(inputs, api) {
    const c = api();
    const ws = inputs.workspaceId;
    const find = () => c.get("providers", inputs.slug, ws);
    // Orphans: the slug carries the stack's prefix, so a provider of that slug the state does not hold was
    // made by an interrupted run. It is adopted and brought to the declared state; one on another
    // integration (which cannot change) is deleted and made anew.
    let existing = await find();
    if (existing && existing.integration_id !== inputs.integrationSlug) {
      await c.remove("providers", inputs.slug, ws);
      existing = undefined;
    }
    if (existing) {
      await c.update("providers", inputs.slug, body(inputs), ws);
    } else {
      await c.create(
        "providers",
        {
          ...body(inputs),
          slug: inputs.slug,
          integration_id: inputs.integrationSlug,
          ...(ws ? { workspace_id: ws } : {}),
        },
        find,
      );
    }
    const remote = must(
      await find(),
      `Portkey: provider "${inputs.slug}" was not found after it was created`,
    );
    return { id: remote.slug, outs: toOutputs(remote, inputs) };
  },

  async read(id, props, api) {
    const remote = await api().get("providers", id, props.workspaceId);
    return remote && toOutputs(remote, props);
  },

  async update(id, olds, news, api) {
    const b: Record<string, unknown> = body(news);
    // a limit removed from the program is cleared (usage_limits is nullable on update)
    if (!news.usageLimits && olds.usageLimits) b.usage_limits = null;
    return toOutputs(await api().updateAndRead("providers", id, b, news.workspaceId), news);
  },

  async delete(id, props, api) {
    await api().remove("providers", id, props?.workspaceId);
  },
});

export interface ProviderArgs {
  name: pulumi.Input<string>;
  slug: pulumi.Input<string>;
  integrationSlug: pulumi.Input<string>;
  workspaceId?: pulumi.Input<string>;
  note?: pulumi.Input<string>;
  usageLimits?: pulumi.Input<UsageLimits>;
  rateLimit?: pulumi.Input<RateLimit>;
}

export class PortkeyProvider extends dynamicResource<ProviderArgs>()(providerProvider, {
  declaredIn: __filename,
  type: "portkey:Provider",
  outputs: ["slug", "status", "usageLimits", "rateLimit"],
}) {}
