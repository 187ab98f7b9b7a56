// Config keys, defined once. Each integration declares its keys in integrations/<name>/keys.ts with this
// module's `defineKeys`; everything else (config.ts, the providers' clients, `sophia check`, the .env name
// table, the Pulumi.yaml comparison test) reads the definition instead of spelling the key or its default.
// No imports at run time: provider closures, serialized by value, and the CLI at start-up both load these
// files.
import type { Shape } from "./shape";

export type KeyType = "string" | "integer" | "boolean" | "array" | "object";

export interface KeySpec {
  type: KeyType;
  /** The element type of an array key. */
  items?: "string" | "integer" | "object";
  description: string;
  /**
   * The default declared in Pulumi.yaml (`default` there; not called `default` here: Pulumi's closure
   * serializer takes an object with a string `default` for an import-star wrapper and fails on it, and
   * providers capture these definitions). An empty string (or {} / []) means "unset": the value is then
   * required (`required`), optional, or computed from the stack by the integration's config reader.
   */
  defaultValue?: string | number | boolean | readonly unknown[] | Readonly<Record<string, never>>;
  /** Fails the preview when unset (and the integration is enabled). */
  required?: boolean;
  /** A credential: set with `pulumi config set --secret`, never declared in Pulumi.yaml (no default to show). */
  secret?: boolean;
  /** Read only by the CLI or a provider at call time, never by the program's config reader. */
  readBy?: "cli" | "provider";
  /** The environment variable the providers and the CLI fall back to (default: the key in UPPER_SNAKE). */
  env?: string;
  /** Strings: what a value must look like, and how to say it. */
  pattern?: RegExp;
  what?: string;
  /** Integers: the accepted range. */
  min?: number;
  max?: number;
  /** Strings: the accepted values. */
  oneOf?: readonly string[];
  /** Strings: the longest value accepted (default 1,024 characters). */
  maxLength?: number;
  /**
   * A URL credentials travel to (an API key in a header, a token in the query): https only, except to this
   * machine (loopback), where the sandbox's stand-ins answer plain http.
   */
  secureUrl?: boolean;
  /** Structured values: the properties the object (or each object of the list) may have. */
  shape?: Shape;
}

export interface KeyDef extends KeySpec {
  /** The key's name in the project's namespace, e.g. "portkeyApiUrl". */
  name: string;
}

export type Keys<T extends Record<string, KeySpec>> = { readonly [K in keyof T]: T[K] & { name: K } };

/** Names each key after its property, so `PORTKEY.portkeyApiUrl.name === "portkeyApiUrl"`. */
export function defineKeys<const T extends Record<string, KeySpec>>(specs: T): Keys<T> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, { ...spec, name }]),
  ) as Keys<T>;
}

export const upperSnake = (camelCase: string): string =>
  camelCase.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

/** The environment variable a key falls back to. */
export const envName = (k: KeyDef): string => k.env ?? upperSnake(k.name);

/** An http(s) URL that credentials travel to: https, or http to this machine only (see KeySpec.secureUrl). */
export const URL_RULE = { pattern: /^https?:\/\/\S+$/, what: "an http(s) URL", secureUrl: true } as const;

/** A host name or an IP address (no scheme, port, path or whitespace). */
export const HOST_RULE = {
  pattern:
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/,
  what: "a host name or an IP address",
} as const;

/** A PostgreSQL identifier the pipelines can use unquoted: lower-case, at most 63 bytes. */
export const PG_IDENTIFIER_RULE = {
  pattern: /^[a-z_][a-z0-9_]{0,62}$/,
  what: "a PostgreSQL identifier (lower-case letters, digits and _, at most 63 characters)",
} as const;

/**
 * A setting at call time: the stack's config (as handed to a dynamic provider's configure), else the
 * environment variable, else the declared default. Empty strings count as unset.
 */
export function setting(k: KeyDef, get: (key: string) => string | undefined): string | undefined {
  const declared = typeof k.defaultValue === "string" && k.defaultValue !== "" ? k.defaultValue : undefined;
  return get(k.name) || process.env[envName(k)] || declared;
}

export const UUID_RULE = {
  pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  what: "a UUID",
} as const;

/** A setting a client cannot work without: its value, or an error naming the key and its variable. */
export function requiredSetting(
  service: string,
  k: KeyDef,
  get: (key: string) => string | undefined,
  what = "config",
): string {
  const v = setting(k, get);
  if (!v) throw new Error(`${service}: missing ${what} \`${k.name}\` (or ${envName(k)})`);
  return v;
}
