// The kit every dynamic provider is declared with: what is particular to an API object (its inputs' check
// rules, which changes replace it and which update it, how to create, read, update and delete it) goes in
// a declaration; configure, check, diff, the "gone" answer and the resource class are made from it here.
//
// The state holds a reference to each provider, not its code (reference.ts): the provider process loads the
// module that declares the resource class (loader.js), which registers its provider here. Configuration is read at
// call time (configure remembers it on globalThis), and API clients live in a per-process cache on
// globalThis, so nothing a provider holds reaches the state.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  type CheckFailure,
  type ConfigGet,
  configValue,
  deepEqual,
  isPlainObject,
  isUnknown,
  rememberConfig,
} from "./dynamic";
import { providerReference, REFERENCE_MARK } from "./reference";

// ---- check rules ----

/** What a rule reports: a reason about the property it checks, or a failure naming its own property. */
export type Finding = string | CheckFailure;

/**
 * A check of one input property. It is not called for an unknown value (a preview input that depends on
 * another resource); it is called for an absent one (undefined), so it decides whether that is allowed.
 */
export type Rule = (
  value: unknown,
  property: string,
  inputs: Record<string, unknown>,
) => Finding | Finding[] | undefined;

/** Rules by input property, run in this order; a mistyped property name does not compile. */
export type Rules<I> = { [K in keyof I]?: Rule | Rule[] };

export interface Pattern {
  re: RegExp;
  what: string;
}

function stringProblem(v: unknown, p: string, pattern?: Pattern): string | undefined {
  if (typeof v !== "string" || v.trim() === "") return `${p} is required and must be a non-empty string`;
  if (pattern && !pattern.re.test(v)) return `${p} must be ${pattern.what}; got "${v}"`;
  return undefined;
}
const nonEmptyString: Rule = (v, p) => stringProblem(v, p);

/** A required non-empty string, matching `pattern` if given. */
export const str = (pattern?: Pattern): Rule =>
  // one shared function where there is no pattern (rules were serialized into the state with their
  // provider before providers were stored by reference; the upgrade test still serializes them)
  pattern ? (v, p) => stringProblem(v, p, pattern) : nonEmptyString;

/** The rules, applied only when the property is set. */
export const optional =
  (...rules: Rule[]): Rule =>
  (v, p, inputs) =>
    v === undefined ? undefined : rules.flatMap((r) => findings(r(v, p, inputs)));

/** Required: absent is "<p> is required", otherwise the rules decide. */
export const required =
  (...rules: Rule[]): Rule =>
  (v, p, inputs) =>
    v === undefined ? `${p} is required` : rules.flatMap((r) => findings(r(v, p, inputs)));

/** An optional plain object. */
export const object: Rule = (v, p) =>
  v === undefined || isPlainObject(v) ? undefined : `${p} must be an object`;

/** An optional string (may be empty). */
export const text: Rule = (v, p) =>
  v === undefined || typeof v === "string" ? undefined : `${p} must be a string`;

/** An optional boolean. */
export const flag: Rule = (v, p) =>
  v === undefined || typeof v === "boolean" ? undefined : `${p} must be true or false`;

const findings = (r: Finding | Finding[] | undefined): Finding[] => (r === undefined ? [] : [r].flat());

/** Whether a preview's unknown value stands anywhere in `v`. */
export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  return isPlainObject(v) && Object.values(v).some(containsUnknown);
}

/** The failures of `inputs` under `rules`, in the rules' order, each naming its property. */
export function checkRules<I>(rules: Rules<I>, inputs: Record<string, unknown>): CheckFailure[] {
  const out: CheckFailure[] = [];
  for (const [property, rule] of Object.entries<Rule | Rule[] | undefined>(rules)) {
    const value = inputs[property];
    // a value not known yet (a preview), whole or anywhere inside, is checked when it is known
    if (rule === undefined || containsUnknown(value)) continue;
    for (const r of [rule].flat()) {
      for (const f of findings(r(value, property, inputs))) {
        out.push(typeof f === "string" ? { property, reason: f } : f);
      }
    }
  }
  return out;
}

/** The properties of a typed object, for rules and comparisons that read them by name. */
export const fieldsOf = (o: object): Record<string, unknown> => Object.fromEntries(Object.entries(o));

// ---- diff ----

/** A property both the inputs and the outputs carry (the ones diff compares). */
export type Shared<I, O> = keyof I & keyof O & string;
/** A change test of its own for one property: true when the change counts. */
export type ChangeTests<I, O> = { [K in keyof I]?: (olds: O, news: I) => boolean };

export interface DiffSpec<I, O> {
  /** Changes that replace the object: compared deeply (an unknown new value counts as a change). */
  replace?: Shared<I, O>[];
  /** Replacing changes with a test of their own, reported after `replace`, in this order. */
  replaceIf?: ChangeTests<I, O>;
  /** Changes the API can make in place: compared deeply. */
  update?: Shared<I, O>[];
  updateIf?: ChangeTests<I, O>;
  /**
   * When a replacement deletes the old object first (Pulumi creates the new one first otherwise): a
   * property whose unchanged value means the new object would meet the old one (a name, a slug that
   * create adopts by), "always", or a test. Absent: the answer says nothing about it.
   */
  deleteFirst?: Shared<I, O> | "always" | ((olds: O, news: I) => boolean);
  /**
   * Outputs an update never changes (the object's ids, slugs, creation time). A diff that answers
   * "update" lists them, with the `replace` keys (an update happens only when none of those changed), as
   * `stables`: the engine then keeps their old values known during a preview instead of making them
   * unknown, so a resource whose replace key takes one of them (a connection's destinationId from a
   * destination's actorId) does not preview a replacement that `up` will not make.
   */
  stables?: (keyof O & string)[];
}

function changed<I extends object, O extends object>(
  keys: Shared<I, O>[] | undefined,
  tests: ChangeTests<I, O> | undefined,
  olds: O,
  news: I,
): string[] {
  const tested = Object.entries<((o: O, n: I) => boolean) | undefined>(tests ?? {});
  return [
    ...(keys ?? []).filter((k) => !deepEqual(Reflect.get(olds, k), Reflect.get(news, k))),
    ...tested.filter(([, test]) => test?.(olds, news)).map(([k]) => k),
  ];
}

/** `stables` for an update answer of a spec that declares them; nothing otherwise. */
function stablesOf<I, O>(spec: DiffSpec<I, O>, update: boolean): { stables?: string[] } {
  if (!spec.stables || !update) return {};
  return { stables: [...new Set<string>([...spec.stables, ...(spec.replace ?? [])])] };
}

/**
 * Pulumi's diff answer for `spec`. An unknown new value (the engine passes the UNKNOWN sentinel, whole or
 * nested, for an input that depends on a resource not yet created or changed in this preview) counts as
 * a change of its key's kind: a replacement only for a key that replaces (`replace`, or a `replaceIf`
 * test that says so), an in-place change for an update key. Hiding a replacement the value may cause
 * would be worse than previewing one it may not; `stables` keep the values that cannot change known.
 */
export function diffOf<I extends object, O extends object>(
  spec: DiffSpec<I, O>,
  olds: O,
  news: I,
): pulumi.dynamic.DiffResult {
  const replaces = changed(spec.replace, spec.replaceIf, olds, news);
  const updates = changed(spec.update, spec.updateIf, olds, news);
  const changes = replaces.length + updates.length > 0;
  const result: pulumi.dynamic.DiffResult = {
    changes,
    replaces,
    ...stablesOf(spec, changes && !replaces.length),
  };
  const first = spec.deleteFirst;
  if (first === undefined) return result;
  const keeps = () =>
    first === "always" ||
    (typeof first === "function" ? first(olds, news) : Reflect.get(olds, first) === Reflect.get(news, first));
  return { ...result, deleteBeforeReplace: replaces.length > 0 && keeps() };
}

/** The key under which pulumi.dynamic stores a resource's serialized provider, in inputs and outputs. */
const PROVIDER_KEY = "__provider";

/**
 * A resource created before providers were stored by reference holds its provider's code (30–60 KB, run
 * as it was when the resource was last written). Its first diff under a reference answers an update with
 * no API request (the kit's update keeps the outputs), which writes the reference into its state.
 */
export function holdsProviderCode(olds: object): boolean {
  const stored = Reflect.get(olds, PROVIDER_KEY);
  // a reference is a few hundred bytes naming the loader's package; code serialized by value is tens of
  // KB (it holds this kit) and may name the package too, as this function's own constant
  return typeof stored === "string" && !(stored.length < 4096 && stored.includes(REFERENCE_MARK));
}

// ---- the provider ----

/** The configured stack's client, made on first use in each call (so an operation without API calls needs no config). */
export type Api<C> = () => C;

export interface ProviderDeclaration<I extends object, O extends object, C> {
  /** The API client for the stack config (cached per process: see cachedClient). */
  client: (get: ConfigGet) => C;
  rules: Rules<I>;
  /** Brings the inputs to the form that is checked and stored (a trimmed key, a default). */
  normalize?: (news: I) => I;
  /** Checks across properties, after the rules. */
  validate?: (inputs: Record<string, unknown>) => CheckFailure[];
  diff: DiffSpec<I, O>;
  create(inputs: I, api: Api<C>): Promise<{ id: string; outs: O }>;
  /** The object's current state, or undefined when it is gone (the engine then drops it from the state). */
  read(id: string, props: O, api: Api<C>): Promise<O | undefined>;
  /** Absent for objects the API cannot change: diff must then report only replacements. */
  update?(id: string, olds: O, news: I, api: Api<C>): Promise<O>;
  delete(id: string, props: O, api: Api<C>): Promise<void>;
}

/** A pulumi.dynamic provider made from a declaration. */
export function dynamicProvider<I extends object, O extends object, C>(
  d: ProviderDeclaration<I, O, C>,
): pulumi.dynamic.ResourceProvider<I, O> {
  const api = () => d.client(configValue);
  const provider: pulumi.dynamic.ResourceProvider<I, O> = {
    async configure(req) {
      rememberConfig(req);
    },
    async check(_olds, news) {
      const inputs = d.normalize ? d.normalize(news) : news;
      const view = fieldsOf(inputs);
      return { inputs, failures: [...checkRules(d.rules, view), ...(d.validate?.(view) ?? [])] };
    },
    async diff(_id, olds, news) {
      const result = diffOf(d.diff, olds, news);
      return result.changes || !holdsProviderCode(olds) ? result : { ...result, changes: true };
    },
    async create(inputs) {
      return d.create(inputs, api);
    },
    async read(id, props) {
      const outs = await d.read(id, props ?? ({} as O), api);
      // gone: an empty id tells the engine to drop the resource from the state
      return outs ? { id, props: outs } : { id: "", props: {} as O };
    },
    async update(id, olds, news) {
      // only the stored provider changed (see holdsProviderCode): the object is as it was
      const own = { ...d.diff, replace: undefined, replaceIf: undefined };
      if (!diffOf(own, olds, news).changes) return { outs: withoutProvider(olds) };
      if (!d.update) throw new Error(`${id} cannot be changed in place; its diff must replace it`);
      return { outs: await d.update(id, olds, news, api) };
    },
    async delete(id, props) {
      await d.delete(id, props, api);
    },
  };
  return provider;
}

function withoutProvider<O extends object>(outs: O): O {
  const copy = { ...outs };
  Reflect.deleteProperty(copy, PROVIDER_KEY);
  return copy;
}

/** The value, or an error saying what is missing (an object not found where it must be). */
export function must<T>(value: T | undefined | null, message: string): T {
  if (!value) throw new Error(message);
  return value;
}

// ---- the resource class ----

export interface ResourceSpec<A, O, E extends keyof O> {
  /** Type token, `<module>:<type>`, e.g. "portkey:Integration". */
  type: `${string}:${string}`;
  /**
   * The module that declares the class (its `__filename`): the provider process loads it to find the
   * type's provider, so the state stores this path and the type instead of the provider's code.
   */
  declaredIn: string;
  /**
   * The outputs the class exposes, typed from the provider's outputs. Those the args do not set are
   * registered unset (the engine fills them in), so each one is an Output on the resource.
   */
  outputs: E[];
  /** Kept secret: made pulumi.secret when given as an input, and listed in additionalSecretOutputs. */
  secrets?: (keyof O & string)[];
  /** Values of inputs the program may leave unset. */
  defaults?: Partial<A>;
}

/** The outputs a resource class exposes. */
export type Exposed<O, E extends keyof O> = { readonly [K in E]-?: pulumi.Output<O[K]> };

/** The properties a resource registers: its outputs unset, its args with defaults, secrets wrapped. */
export function resourceProps<A extends object, O, E extends keyof O & string>(
  args: A,
  spec: ResourceSpec<A, O, E>,
): Record<string, unknown> {
  const props: Record<string, unknown> = {
    ...Object.fromEntries(spec.outputs.map((k) => [k, undefined])),
    ...args,
  };
  for (const [k, v] of Object.entries(spec.defaults ?? {})) props[k] = props[k] ?? v;
  for (const k of spec.secrets ?? []) {
    props[k] = props[k] === undefined ? undefined : pulumi.secret(props[k]);
  }
  return props;
}

/** The project's root: providers/ is in it. */
const ROOT = path.resolve(__dirname, "..");

/** A module's path from the project's root, "/"-separated (the same on every machine and OS). */
export function fromRoot(file: string): string {
  const relative = path.relative(ROOT, file);
  if (relative.startsWith("..") || path.isAbsolute(relative))
    throw new Error(`${file}: a dynamic resource must be declared inside the project (${ROOT})`);
  return relative.split(path.sep).join("/");
}

/**
 * Makes `provider` the provider of `type` in this process: where reference.ts finds it (a module
 * evaluated again replaces its own entry; tests/unit/kit.test.ts checks that no two classes share a type).
 */
export function registerProvider(type: string, provider: pulumi.dynamic.ResourceProvider): void {
  const g = globalThis as { __sophiaProviders?: Map<string, pulumi.dynamic.ResourceProvider> };
  g.__sophiaProviders ??= new Map();
  g.__sophiaProviders.set(type, provider);
}

const DECLARED = new Map<string, string>();

/** The dynamic resource types this process has loaded, and where each is declared (from the root). */
export const declaredTypes = (): { type: string; file: string }[] =>
  [...DECLARED].map(([type, file]) => ({ type, file }));

type ResourceClass<A, R> = new (name: string, args: A, opts?: pulumi.CustomResourceOptions) => R;

/**
 * The pulumi.dynamic.Resource class of a provider, for constructor args A:
 * `class PortkeyIntegration extends dynamicResource<IntegrationArgs>()(integrationProvider, {...}) {}`.
 * (Two calls: A is named, the provider's outputs and the exposed names are inferred.)
 */
export function dynamicResource<A extends object>() {
  // The overload types the outputs the engine sets on construction; the class cannot declare them as
  // fields (a field would overwrite them with undefined).
  function resourceClass<I, O extends object, E extends keyof O & string>(
    provider: pulumi.dynamic.ResourceProvider<I, O>,
    spec: ResourceSpec<A, O, E>,
  ): ResourceClass<A, pulumi.CustomResource & Exposed<O, E>>;
  function resourceClass<I, O extends object, E extends keyof O & string>(
    provider: pulumi.dynamic.ResourceProvider<I, O>,
    spec: ResourceSpec<A, O, E>,
  ): ResourceClass<A, pulumi.CustomResource> {
    const token = `pulumi-nodejs:dynamic/${spec.type}`;
    const file = fromRoot(spec.declaredIn);
    registerProvider(spec.type, provider);
    DECLARED.set(spec.type, file);
    const secrets = spec.secrets;
    // what pulumi.dynamic.Resource would register, with a reference (reference.ts) as its provider:
    // SOPHIA_PROVIDERS_BY_VALUE=1 stores the provider's code instead, as this project did before
    // references; only the upgrade test sets it, to write a state of that time (e2e/provider-upgrade)
    const stored = (): string | Promise<string> =>
      process.env.SOPHIA_PROVIDERS_BY_VALUE === "1"
        ? pulumi.runtime.serializeFunction(() => provider).then((f) => f.text)
        : providerReference(file, spec.type);
    return class extends pulumi.CustomResource {
      constructor(name: string, args: A, opts?: pulumi.CustomResourceOptions) {
        super(
          token,
          name,
          { ...resourceProps(args, spec), [PROVIDER_KEY]: stored() },
          secrets ? pulumi.mergeOptions(opts, { additionalSecretOutputs: secrets }) : opts,
        );
      }
    };
  }
  return resourceClass;
}
