// PortkeyGuardrail: a set of checks (PII, regex, model whitelist, ...) and the actions taken when they
// fail (POST /guardrails, GET/PUT/DELETE /guardrails/{guardrailId}). Configs reference it by slug.
// A guardrail that no longer exists is answered with 403, as the description documents: see
// PortkeyClient.guardrailGone.
import type * as pulumi from "@pulumi/pulumi";
import { type CheckFailure, isPlainObject, isUnknown } from "../dynamic";
import { dynamicProvider, dynamicResource, must, optional, type Rule, str } from "../kit";
import { configuredPortkey, type GuardrailApi, type PortkeyClient } from "./client";

export interface GuardrailCheck {
  /** A check type, e.g. "default.regexMatch", "portkey.pii". */
  id: string;
  parameters?: Record<string, unknown>;
  name?: string;
  is_enabled?: boolean;
}

/** GuardrailActions with the description's defaults: deny on failure, synchronous, ±5 feedback. */
export function guardrailActions(deny = true, runAsync = false): Record<string, unknown> {
  return {
    deny,
    async: runAsync,
    on_success: { feedback: { value: 5, weight: 1, metadata: "" } },
    on_fail: { feedback: { value: -5, weight: 1, metadata: "" } },
  };
}

export interface GuardrailInputs {
  name: string;
  workspaceId?: string;
  checks: GuardrailCheck[];
  actions: Record<string, unknown>;
}

export interface GuardrailOutputs extends GuardrailInputs {
  slug: string;
  guardrailId: string;
}

const checksRule: Rule = (checks) => {
  if (!Array.isArray(checks) || checks.length === 0) return "checks must list at least one check";
  return checks.flatMap((c, i): CheckFailure[] => {
    if (isUnknown(c)) return [];
    if (!isPlainObject(c) || typeof c.id !== "string" || !/^[a-z0-9-]+\.[a-zA-Z0-9]+$/.test(c.id)) {
      const property = `checks[${i}].id`;
      return [{ property, reason: `${property} must be a check type like "default.regexMatch"` }];
    }
    if (c.parameters !== undefined && !isUnknown(c.parameters) && !isPlainObject(c.parameters)) {
      const property = `checks[${i}].parameters`;
      return [{ property, reason: `${property} must be an object` }];
    }
    return [];
  });
};

/** GuardrailActions requires all four. */
const actionsRule: Rule = (a) => {
  if (!isPlainObject(a)) return "actions must be an object";
  const out: CheckFailure[] = [];
  const fail = (k: string, what: string) =>
    out.push({ property: `actions.${k}`, reason: `actions.${k} must be ${what}` });
  for (const k of ["deny", "async"]) {
    if (!isUnknown(a[k]) && typeof a[k] !== "boolean") fail(k, "true or false");
  }
  for (const k of ["on_success", "on_fail"]) {
    const fb = isPlainObject(a[k]) ? (a[k] as Record<string, unknown>).feedback : undefined;
    if (
      !isUnknown(a[k]) &&
      !(isPlainObject(fb) && typeof fb.value === "number" && typeof fb.weight === "number")
    )
      fail(k, "{feedback: {value, weight, metadata}}");
  }
  return out;
};

function toOutputs(r: GuardrailApi, declared: GuardrailInputs): GuardrailOutputs {
  return {
    name: r.name,
    ...(declared.workspaceId !== undefined ? { workspaceId: r.workspace_id ?? declared.workspaceId } : {}),
    checks: r.checks ?? [],
    actions: r.actions ?? {},
    slug: r.slug,
    guardrailId: r.id,
  };
}

const live = (g: GuardrailApi | undefined) => (g && g.status !== "archived" ? g : undefined);

export const guardrailProvider = dynamicProvider<GuardrailInputs, GuardrailOutputs, PortkeyClient>({
  client: configuredPortkey,
  rules: { name: str(), workspaceId: optional(str()), checks: checksRule, actions: actionsRule },
  diff: {
    replace: ["workspaceId"],
    update: ["name", "checks", "actions"],
    deleteFirst: "name",
    stables: ["slug", "guardrailId"],
  },

  async create(inputs, api) {
    const c = api();
    const ws = inputs.workspaceId;
    const body = { name: inputs.name, checks: inputs.checks, actions: inputs.actions };
    let slug: string;
    // Orphans: a guardrail of the declared name (which carries the stack's prefix) that the state does
    // not hold was made by an interrupted run: it is adopted and brought to the declared checks.
    const findByName = () => c.findActive("guardrails", inputs.name, ws);
    const existing = await findByName();
    if (existing) {
      await c.update("guardrails", existing.slug, body);
      slug = existing.slug;
    } else {
      const made = await c.create("guardrails", { ...body, ...(ws ? { workspace_id: ws } : {}) }, findByName);
      slug = made.slug as string;
    }
    const remote = must(
      await c.get("guardrails", slug, ws),
      `Portkey: guardrail "${slug}" was not found after it was created`,
    );
    return { id: remote.slug, outs: toOutputs(remote, inputs) };
  },

  async read(id, props, api) {
    const remote = live(await api().get("guardrails", id, props.workspaceId));
    return remote && toOutputs(remote, props);
  },

  async update(id, _olds, news, api) {
    const b = { name: news.name, checks: news.checks, actions: news.actions };
    return toOutputs(await api().updateAndRead("guardrails", id, b, news.workspaceId), news);
  },

  async delete(id, props, api) {
    await api().remove("guardrails", id, props?.workspaceId);
  },
});

export interface GuardrailArgs {
  name: pulumi.Input<string>;
  workspaceId?: pulumi.Input<string>;
  checks: pulumi.Input<pulumi.Input<GuardrailCheck>[]>;
  actions: pulumi.Input<Record<string, unknown>>;
}

export class PortkeyGuardrail extends dynamicResource<GuardrailArgs>()(guardrailProvider, {
  declaredIn: __filename,
  type: "portkey:Guardrail",
  outputs: ["slug", "guardrailId"],
}) {}
