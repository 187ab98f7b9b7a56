// What describes an integration, once: its config keys, how the stack config becomes its component's args,
// how it is composed and what it outputs, what carries its credentials, and its live probe. The registry
// (integrations/registry.ts) lists the specs; config.ts, index.ts, `sophia check` and the .env name table
// iterate over it instead of naming services.
//
// A spec file imports types only and loads its component lazily: the CLI reads the registry at start-up
// (keys, probes), where loading the Pulumi SDK and the vendors' packages would cost seconds.
import type * as pulumi from "@pulumi/pulumi";
import type { ConfigReader } from "../config";
import type { RotatedService } from "./credentials";
import type { KeyDef } from "./keys";
import type { RotatedCredential } from "./rotation";

/** Reads the enabled flags before anything else, so a spec may depend on whether another one is on. */
export interface Flags {
  /** A boolean key's value (its declared default when unset). */
  flag(k: KeyDef): boolean;
  /** Whether the named integration is enabled in this stack. */
  isOn(name: string): boolean;
}

/** What a spec's `read` gets: the reader (every problem collected), stack-wide values, earlier specs' config. */
export interface ReadContext {
  r: ConfigReader;
  /** The project namespace, for messages naming a key ("sophia-ai:portkeyProviders[0]"). */
  ns: string;
  stack: string;
  namePrefix: string;
  protect: boolean;
  flags: Flags;
  /** The config an earlier spec (in registry order) read; undefined when that integration is off. */
  configOf<S extends AnySpec>(spec: S): ConfigOf<S> | undefined;
  /** The value of one of the `ciCredentials` of an enabled spec (read once, whoever asks). */
  ciCredential(k: KeyDef): pulumi.Output<string>;
}

/** What a spec's `compose` gets. */
export interface ComposeContext {
  stack: string;
  namePrefix: string;
  protect: boolean;
  /** The component an earlier spec (in registry order) built; undefined when that integration is off. */
  built<S extends AnySpec>(spec: S): BuiltOf<S> | undefined;
  configOf<S extends AnySpec>(spec: S): ConfigOf<S> | undefined;
  /** The credential this program mints for a rotated service, when the stack mints it. */
  credential(service: RotatedService): RotatedCredential | undefined;
  /** The current rotated credentials under the names their carriers (GitHub secrets, Vercel variables) use. */
  carried(): Record<string, pulumi.Input<string>>;
  /** CI credentials read from config (see ReadContext.ci). */
  ciCredentials: Record<string, pulumi.Output<string>>;
}

/** A key a probe needs: a project key's definition, or a provider key such as "github:owner". */
export interface Requirement {
  key: string;
  secret?: boolean;
  /** Default declared in Pulumi.yaml, when the stack may leave it unset. */
  default?: string;
}

export type ProbeFn = (get: (key: string) => string, signal: AbortSignal, stack: string) => Promise<string>;

/** The live probe of `sophia check` (integrations/<name>/probe.ts): reachable, authenticated, permitted. */
export interface Probe {
  /** Keys the probe needs (a missing one is reported before any request). */
  requires: Requirement[];
  run: ProbeFn;
}

/** A project key as a probe requirement (its declared default included). */
export function requirement(k: KeyDef): Requirement {
  const d = k.defaultValue;
  const unset = d === undefined || d === "" || (typeof d === "object" && Object.keys(d).length === 0);
  return {
    key: k.name,
    ...(k.secret ? { secret: true } : {}),
    ...(unset ? {} : { default: typeof d === "string" ? d : JSON.stringify(d) }),
  };
}

export interface IntegrationSpec<N extends string = string, C = unknown, B = unknown> {
  /** One name, everywhere: config, `sophia check`, stand-ins, output prefixes. */
  name: N;
  /** Every config key the integration, its providers and the CLI read for it. */
  keys: Readonly<Record<string, KeyDef>>;
  /** Whether the stack uses the integration (usually its `<name>Enabled` key). */
  enabled(f: Flags): boolean;
  /** The stack config → the component's args, recording each problem in ctx.r. */
  read?(ctx: ReadContext): C;
  /** Declares the component (the credential it mints is already minted). */
  compose?(cfg: C, ctx: ComposeContext): B;
  /** Stack outputs (only what the enabled integration produces). */
  outputs?(built: B, cfg: C): Record<string, unknown>;
  /**
   * Credentials its providers use, which GitHub Actions may carry for CI (organization secrets, under
   * their environment variable names): read, and checked, whenever the integration is on.
   */
  ciCredentials?: KeyDef[];
  /** The rotated credential this integration's service mints, and when the stack needs one. */
  mints?: { service: RotatedService; resource: string; mixedCase?: boolean; when(c: MintContext): boolean };
  /** It carries the rotated credentials (GitHub secrets, Vercel variables): they are minted for it. */
  carriesCredentials?: boolean;
  /** Carrier values of its rotated credential (GitHub secrets, Vercel variables), by name. */
  carries?(built: B | undefined, credential: RotatedCredential): Record<string, pulumi.Input<string>>;
  /**
   * The keys of the sandbox stack that point at stand-ins (`at(standIn, path)` is the URL of a stand-in on
   * the ports in use): `npm run sandbox` sets them whenever the ports move.
   */
  sandboxUrls?(at: (standIn: string, path?: string) => string): Record<string, string>;
  /** Loads the probe module (synchronously, on first use: only `sophia check` pays for pg, ioredis, ...). */
  probe?(): Probe;
}

export interface MintContext {
  /** The integration is on in this stack. */
  on: boolean;
  /** Something in the stack carries the rotated credentials (GitHub secrets or Vercel variables). */
  carried: boolean;
  /** The stack sets the key (to something other than ""). */
  has(k: KeyDef): boolean;
}

/**
 * The services whose credential the stack mints, as the program decides it; `sophia secrets audit` asks
 * the same question of a stack's config.
 */
export function mintedServices(
  specs: readonly AnySpec[],
  flags: Flags,
  has: (k: KeyDef) => boolean,
): RotatedService[] {
  const carried = specs.some((s) => s.carriesCredentials && s.enabled(flags));
  return specs.flatMap((s) =>
    s.mints?.when({ on: s.enabled(flags), carried, has }) ? [s.mints.service] : [],
  );
}

/** Any spec: the registry holds specs of every config and component type. */
export type AnySpec = IntegrationSpec<string, unknown, unknown>;
export type ConfigOf<S> = S extends IntegrationSpec<string, infer C, unknown> ? C : never;
export type BuiltOf<S> = S extends IntegrationSpec<string, unknown, infer B> ? B : never;

/** Types a spec (the generic parameters are inferred from `read` and `compose`). */
export const defineIntegration = <N extends string, C, B>(spec: IntegrationSpec<N, C, B>) => spec;

/** The usual `enabled`: the integration's boolean key. */
export const enabledBy =
  (k: KeyDef) =>
  (f: Flags): boolean =>
    f.flag(k);
