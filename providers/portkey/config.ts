// PortkeyConfig: a gateway config (routing with fallback or load balancing over providers, caching,
// retries, guardrails) saved in Portkey and referenced by its slug (POST/GET/PUT/DELETE /configs).
// Portkey makes the slug; create answers only {id, version_id}, so the slug is found by listing.
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
import { type ConfigApi, configuredPortkey } from "./client";

export interface ConfigTarget {
  /** A provider slug with Portkey's "@" prefix, e.g. "@sophia-openai". */
  provider: string;
  /** Load balancing only: the share of traffic. */
  weight?: number;
  /** Request parameters to force for this target, e.g. {model: "gpt-4o"}. */
  override_params?: Record<string, unknown>;
}

export interface GatewayConfig {
  strategy: { mode: "fallback" | "loadbalance"; on_status_codes?: number[] };
  targets: ConfigTarget[];
  cache?: { mode: "simple" | "semantic"; max_age?: number };
  retry?: { attempts: number; on_status_codes?: number[] };
  input_guardrails?: string[];
  output_guardrails?: string[];
  request_timeout?: number;
}

export interface ConfigInputs {
  name: string;
  workspaceId?: string;
  config: GatewayConfig;
}

export interface ConfigOutputs extends ConfigInputs {
  slug: string;
  configId: string;
  status: string;
}

const TOP_KEYS = [
  "strategy",
  "targets",
  "cache",
  "retry",
  "input_guardrails",
  "output_guardrails",
  "request_timeout",
];
const isInt = (v: unknown) => Number.isInteger(v);

/** Validates a gateway config; each failure names the offending path, e.g. `config.targets[1].weight`. */
export function checkGatewayConfig(c: unknown, at = "config"): CheckFailure[] {
  const f: CheckFailure[] = [];
  const fail = (property: string, reason: string) => f.push({ property, reason: `${property} ${reason}` });
  if (isUnknown(c)) return f;
  if (!isPlainObject(c)) {
    fail(at, "must be an object");
    return f;
  }
  for (const k of Object.keys(c))
    if (!TOP_KEYS.includes(k)) fail(`${at}.${k}`, `is not one of ${TOP_KEYS.join(", ")}`);

  const s = c.strategy;
  let mode: unknown;
  if (!isUnknown(s)) {
    if (!isPlainObject(s)) fail(`${at}.strategy`, 'is required: {mode: "fallback" | "loadbalance"}');
    else {
      mode = s.mode;
      if (!isUnknown(mode) && mode !== "fallback" && mode !== "loadbalance")
        fail(`${at}.strategy.mode`, `must be "fallback" or "loadbalance"; got ${JSON.stringify(mode)}`);
    }
  }

  const t = c.targets;
  if (!isUnknown(t)) {
    if (!Array.isArray(t) || t.length === 0) fail(`${at}.targets`, "must list at least one target");
    else {
      if (mode === "fallback" && t.length < 2)
        fail(`${at}.targets`, "needs at least two targets to fall back");
      t.forEach((target, i) => {
        const p = `${at}.targets[${i}]`;
        if (isUnknown(target)) return;
        if (!isPlainObject(target)) {
          fail(p, "must be an object");
          return;
        }
        for (const k of Object.keys(target))
          if (!["provider", "weight", "override_params"].includes(k))
            fail(`${p}.${k}`, "is not one of provider, weight, override_params");
        const prov = target.provider;
        if (!isUnknown(prov) && (typeof prov !== "string" || !/^@[a-zA-Z0-9_-]+$/.test(prov)))
          fail(`${p}.provider`, `must be a provider slug like "@openai-prod"; got ${JSON.stringify(prov)}`);
        const w = target.weight;
        if (w !== undefined && !isUnknown(w)) {
          if (typeof w !== "number" || !Number.isFinite(w) || w < 0)
            fail(`${p}.weight`, "must be a number ≥ 0");
          else if (mode === "fallback") fail(`${p}.weight`, "is only used by the loadbalance strategy");
        }
        const o = target.override_params;
        if (o !== undefined && !isUnknown(o)) {
          if (!isPlainObject(o)) fail(`${p}.override_params`, "must be an object");
          else if (o.model !== undefined && !isUnknown(o.model) && (typeof o.model !== "string" || !o.model))
            fail(`${p}.override_params.model`, "must be a non-empty string");
        }
      });
      if (
        mode === "loadbalance" &&
        t.every((x) => isPlainObject(x) && typeof x.weight === "number") &&
        t.every((x) => (x as { weight: number }).weight === 0)
      ) {
        fail(`${at}.targets`, "weights are all 0: no target would receive traffic");
      }
    }
  }

  const cache = c.cache;
  if (cache !== undefined && !isUnknown(cache)) {
    if (!isPlainObject(cache)) fail(`${at}.cache`, "must be an object");
    else {
      if (cache.mode !== "simple" && cache.mode !== "semantic")
        fail(`${at}.cache.mode`, `must be "simple" or "semantic"; got ${JSON.stringify(cache.mode)}`);
      if (
        cache.max_age !== undefined &&
        !isUnknown(cache.max_age) &&
        !(isInt(cache.max_age) && (cache.max_age as number) > 0)
      )
        fail(`${at}.cache.max_age`, "must be a positive integer (seconds)");
    }
  }

  const r = c.retry;
  if (r !== undefined && !isUnknown(r)) {
    if (!isPlainObject(r)) fail(`${at}.retry`, "must be an object");
    else if (!(isInt(r.attempts) && (r.attempts as number) >= 0 && (r.attempts as number) <= 5))
      fail(`${at}.retry.attempts`, "must be an integer from 0 to 5");
  }
  for (const k of ["input_guardrails", "output_guardrails"]) {
    const g = c[k];
    if (
      g !== undefined &&
      !isUnknown(g) &&
      !(Array.isArray(g) && g.every((x) => isUnknown(x) || (typeof x === "string" && x)))
    )
      fail(`${at}.${k}`, "must be a list of guardrail slugs");
  }
  return f;
}

function toOutputs(r: ConfigApi, slug: string, declared: ConfigInputs): ConfigOutputs {
  return {
    name: r.name,
    ...(declared.workspaceId !== undefined ? { workspaceId: r.workspace_id ?? declared.workspaceId } : {}),
    config: (r.config ?? {}) as unknown as GatewayConfig,
    slug,
    configId: r.id,
    status: r.status ?? "active",
  };
}

async function findByName(name: string, workspaceId?: string): Promise<ConfigApi | undefined> {
  const all = await configuredPortkey(configValue).list("configs", workspaceId);
  return all.find((c) => c.name === name && c.status !== "archived");
}

/**
 * The config as Portkey has it, or undefined when it is not listed. getConfig answers only {config}
 * (its documented 200 lists nothing else), so name, id, workspace and status come from listConfigs.
 */
async function current(slug: string, workspaceId?: string): Promise<ConfigApi | undefined> {
  const c = configuredPortkey(configValue);
  const listed = (await c.list("configs", workspaceId)).find((x) => x.slug === slug);
  if (!listed) return undefined;
  const remote = await c.get("configs", slug);
  return remote ? { ...listed, ...remote } : undefined;
}

export const configProvider: pulumi.dynamic.ResourceProvider<ConfigInputs, ConfigOutputs> = {
  async configure(req) {
    rememberConfig(req);
  },

  async check(_olds, news) {
    const failures: CheckFailure[] = [];
    const n = news as unknown as Record<string, unknown>;
    requireString(failures, n, "name");
    if (n.workspaceId !== undefined) requireString(failures, n, "workspaceId");
    if (n.config === undefined) failures.push({ property: "config", reason: "config is required" });
    else failures.push(...checkGatewayConfig(n.config));
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds as any, news as any, ["workspaceId"]);
    const updates = changedKeys(olds as any, news as any, ["name", "config"]);
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      // create adopts by name: the old config must go before a replacement of the same name is made
      deleteBeforeReplace: replaces.length > 0 && olds.name === news.name,
    };
  },

  async create(inputs) {
    const c = configuredPortkey(configValue);
    const ws = inputs.workspaceId;
    let found = await findByName(inputs.name, ws);
    if (found) {
      await c.update("configs", found.slug, { name: inputs.name, config: inputs.config });
    } else {
      await c.create(
        "configs",
        { name: inputs.name, config: inputs.config, ...(ws ? { workspace_id: ws } : {}) },
        () => findByName(inputs.name, ws),
      );
      found = await findByName(inputs.name, ws);
    }
    if (!found) throw new Error(`Portkey: config "${inputs.name}" was not found after it was created`);
    const remote = await c.get("configs", found.slug);
    if (!remote) throw new Error(`Portkey: config "${found.slug}" disappeared during create`);
    return { id: found.slug, outs: toOutputs({ ...found, ...remote }, found.slug, inputs) };
  },

  async read(id, props) {
    // gone: no longer listed (deleted) or archived
    const remote = await current(id, props?.workspaceId);
    if (!remote || remote.status === "archived") return { id: "", props: {} as ConfigOutputs };
    return { id, props: toOutputs(remote, id, props as ConfigInputs) };
  },

  async update(id, _olds, news) {
    const c = configuredPortkey(configValue);
    await c.update("configs", id, { name: news.name, config: news.config });
    const remote = await current(id, news.workspaceId);
    if (!remote) throw new Error(`Portkey: config "${id}" disappeared during the update`);
    return { outs: toOutputs(remote, id, news) };
  },

  async delete(id) {
    await configuredPortkey(configValue).remove("configs", id);
  },
};

export interface ConfigArgs {
  name: pulumi.Input<string>;
  workspaceId?: pulumi.Input<string>;
  config: pulumi.Input<GatewayConfig>;
}

export class PortkeyConfig extends pulumi.dynamic.Resource {
  declare readonly slug: pulumi.Output<string>;
  declare readonly configId: pulumi.Output<string>;
  declare readonly config: pulumi.Output<GatewayConfig>;
  constructor(name: string, args: ConfigArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      configProvider,
      name,
      { ...args, slug: undefined, configId: undefined, status: undefined },
      opts,
      "portkey",
      "Config",
    );
  }
}
