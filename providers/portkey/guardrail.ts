// PortkeyGuardrail: a set of checks (PII, regex, model whitelist, ...) and the actions taken when they
// fail (POST /guardrails, GET/PUT/DELETE /guardrails/{guardrailId}). Configs reference it by slug.
// A guardrail that no longer exists is answered with 403, as the description documents: see
// PortkeyClient.guardrailGone.
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
import { configuredPortkey, type GuardrailApi } from "./client";

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

function checkGuardrail(n: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  requireString(failures, n, "name");
  if (n.workspaceId !== undefined) requireString(failures, n, "workspaceId");
  const checks = n.checks;
  if (!isUnknown(checks)) {
    if (!Array.isArray(checks) || checks.length === 0) {
      failures.push({ property: "checks", reason: "checks must list at least one check" });
    } else {
      checks.forEach((c, i) => {
        if (isUnknown(c)) return;
        if (!isPlainObject(c) || typeof c.id !== "string" || !/^[a-z0-9-]+\.[a-zA-Z0-9]+$/.test(c.id)) {
          failures.push({
            property: `checks[${i}].id`,
            reason: `checks[${i}].id must be a check type like "default.regexMatch"`,
          });
        } else if (c.parameters !== undefined && !isUnknown(c.parameters) && !isPlainObject(c.parameters)) {
          failures.push({
            property: `checks[${i}].parameters`,
            reason: `checks[${i}].parameters must be an object`,
          });
        }
      });
    }
  }
  const a = n.actions;
  if (!isUnknown(a)) {
    if (!isPlainObject(a)) failures.push({ property: "actions", reason: "actions must be an object" });
    else {
      // GuardrailActions requires all four
      for (const k of ["deny", "async"]) {
        if (!isUnknown(a[k]) && typeof a[k] !== "boolean")
          failures.push({ property: `actions.${k}`, reason: `actions.${k} must be true or false` });
      }
      for (const k of ["on_success", "on_fail"]) {
        const fb = isPlainObject(a[k]) ? (a[k] as Record<string, unknown>).feedback : undefined;
        if (
          !isUnknown(a[k]) &&
          !(isPlainObject(fb) && typeof fb.value === "number" && typeof fb.weight === "number")
        )
          failures.push({
            property: `actions.${k}`,
            reason: `actions.${k} must be {feedback: {value, weight, metadata}}`,
          });
      }
    }
  }
  return failures;
}

function toOutputs(r: GuardrailApi, declared: GuardrailInputs): GuardrailOutputs {
  return {
    name: r.name,
    ...(declared.workspaceId !== undefined ? { workspaceId: r.workspace_id ?? declared.workspaceId } : {}),
    checks: (r.checks ?? []) as unknown as GuardrailCheck[],
    actions: r.actions ?? {},
    slug: r.slug,
    guardrailId: r.id,
  };
}

async function findByName(name: string, workspaceId?: string): Promise<GuardrailApi | undefined> {
  const all = await configuredPortkey(configValue).list("guardrails", workspaceId);
  return all.find((g) => g.name === name && g.status !== "archived");
}

export const guardrailProvider: pulumi.dynamic.ResourceProvider<GuardrailInputs, GuardrailOutputs> = {
  async configure(req) {
    rememberConfig(req);
  },

  async check(_olds, news) {
    return { inputs: news, failures: checkGuardrail(news as unknown as Record<string, unknown>) };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds as any, news as any, ["workspaceId"]);
    const updates = changedKeys(olds as any, news as any, ["name", "checks", "actions"]);
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && olds.name === news.name,
    };
  },

  async create(inputs) {
    const c = configuredPortkey(configValue);
    const ws = inputs.workspaceId;
    const body = { name: inputs.name, checks: inputs.checks, actions: inputs.actions };
    let slug: string;
    const existing = await findByName(inputs.name, ws);
    if (existing) {
      await c.update("guardrails", existing.slug, body);
      slug = existing.slug;
    } else {
      const made = await c.create("guardrails", { ...body, ...(ws ? { workspace_id: ws } : {}) }, () =>
        findByName(inputs.name, ws),
      );
      slug = made.slug as string;
    }
    const remote = await c.get("guardrails", slug, ws);
    if (!remote) throw new Error(`Portkey: guardrail "${slug}" was not found after it was created`);
    return { id: remote.slug, outs: toOutputs(remote, inputs) };
  },

  async read(id, props) {
    const remote = await configuredPortkey(configValue).get("guardrails", id, props?.workspaceId);
    if (!remote || remote.status === "archived") return { id: "", props: {} as GuardrailOutputs };
    return { id, props: toOutputs(remote, props as GuardrailInputs) };
  },

  async update(id, _olds, news) {
    const c = configuredPortkey(configValue);
    await c.update("guardrails", id, { name: news.name, checks: news.checks, actions: news.actions });
    const remote = await c.get("guardrails", id, news.workspaceId);
    if (!remote) throw new Error(`Portkey: guardrail "${id}" disappeared during the update`);
    return { outs: toOutputs(remote, news) };
  },

  async delete(id, props) {
    await configuredPortkey(configValue).remove("guardrails", id, props?.workspaceId);
  },
};

export interface GuardrailArgs {
  name: pulumi.Input<string>;
  workspaceId?: pulumi.Input<string>;
  checks: pulumi.Input<pulumi.Input<GuardrailCheck>[]>;
  actions: pulumi.Input<Record<string, unknown>>;
}

export class PortkeyGuardrail extends pulumi.dynamic.Resource {
  declare readonly slug: pulumi.Output<string>;
  declare readonly guardrailId: pulumi.Output<string>;
  constructor(name: string, args: GuardrailArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      guardrailProvider,
      name,
      { ...args, slug: undefined, guardrailId: undefined },
      opts,
      "portkey",
      "Guardrail",
    );
  }
}
