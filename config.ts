// The typed stack configuration: the only place that reads pulumi.Config. The stack-wide keys are read
// here; each integration's keys by its spec (integrations/<name>/spec.ts), in registry order. Every problem
// is collected and reported together, each naming the key and what is expected, before any resource is
// declared. Keys, defaults and rules are defined once, in integrations/<name>/keys.ts.

import * as pulumi from "@pulumi/pulumi";
import { ROTATED_SERVICES, type RotatedService } from "./integrations/credentials";
import { envName, type KeyDef } from "./integrations/keys";
import { REGISTRY, type Registry } from "./integrations/registry";
import type { RotationState } from "./integrations/rotation";
import { closest, shapeProblems } from "./integrations/shape";
import {
  type AnySpec,
  type ConfigOf,
  type Flags,
  mintedServices,
  type ReadContext,
} from "./integrations/spec";
import { STACK } from "./integrations/stack/keys";
import { isPlainObject } from "./providers/dynamic";
import { isSafeUrl } from "./providers/http/client";

export { CARRIERS, ROTATED_SERVICES, type RotatedService } from "./integrations/credentials";

export interface RotationConfig {
  maxAgeDays: number;
  services: Record<RotatedService, RotationState>;
}

/** Each enabled integration's config, under its registry name. */
export type IntegrationConfigs = { [S in Registry[number] as S["name"]]?: ConfigOf<S> };

export type StackConfig = IntegrationConfigs & {
  stack: string;
  namePrefix: string;
  /** Protect resources that hold data or identity (production). */
  protect: boolean;
  rotation: RotationConfig;
  /** CI credentials read from config, which GitHub Actions secrets may carry. */
  ciCredentials: Record<string, pulumi.Output<string>>;
  /** The services whose rotated credential the stack mints (see each spec's `mints`). */
  minted: RotatedService[];
};

// @pulumi/pulumi marks this helper internal; it is how the SDK itself knows which keys are secret.
const isConfigSecret = (pulumi.runtime as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;

/**
 * Every problem with the stack's config. A RunError, so the engine prints the list once as a plain error
 * (no "unhandled exception", no stack trace) and the preview fails.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** Where config values come from: the running program's pulumi.Config, or a stack's config read by the CLI. */
export interface ConfigSource {
  /** The namespace (project name). */
  name: string;
  get(key: string): string | undefined;
  /** Every key the stack sets in the namespace (without it), where the source can list them. */
  keys?(): string[];
  /** Whether the key (full name, namespace:key) is stored as a secret; undefined when unknown. */
  isSecret?(fullKey: string): boolean;
}

/** The running program's config. */
export function programConfig(cfg = new pulumi.Config()): ConfigSource {
  const prefix = `${cfg.name}:`;
  return {
    name: cfg.name,
    get: (k) => cfg.get(k),
    isSecret: isConfigSecret,
    keys: () =>
      Object.keys(pulumi.runtime.allConfig())
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length)),
  };
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/**
 * Reads typed values by their key definitions (type, default, rule), recording a problem (with the key's
 * full name) for each missing or malformed one.
 */
export class ConfigReader {
  readonly problems: string[] = [];
  constructor(private readonly cfg: ConfigSource) {}

  /** The key's full name, namespace:key, as messages give it. */
  full(k: KeyDef | string): string {
    return `${this.cfg.name}:${typeof k === "string" ? k : k.name}`;
  }

  /** The keys read so far (a secret named by another key's value included). */
  readonly read = new Set<string>();

  private raw(k: KeyDef): string | undefined {
    this.read.add(k.name);
    const v = this.cfg.get(k.name);
    return v === undefined || v === "" ? undefined : v;
  }

  private json(k: KeyDef): { value?: unknown; malformed: boolean } {
    const raw = this.raw(k);
    if (raw === undefined) return { malformed: false };
    try {
      return { value: JSON.parse(raw) as Json, malformed: false };
    } catch {
      return { malformed: true };
    }
  }

  /**
   * A string: the stack's value (checked against the key's rule), else `fallback` (a default computed from
   * the stack), else the declared default; a required key with none of these is a problem.
   */
  string(k: KeyDef, fallback?: string): string {
    const v = this.raw(k);
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      if (typeof k.defaultValue === "string" && k.defaultValue !== "") return k.defaultValue;
      if (k.required) this.problems.push(`${this.full(k)} is required: ${k.what ?? "a string"}`);
      return "";
    }
    // values no vendor takes: a newline in a host, a 10,000-character name
    if ([...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
      this.problems.push(
        `${this.full(k)} must not contain control characters (a newline, a tab); got ${JSON.stringify(v)}`,
      );
      return "";
    }
    const max = k.maxLength ?? 1024;
    if (v.length > max) {
      this.problems.push(`${this.full(k)} must be at most ${max} characters; got ${v.length}`);
      return "";
    }
    if (k.secureUrl && !isSafeUrl(v) && (!k.pattern || k.pattern.test(v))) {
      this.problems.push(
        `${this.full(k)} must be https (or http to this machine): credentials travel to it; got "${v}"`,
      );
    }
    if (k.oneOf && !k.oneOf.includes(v)) {
      this.problems.push(`${this.full(k)} must be one of ${k.oneOf.join(", ")}; got "${v}"`);
      return typeof k.defaultValue === "string" ? k.defaultValue : "";
    }
    if (k.pattern && !k.pattern.test(v)) {
      this.problems.push(`${this.full(k)} must be ${k.what ?? `like ${k.pattern}`}; got "${v}"`);
    }
    return v;
  }

  /** An optional string: undefined when unset (or set to ""). */
  optionalString(k: KeyDef): string | undefined {
    return this.string(k) || undefined;
  }

  int(k: KeyDef): number {
    const raw = this.raw(k);
    if (raw === undefined) {
      if (typeof k.defaultValue === "number") return k.defaultValue;
      this.problems.push(`${this.full(k)} is required: an integer`);
      return 0;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || (k.min !== undefined && n < k.min) || (k.max !== undefined && n > k.max)) {
      const from = k.min !== undefined ? ` from ${k.min}` : "";
      const to = k.max !== undefined ? ` to ${k.max}` : "";
      this.problems.push(`${this.full(k)} must be an integer${from}${to}; got "${raw}"`);
    }
    return n;
  }

  bool(k: KeyDef, fallback?: boolean): boolean {
    const raw = this.raw(k);
    if (raw === undefined) return fallback ?? k.defaultValue === true;
    if (raw !== "true" && raw !== "false")
      this.problems.push(`${this.full(k)} must be true or false; got "${raw}"`);
    return raw === "true";
  }

  stringList(k: KeyDef): string[] {
    const def = Array.isArray(k.defaultValue) ? k.defaultValue.map(String) : [];
    const { value, malformed } = this.json(k);
    if (value === undefined && !malformed) return def;
    if (Array.isArray(value) && value.every((x) => typeof x === "string" && x)) return value as string[];
    this.problems.push(
      `${this.full(k)} must be a list of strings, e.g. ["calls","users"]; got ${this.raw(k)}`,
    );
    return def;
  }

  intList(k: KeyDef): number[] {
    const { value, malformed } = this.json(k);
    if (value === undefined && !malformed) return [];
    if (Array.isArray(value) && value.every((x) => Number.isInteger(x))) return value as number[];
    this.problems.push(`${this.full(k)} must be a list of integers, e.g. [1234, 5678]; got ${this.raw(k)}`);
    return [];
  }

  /** A JSON object value (structured config); undefined when unset or empty. */
  object(k: KeyDef): Record<string, unknown> | undefined {
    const { value, malformed } = this.json(k);
    if (value === undefined && !malformed) return undefined;
    // {} is the declared default of optional objects: the same as unset
    if (isPlainObject(value)) {
      if (k.shape) this.problems.push(...shapeProblems(value, k.shape, this.full(k)));
      return Object.keys(value).length ? value : undefined;
    }
    this.problems.push(`${this.full(k)} must be an object; got ${this.raw(k)}`);
    return undefined;
  }

  /** A list of objects (structured config), each with a non-empty string `name`, unique. */
  objectList<T extends { name: string }>(k: KeyDef): T[] {
    const { value, malformed } = this.json(k);
    if (value === undefined && !malformed) return [];
    if (!Array.isArray(value)) {
      this.problems.push(`${this.full(k)} must be a list of objects, each with a name; got ${this.raw(k)}`);
      return [];
    }
    const seen: string[] = [];
    value.forEach((item: unknown, i) => {
      const name = isPlainObject(item) ? item.name : undefined;
      if (!isPlainObject(item)) {
        this.problems.push(`${this.full(k)}[${i}] must be an object`);
      } else if (typeof name !== "string" || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
        this.problems.push(
          `${this.full(k)}[${i}].name must be lower-case letters, digits and dashes; got ${JSON.stringify(name)}`,
        );
      } else if (seen.includes(name)) {
        this.problems.push(`${this.full(k)}[${i}].name "${name}" is listed twice`);
      } else {
        seen.push(name);
      }
      if (isPlainObject(item) && k.shape)
        this.problems.push(...shapeProblems(item, k.shape, `${this.full(k)}[${i}]`));
    });
    return value as T[];
  }

  /** A secret value; refuses one stored in plain text so a credential never sits unencrypted in a stack file. */
  secret(k: KeyDef | string): pulumi.Output<string> {
    const name = typeof k === "string" ? k : k.name;
    this.read.add(name);
    const v = this.cfg.get(name);
    if (v === undefined || v === "") {
      this.problems.push(`${this.full(name)} is required: a secret (pulumi config set --secret ${name} ...)`);
    } else if (this.cfg.isSecret && !this.cfg.isSecret(this.full(name))) {
      this.problems.push(
        `${this.full(name)} must be stored as a secret (pulumi config set --secret ${name} ...)`,
      );
    }
    return pulumi.secret(v ?? "");
  }

  done(): void {
    if (this.problems.length) throw new ConfigError(this.problems);
  }
}

/** The prefix of every name a stack creates, unless `namePrefix` says otherwise. */
export const defaultNamePrefix = (stack: string) => `sophia-${stack}`;

/** The enabled flags, each read once (a malformed one is reported once). */
function readFlags(r: ConfigReader, specs: readonly AnySpec[]): Flags {
  const values = new Map<string, boolean>();
  const flags: Flags = {
    flag: (k) => {
      if (!values.has(k.name)) values.set(k.name, r.bool(k));
      return values.get(k.name) === true;
    },
    isOn: (name) => {
      const spec = specs.find((s) => s.name === name);
      if (!spec) throw new Error(`no integration named ${name}`);
      return spec.enabled(flags);
    },
  };
  return flags;
}

export function loadStackConfig(
  cfg: ConfigSource = programConfig(),
  stack = pulumi.getStack(),
  specs: readonly AnySpec[] = REGISTRY,
): StackConfig {
  const r = new ConfigReader(cfg);
  const namePrefix = r.string(STACK.namePrefix, defaultNamePrefix(stack));
  const protect = r.bool(STACK.protectData, stack === "production");
  if (stack === "production" && !protect) {
    r.problems.push(`${r.full(STACK.protectData)} cannot be false in the production stack`);
  }
  const rotation = readRotation(r);
  const ciCredentials: Record<string, pulumi.Output<string>> = {};
  const read = new Map<AnySpec, unknown>();
  const flags = readFlags(r, specs);
  const ctx: ReadContext = {
    r,
    ns: cfg.name,
    stack,
    namePrefix,
    protect,
    flags,
    configOf: <S extends AnySpec>(spec: S) => read.get(spec) as ConfigOf<S> | undefined,
    // Credentials the providers read at call time (a secret, or a plain id such as a client id): checked
    // here so a missing one fails the preview, and carried by CI under their environment variable names.
    ciCredential: (k) => {
      ciCredentials[envName(k)] ??= k.secret ? r.secret(k) : pulumi.output(r.string(k));
      return ciCredentials[envName(k)];
    },
  };
  const integrations: Record<string, unknown> = {};
  // each enabled spec in registry order: its CI credentials, then its keys (the order of the problems)
  for (const spec of specs.filter((s) => s.enabled(flags))) {
    for (const k of spec.ciCredentials ?? []) ctx.ciCredential(k);
    if (!spec.read) continue;
    const value = spec.read(ctx);
    read.set(spec, value);
    integrations[spec.name] = value;
  }
  const minted = mintedServices(specs, flags, (k) => Boolean(cfg.get(k.name)));
  unknownKeys(r, cfg, specs);
  r.done();
  return {
    ...(integrations as IntegrationConfigs),
    stack,
    namePrefix,
    protect,
    rotation,
    ciCredentials,
    minted,
  };
}

/**
 * Keys in the project's namespace that nothing defines or reads: a typo (`airbyteEnabeld`) would otherwise
 * change nothing and say nothing.
 */
function unknownKeys(r: ConfigReader, cfg: ConfigSource, specs: readonly AnySpec[]): void {
  const defined = [STACK, ...specs.map((s) => s.keys)].flatMap((keys) =>
    Object.values(keys).map((k) => k.name),
  );
  for (const key of cfg.keys?.() ?? []) {
    if (defined.includes(key) || r.read.has(key)) continue;
    const hint = closest(key, defined);
    r.problems.push(
      `${r.full(key)} is not a setting of this program${hint ? ` (did you mean ${hint}?)` : ""}; remove it with pulumi config rm ${key}`,
    );
  }
}

function readRotation(r: ConfigReader): RotationConfig {
  const raw = r.object(STACK.rotation) ?? {};
  const where = r.full(STACK.rotation);
  const services = {} as Record<RotatedService, RotationState>;
  for (const k of Object.keys(raw)) {
    if (!(ROTATED_SERVICES as readonly string[]).includes(k)) {
      r.problems.push(`${where}.${k} is not a rotated service (${ROTATED_SERVICES.join(", ")})`);
    }
  }
  for (const svc of ROTATED_SERVICES) {
    const entry = isPlainObject(raw[svc]) ? raw[svc] : {};
    const epoch = entry.epoch ?? 0;
    if (typeof epoch !== "number" || !Number.isInteger(epoch) || epoch < 0) {
      r.problems.push(`${where}.${svc}.epoch must be a whole number from 0; got ${JSON.stringify(epoch)}`);
    }
    const rotatedAt = entry.rotatedAt;
    if (rotatedAt !== undefined && (typeof rotatedAt !== "string" || Number.isNaN(Date.parse(rotatedAt)))) {
      r.problems.push(`${where}.${svc}.rotatedAt must be an ISO 8601 time; got ${JSON.stringify(rotatedAt)}`);
    }
    services[svc] = { epoch: Number(epoch) || 0, ...(typeof rotatedAt === "string" ? { rotatedAt } : {}) };
  }
  return { maxAgeDays: r.int(STACK.rotationMaxAgeDays), services };
}
