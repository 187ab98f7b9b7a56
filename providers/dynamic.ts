// Helpers shared by every dynamic provider. Serialized by value into provider closures: keep it small and
// free of credentials (configuration lives on globalThis in the provider process, set by configure()).
import type * as pulumi from "@pulumi/pulumi";

/** The value Pulumi passes for inputs not known yet (preview of a resource depending on another). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const isUnknown = (v: unknown): boolean => v === UNKNOWN;

export interface CheckFailure {
  property: string;
  reason: string;
}

/** Reads a stack config value (the project namespace), as configure handed it over. */
export type ConfigGet = (key: string) => string | undefined;

/** Remembers the stack configuration handed to configure(); read by clients at call time. */
export function rememberConfig(req: pulumi.dynamic.ConfigureRequest): void {
  (globalThis as { __sophiaConfig?: pulumi.dynamic.Config }).__sophiaConfig = req.config;
}

/** A stack config value (project namespace), or undefined outside a configured provider process. */
export function configValue(key: string): string | undefined {
  const cfg = (globalThis as { __sophiaConfig?: pulumi.dynamic.Config }).__sophiaConfig;
  return cfg?.get(key);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ak = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Deep merge of plain objects; b wins. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      isPlainObject(cur) && isPlainObject(v)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Objects with their keys sorted, all the way down (arrays keep their order), as Flow stores specs. */
export function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortedDeep(v[k])]),
  );
}

/**
 * `remote` without the paths that `secret` sets and without values equal to `mask`: what is left can be
 * compared with the plain configuration the program declared, so a masked secret never shows as drift.
 */
export function withoutSecrets(
  remote: Record<string, unknown>,
  secret: Record<string, unknown> | undefined,
  mask: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(remote)) {
    const s = secret?.[k];
    if (v === mask) continue;
    if (s !== undefined && !(isPlainObject(s) && isPlainObject(v))) continue;
    if (isPlainObject(v)) {
      const inner = withoutSecrets(v, isPlainObject(s) ? s : undefined, mask);
      if (Object.keys(inner).length > 0 || !isPlainObject(s)) out[k] = inner;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** A check pattern (see kit.ts, str). */
export const UUID = {
  re: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  what: "a UUID",
};

/**
 * The globalThis slot of a service's clients. Not `__sophia<service>`, the slot of the providers that
 * states made before provider references hold as code: a provider process can run that code (a legacy
 * resource's read or delete) beside today's, and their clients differ (a method one lacks).
 */
const clientSlot = (service: string) => `__sophiaClients:${service}`;

/**
 * The API client for these settings, made once per provider process and shared by every resource in it
 * (so they share its token, pacing and caches). `key` names the settings that matter, without holding a
 * whole secret where a part identifies it. Kept on globalThis (clientSlot): each copy of this module, a
 * copy serialized into a resource by value included, must find the same cache.
 */
export function cachedClient<C>(service: string, key: string, make: () => C): C {
  const slot = clientSlot(service);
  let cache: unknown = Reflect.get(globalThis, slot);
  if (!(cache instanceof Map)) {
    cache = new Map<string, C>();
    Reflect.set(globalThis, slot, cache);
  }
  const clients = cache as Map<string, C>;
  let client = clients.get(key);
  if (client === undefined) {
    client = make();
    clients.set(key, client);
  }
  return client;
}

/** Forgets a service's clients (tests: the next call makes a client with new options). */
export function dropCachedClients(service: string): void {
  Reflect.deleteProperty(globalThis, clientSlot(service));
}
