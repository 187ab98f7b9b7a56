// PortkeyConfig: a gateway config (routing with fallback or load balancing over providers, caching,
// retries, guardrails) saved in Portkey and referenced by its slug (POST/GET/PUT/DELETE /configs).
// Portkey makes the slug; create answers only {id, version_id}, so the slug is found by listing.
import type * as pulumi from "@pulumi/pulumi";
import { type CheckFailure, isPlainObject, isUnknown } from "../dynamic";
import { dynamicProvider, dynamicResource, must, optional, required, str } from "../kit";
import { type ConfigApi, configuredPortkey, type PortkeyClient } from "./client";

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
const isSet = (v: unknown) => v !== undefined && !isUnknown(v);

/** Records a failure at a path: the property is the path, and the reason starts with it. */
type Fail = (path: string, reason: string) => void;

/** The strategy's mode, or undefined when it is not known. */
function checkStrategy(s: unknown, at: string, fail: Fail): unknown {
  if (isUnknown(s)) return undefined;
  if (!isPlainObject(s)) {
    fail(`${at}.strategy`, 'is required: {mode: "fallback" | "loadbalance"}');
    return undefined;
  }
  const mode = s.mode;
  if (!isUnknown(mode) && mode !== "fallback" && mode !== "loadbalance")
    fail(`${at}.strategy.mode`, `must be "fallback" or "loadbalance"; got ${JSON.stringify(mode)}`);
  return mode;
}

function checkTarget(target: unknown, p: string, mode: unknown, fail: Fail): void {
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
  if (isSet(w)) {
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) fail(`${p}.weight`, "must be a number ≥ 0");
    else if (mode === "fallback") fail(`${p}.weight`, "is only used by the loadbalance strategy");
  }
  const o = target.override_params;
  if (isSet(o)) {
    if (!isPlainObject(o)) fail(`${p}.override_params`, "must be an object");
    else if (isSet(o.model) && (typeof o.model !== "string" || !o.model))
      fail(`${p}.override_params.model`, "must be a non-empty string");
  }
}

function checkTargets(t: unknown, at: string, mode: unknown, fail: Fail): void {
  if (isUnknown(t)) return;
  if (!Array.isArray(t) || t.length === 0) {
    fail(`${at}.targets`, "must list at least one target");
    return;
  }
  if (mode === "fallback" && t.length < 2) fail(`${at}.targets`, "needs at least two targets to fall back");
  for (const [i, target] of t.entries()) checkTarget(target, `${at}.targets[${i}]`, mode, fail);
  if (
    mode === "loadbalance" &&
    t.every((x) => isPlainObject(x) && typeof x.weight === "number") &&
    t.every((x) => (x as { weight: number }).weight === 0)
  ) {
    fail(`${at}.targets`, "weights are all 0: no target would receive traffic");
  }
}

/** cache, retry and the guardrail lists. */
function checkExtras(c: Record<string, unknown>, at: string, fail: Fail): void {
  const cache = c.cache;
  if (isSet(cache)) {
    if (!isPlainObject(cache)) fail(`${at}.cache`, "must be an object");
    else {
      if (cache.mode !== "simple" && cache.mode !== "semantic")
        fail(`${at}.cache.mode`, `must be "simple" or "semantic"; got ${JSON.stringify(cache.mode)}`);
      if (isSet(cache.max_age) && !(isInt(cache.max_age) && (cache.max_age as number) > 0))
        fail(`${at}.cache.max_age`, "must be a positive integer (seconds)");
    }
  }
  const r = c.retry;
  if (isSet(r)) {
    if (!isPlainObject(r)) fail(`${at}.retry`, "must be an object");
    else if (!(isInt(r.attempts) && (r.attempts as number) >= 0 && (r.attempts as number) <= 5))
      fail(`${at}.retry.attempts`, "must be an integer from 0 to 5");
  }
  for (const k of ["input_guardrails", "output_guardrails"]) {
    const g = c[k];
    if (isSet(g) && !(Array.isArray(g) && g.every((x) => isUnknown(x) || (typeof x === "string" && x))))
      fail(`${at}.${k}`, "must be a list of guardrail slugs");
  }
}

/** Validates a gateway config; each failure names the offending path, e.g. `config.targets[1].weight`. */
export function checkGatewayConfig(c: unknown, at = "config"): CheckFailure[] {
  const f: CheckFailure[] = [];
  const fail: Fail = (property, reason) => f.push({ property, reason: `${property} ${reason}` });
  if (isUnknown(c)) return f;
  if (!isPlainObject(c)) {
    fail(at, "must be an object");
    return f;
  }
  for (const k of Object.keys(c))
    if (!TOP_KEYS.includes(k)) fail(`${at}.${k}`, `is not one of ${TOP_KEYS.join(", ")}`);
  const mode = checkStrategy(c.strategy, at, fail);
  checkTargets(c.targets, at, mode, fail);
  checkExtras(c, at, fail);
  return f;
}

function toOutputs(r: ConfigApi, slug: string, declared: ConfigInputs): ConfigOutputs {
  return {
    name: r.name,
    ...(declared.workspaceId !== undefined ? { workspaceId: r.workspace_id ?? declared.workspaceId } : {}),
    config: r.config ?? ({} as GatewayConfig),
    slug,
    configId: r.id,
    status: r.status ?? "active",
  };
}

/**
 * The config as Portkey has it, or undefined when it is not listed. getConfig answers only {config}
 * (its documented 200 lists nothing else), so name, id, workspace and status come from listConfigs,
 * whose answer the reads of one refresh share (PortkeyClient.listConfigsForRead).
 */
async function current(c: PortkeyClient, slug: string, workspaceId?: string): Promise<ConfigApi | undefined> {
  const listed = (await c.listConfigsForRead(workspaceId)).find((x) => x.slug === slug);
  if (!listed) return undefined;
  const remote = await c.get("configs", slug);
  return remote ? { ...listed, ...remote } : undefined;
}

export const configProvider = dynamicProvider<ConfigInputs, ConfigOutputs, PortkeyClient>({
  client: configuredPortkey,
  rules: {
    name: str(),
    workspaceId: optional(str()),
    config: required((v) => checkGatewayConfig(v)),
  },
  diff: {
    replace: ["workspaceId"],
    update: ["name", "config"],
    // create adopts by name: the old config must go before a replacement of the same name is made
    deleteFirst: "name",
    stables: ["slug", "configId"],
  },

  async create(inputs, api) {
    const c = api();
    const ws = inputs.workspaceId;
    // Orphans: a config of the declared name (which carries the stack's prefix) that the state does not
    // hold was made by an interrupted run: it is adopted and brought to the declared config.
    const findByName = () => c.findActive("configs", inputs.name, ws);
    let found = await findByName();
    if (found) {
      await c.update("configs", found.slug, { name: inputs.name, config: inputs.config });
    } else {
      await c.create(
        "configs",
        { name: inputs.name, config: inputs.config, ...(ws ? { workspace_id: ws } : {}) },
        findByName,
      );
      found = must(await findByName(), `Portkey: config "${inputs.name}" was not found after it was created`);
    }
    const remote = must(
      await c.get("configs", found.slug),
      `Portkey: config "${found.slug}" disappeared during create`,
    );
    return { id: found.slug, outs: toOutputs({ ...found, ...remote }, found.slug, inputs) };
  },

  async read(id, props, api) {
    // gone: no longer listed (deleted) or archived
    const remote = await current(api(), id, props.workspaceId);
    return remote && remote.status !== "archived" ? toOutputs(remote, id, props) : undefined;
  },

  async update(id, _olds, news, api) {
    const c = api();
    await c.update("configs", id, { name: news.name, config: news.config });
    const remote = must(
      await current(c, id, news.workspaceId),
      `Portkey: config "${id}" disappeared during the update`,
    );
    return toOutputs(remote, id, news);
  },

  async delete(id, _props, api) {
    await api().remove("configs", id);
  },
});

export interface ConfigArgs {
  name: pulumi.Input<string>;
  workspaceId?: pulumi.Input<string>;
  config: pulumi.Input<GatewayConfig>;
}

export class PortkeyConfig extends dynamicResource<ConfigArgs>()(configProvider, {
  declaredIn: __filename,
  type: "portkey:Config",
  outputs: ["slug", "configId", "status", "config"],
}) {}
