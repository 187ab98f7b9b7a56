// PortkeyProvider: a workspace's use of an integration, with its usage (budget) and rate limits
// (POST/GET/PUT/DELETE /providers). Requests name it `@<slug>/<model>`; configs target it by `@<slug>`.
import * as pulumi from "@pulumi/pulumi";
import {
  type CheckFailure,
  changedKeys,
  configValue,
  isPlainObject,
  isUnknown,
  rememberConfig,
  requireString,
} from "../dynamic";
import { configuredPortkey, type ProviderApi, type RateLimit, SLUG, type UsageLimits } from "./client";

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

/** check() of usage and rate limits, naming the failing property (also used by the component's tests). */
export function checkLimits(n: Record<string, unknown>, failures: CheckFailure[]): void {
  const u = n.usageLimits;
  if (u !== undefined && !isUnknown(u)) {
    if (!isPlainObject(u))
      failures.push({ property: "usageLimits", reason: "usageLimits must be an object" });
    else {
      for (const k of ["credit_limit", "alert_threshold"]) {
        const v = u[k];
        if (v !== undefined && !isUnknown(v) && !(Number.isInteger(v) && (v as number) >= 1)) {
          failures.push({ property: "usageLimits", reason: `usageLimits.${k} must be an integer ≥ 1` });
        }
      }
      if (u.type !== undefined && !["cost", "tokens"].includes(u.type as string)) {
        failures.push({ property: "usageLimits", reason: 'usageLimits.type must be "cost" or "tokens"' });
      }
      if (u.periodic_reset !== undefined && !["monthly", "weekly"].includes(u.periodic_reset as string)) {
        failures.push({
          property: "usageLimits",
          reason: 'usageLimits.periodic_reset must be "monthly" or "weekly"',
        });
      }
      if (
        typeof u.credit_limit === "number" &&
        typeof u.alert_threshold === "number" &&
        u.alert_threshold > u.credit_limit
      ) {
        failures.push({
          property: "usageLimits",
          reason: "usageLimits.alert_threshold must not exceed usageLimits.credit_limit",
        });
      }
    }
  }
  const r = n.rateLimit;
  if (r !== undefined && !isUnknown(r)) {
    if (!isPlainObject(r)) failures.push({ property: "rateLimit", reason: "rateLimit must be an object" });
    else {
      if (!RATE_TYPES.includes(r.type as string))
        failures.push({
          property: "rateLimit",
          reason: `rateLimit.type must be one of ${RATE_TYPES.join(", ")}`,
        });
      if (!RATE_UNITS.includes(r.unit as string))
        failures.push({
          property: "rateLimit",
          reason: `rateLimit.unit must be one of ${RATE_UNITS.join(", ")}`,
        });
      if (!isUnknown(r.value) && !(Number.isInteger(r.value) && (r.value as number) >= 0))
        failures.push({
          property: "rateLimit",
          reason: "rateLimit.value must be an integer ≥ 0 (0 disables)",
        });
    }
  }
}

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

export const providerProvider: pulumi.dynamic.ResourceProvider<ProviderInputs, ProviderOutputs> = {
  async configure(req) {
    rememberConfig(req);
  },

  async check(_olds, news) {
    const failures: CheckFailure[] = [];
    const n = news as unknown as Record<string, unknown>;
    requireString(failures, n, "name");
    requireString(failures, n, "slug", SLUG);
    requireString(failures, n, "integrationSlug", SLUG);
    if (n.workspaceId !== undefined) requireString(failures, n, "workspaceId");
    if (n.note !== undefined && !isUnknown(n.note) && typeof n.note !== "string") {
      failures.push({ property: "note", reason: "note must be a string" });
    }
    checkLimits(n, failures);
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds as any, news as any, ["slug", "integrationSlug", "workspaceId"]);
    // PUT can change a rate limit but not remove one (rate_limits is not nullable there): a provider
    // whose limit is dropped is made anew
    if (olds.rateLimit && !news.rateLimit) replaces.push("rateLimit");
    const updates = changedKeys(olds as any, news as any, ["name", "note", "usageLimits", "rateLimit"]);
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && olds.slug === news.slug,
    };
  },

  async create(inputs) {
    const c = configuredPortkey(configValue);
    const ws = inputs.workspaceId;
    const find = () => c.get("providers", inputs.slug, ws);
    const existing = await find();
    if (existing) {
      if (existing.integration_id !== inputs.integrationSlug) {
        throw new Error(
          `Portkey: provider "${inputs.slug}" exists on integration ${existing.integration_id}, not ${inputs.integrationSlug}`,
        );
      }
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
    const remote = await find();
    if (!remote) throw new Error(`Portkey: provider "${inputs.slug}" was not found after it was created`);
    return { id: remote.slug, outs: toOutputs(remote, inputs) };
  },

  async read(id, props) {
    const remote = await configuredPortkey(configValue).get("providers", id, props?.workspaceId);
    if (!remote) return { id: "", props: {} as ProviderOutputs };
    return { id, props: toOutputs(remote, props as ProviderInputs) };
  },

  async update(id, olds, news) {
    const c = configuredPortkey(configValue);
    const b: Record<string, unknown> = body(news);
    // a limit removed from the program is cleared (usage_limits is nullable on update)
    if (!news.usageLimits && olds.usageLimits) b.usage_limits = null;
    await c.update("providers", id, b, news.workspaceId);
    const remote = await c.get("providers", id, news.workspaceId);
    if (!remote) throw new Error(`Portkey: provider "${id}" disappeared during the update`);
    return { outs: toOutputs(remote, news) };
  },

  async delete(id, props) {
    await configuredPortkey(configValue).remove("providers", id, props?.workspaceId);
  },
};

export interface ProviderArgs {
  name: pulumi.Input<string>;
  slug: pulumi.Input<string>;
  integrationSlug: pulumi.Input<string>;
  workspaceId?: pulumi.Input<string>;
  note?: pulumi.Input<string>;
  usageLimits?: pulumi.Input<UsageLimits>;
  rateLimit?: pulumi.Input<RateLimit>;
}

export class PortkeyProvider extends pulumi.dynamic.Resource {
  declare readonly slug: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly usageLimits: pulumi.Output<UsageLimits | undefined>;
  declare readonly rateLimit: pulumi.Output<RateLimit | undefined>;
  constructor(name: string, args: ProviderArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerProvider, name, { ...args, status: undefined }, opts, "portkey", "Provider");
  }
}
