// The one mapping between dotenv names and stack config keys (docs/env-names.md documents it), for
// `sophia secrets import-env`, `export-env` and `sync-github`. Pure: no I/O, no engine.
//
// - KEYS: every key the program (config.ts, Pulumi.yaml), its providers or this CLI read, with the one
//   name export-env writes and sync-github pushes (`canonical`). Project keys take their camelCase name in
//   UPPER_SNAKE (postgresHost ↔ POSTGRES_HOST); provider keys take the provider's own variable
//   (snowflake:password ↔ SNOWFLAKE_PASSWORD, github:token ↔ GITHUB_TOKEN).
// - NAMES: the other names the platform's .env files and design documents (/work/shared/design) use:
//   aliases of a key, names that hold something the program mints or derives itself, names of another
//   thing than the key their name suggests, and names that belong to the environment, not to a stack.
// - Any other name is unknown: import-env reports it and writes it (as its camelCase key, or NS__KEY as
//   ns:key) only with --include-unknown.
import { AIRBYTE } from "../../integrations/airbyte/keys";
import { ESTUARY } from "../../integrations/estuary/keys";
import { GITHUB } from "../../integrations/github/keys";
import { GONG } from "../../integrations/gong/keys";
import { envName, type KeyDef, upperSnake } from "../../integrations/keys";
import { LAMBDA } from "../../integrations/lambda/keys";
import { OPENROUTER } from "../../integrations/openrouter/keys";
import { PORTKEY } from "../../integrations/portkey/keys";
import { POSTGRES } from "../../integrations/postgres/keys";
import { REDIS } from "../../integrations/redis/keys";
import { REGISTRY } from "../../integrations/registry";
import { STACK } from "../../integrations/stack/keys";
import { VERCEL } from "../../integrations/vercel/keys";
import { parseRefreshToken } from "../../providers/estuary/client";

/** The project's namespace: its keys are written without it (as stackConfig reads them). */
export const PROJECT = "sophia-ai";

export interface KeyInfo {
  key: string;
  /** The name export-env writes and sync-github pushes. */
  canonical: string;
  /** A credential: always stored as a secret. */
  secret: boolean;
  /** A JSON list or object (structured config). */
  structured: boolean;
  /** Who reads it, where it is not obvious. */
  note?: string;
}

/** Every project key, from the integrations' key definitions (integrations/<name>/keys.ts). */
const PROJECT_KEYS: KeyDef[] = [STACK, ...REGISTRY.map((s) => s.keys)].flatMap((keys) => Object.values(keys));

const info = (key: string, canonical: string, more: Partial<KeyInfo> = {}): KeyInfo => ({
  key,
  canonical,
  secret: false,
  structured: false,
  ...more,
});

/** Every key something reads, by key. */
export const KEYS: Record<string, KeyInfo> = Object.fromEntries(
  [
    ...PROJECT_KEYS.map((k) =>
      info(k.name, envName(k), {
        secret: Boolean(k.secret),
        structured: k.type === "array" || k.type === "object",
        ...(k.readBy ? { note: k.description } : {}),
      }),
    ),
    info("snowflake:organizationName", "SNOWFLAKE_ORGANIZATION_NAME"),
    info("snowflake:accountName", "SNOWFLAKE_ACCOUNT_NAME"),
    info("snowflake:user", "SNOWFLAKE_USER"),
    info("snowflake:password", "SNOWFLAKE_PASSWORD", { secret: true }),
    info("snowflake:role", "SNOWFLAKE_ROLE"),
    info("snowflake:warehouse", "SNOWFLAKE_WAREHOUSE", {
      note: "the provider's session warehouse; the program creates its own",
    }),
    info("snowflake:host", "SNOWFLAKE_HOST"),
    info("snowflake:protocol", "SNOWFLAKE_PROTOCOL"),
    info("snowflake:port", "SNOWFLAKE_PORT"),
    info("vercel:apiToken", "VERCEL_ACCESS_TOKEN", { secret: true }),
    info("vercel:team", "VERCEL_TEAM_ID"),
    info("github:token", "GITHUB_TOKEN", { secret: true }),
    info("github:owner", "GITHUB_OWNER"),
    info("aws:region", "AWS_REGION"),
    info("aws:accessKey", "AWS_ACCESS_KEY_ID", { secret: true }),
    info("aws:secretKey", "AWS_SECRET_ACCESS_KEY", { secret: true }),
    info("aws:token", "AWS_SESSION_TOKEN", { secret: true }),
    info("aws:profile", "AWS_PROFILE"),
    info("aws:endpoints", "AWS__ENDPOINTS", { structured: true }),
    info("aws:s3UsePathStyle", "AWS__S3_USE_PATH_STYLE"),
  ].map((i) => [i.key, i]),
);

/** What a name that is not a key's canonical name means. */
export type NameRule =
  | { kind: "alias"; key: string; source: string; accept?: (value: string) => string | undefined }
  | { kind: "split"; keys: string[]; source: string }
  | { kind: "minted" | "other" | "environment"; why: string; source: string };

const DESIGN = "design documents";
const alias = (key: string, source: string, accept?: (value: string) => string | undefined): NameRule => ({
  kind: "alias",
  key,
  source,
  accept,
});

/** Names with a meaning of their own (checked before the canonical and generic names). */
export const NAMES: Record<string, NameRule> = {
  // Gong: the access key and its secret (Basic auth)
  GONG_API_KEY: alias(GONG.gongAccessKey.name, DESIGN),
  GONG_API_SECRET: alias(GONG.gongAccessKeySecret.name, DESIGN),
  // Snowflake: the design's SNOWFLAKE_ACCOUNT is <organization>-<account>
  SNOWFLAKE_ACCOUNT: {
    kind: "split",
    keys: ["snowflake:organizationName", "snowflake:accountName"],
    source: DESIGN,
  },
  // Vercel
  VERCEL_API_TOKEN: alias("vercel:apiToken", "the Vercel provider"),
  VERCEL_TOKEN: alias("vercel:apiToken", "the Vercel CLI"),
  VERCEL_ORG_ID: alias("vercel:team", `${DESIGN}, the Vercel CLI`, (v) =>
    v.startsWith("team_")
      ? undefined
      : "not a team id (team_...): a personal account's id, and the provider needs no team for one",
  ),
  VERCEL_PROJECT_ID: {
    kind: "minted",
    why: `Vercel assigns it to the project the program creates (${VERCEL.vercelProjectName.name}, ${envName(VERCEL.vercelProjectName)}; default the name prefix)`,
    source: DESIGN,
  },
  // Estuary
  ESTUARY_API_URL: {
    kind: "other",
    why: `Estuary's public API (https://api.estuary.dev), which the program does not use; the program talks to the control plane's PostgREST root, ${ESTUARY.estuaryApiUrl.name}, whose default is right for Estuary's cloud (set ${envName(ESTUARY.estuaryApiUrl)} only for another control plane)`,
    source: DESIGN,
  },
  ESTUARY_API_KEY: alias(ESTUARY.estuaryRefreshToken.name, DESIGN, (v) => {
    try {
      parseRefreshToken(v);
      return undefined;
    } catch {
      return `not a Flow refresh token (base64 of {"id","secret"}), the only Estuary credential the program uses: create one in Estuary's dashboard (Admin, CLI-API) and set ${envName(ESTUARY.estuaryRefreshToken)}`;
    }
  }),
  ESTUARY_GONG_TOKEN: {
    kind: "minted",
    why: "the bearer token of the Gong webhook at the Estuary capture: the program mints and rotates it (`sophia secrets rotate --service estuary`) and publishes it as ESTUARY_WEBHOOK_TOKEN",
    source: DESIGN,
  },
  ESTUARY_WEBHOOK_TOKEN: {
    kind: "minted",
    why: "the Estuary capture's webhook token, which the program mints, rotates and publishes under this name",
    source: "the program's GitHub secrets and Vercel variables",
  },
  ESTUARY_CAPTURE_TOKEN: {
    kind: "minted",
    why: "the Estuary capture's webhook token: the program mints and rotates it (`sophia secrets rotate --service estuary`) and publishes it as ESTUARY_WEBHOOK_TOKEN",
    source: "earlier sandbox stacks",
  },
  // Gong
  GONG_WEBHOOK_SECRET: {
    kind: "minted",
    why: "the verification key of Gong's webhook rule, which the program mints, rotates (`sophia secrets rotate --service gong`) and publishes under this name (output gongWebhookSetup)",
    source: "the program's GitHub secrets and Vercel variables",
  },
  // Airbyte
  AIRBYTE_ACCESS_TOKEN: {
    kind: "minted",
    why: `a short-lived (15-minute) token: the program's Airbyte client gets one from ${envName(AIRBYTE.airbyteClientId)} and ${envName(AIRBYTE.airbyteClientSecret)} whenever it needs one`,
    source: DESIGN,
  },
  // Slack
  SLACK_WEBHOOK_TYPE: {
    kind: "environment",
    why: "a setting of the Slack step of a GitHub workflow (INCOMING_WEBHOOK), not of this program",
    source: DESIGN,
  },
  // PostgreSQL (the postgres image's and libpq's names)
  POSTGRES_PASS: alias(POSTGRES.postgresPassword.name, "common .env files"),
  POSTGRES_DB: alias(POSTGRES.postgresDatabase.name, "the postgres image"),
  POSTGRES_USERNAME: alias(POSTGRES.postgresUser.name, "common .env files"),
  POSTGRES_SSLMODE: alias(POSTGRES.postgresSslMode.name, "common .env files"),
  PGHOST: alias(POSTGRES.postgresHost.name, "libpq"),
  PGPORT: alias(POSTGRES.postgresPort.name, "libpq"),
  PGDATABASE: alias(POSTGRES.postgresDatabase.name, "libpq"),
  PGUSER: alias(POSTGRES.postgresUser.name, "libpq"),
  PGPASSWORD: alias(POSTGRES.postgresPassword.name, "libpq"),
  PGSSLMODE: alias(POSTGRES.postgresSslMode.name, "libpq"),
  // Redis
  REDIS_PASS: alias(REDIS.redisPassword.name, "common .env files"),
  REDIS_USERNAME: alias(REDIS.redisUser.name, "common .env files"),
  REDIS_TLS: alias(REDIS.redisSsl.name, "common .env files"),
  // OpenRouter, Portkey, Lambda
  OPENROUTER_PROVISIONING_KEY: alias(OPENROUTER.openrouterManagementKey.name, "OpenRouter"),
  OPENROUTER_API_KEY: {
    kind: "other",
    why: `an OpenRouter inference key; the program manages keys with a provisioning (management) key, ${OPENROUTER.openrouterManagementKey.name}: set ${envName(OPENROUTER.openrouterManagementKey)}`,
    source: "common .env files",
  },
  PORTKEY_VIRTUAL_KEY: {
    kind: "minted",
    why: `the program creates the Portkey providers (virtual keys) listed in ${PORTKEY.portkeyProviders.name}`,
    source: "common .env files",
  },
  LAMBDA_LABS_API_KEY: alias(LAMBDA.lambdaApiKey.name, "common .env files"),
  LAMBDA_CLOUD_API_KEY: alias(LAMBDA.lambdaApiKey.name, "common .env files"),
  // GitHub
  GH_TOKEN: alias("github:token", "the GitHub CLI"),
  GITHUB_ORG: alias("github:owner", "common .env files"),
  GITHUB_REPOSITORY: {
    kind: "split",
    keys: ["github:owner", GITHUB.githubRepository.name],
    source: "GitHub Actions",
  },
  GITHUB_API_URL: {
    kind: "environment",
    why: "sophia reads it from the environment (check, sync-github) to reach GitHub Enterprise; it is no stack setting",
    source: "GitHub Actions",
  },
  // AWS
  AWS_DEFAULT_REGION: alias("aws:region", "the AWS CLI"),
  // Pulumi's own
  PULUMI_ACCESS_TOKEN: {
    kind: "environment",
    why: "the Pulumi CLI's own login: keep it in the environment, never in a stack's config",
    source: "Pulumi",
  },
  PULUMI_CONFIG_PASSPHRASE: {
    kind: "environment",
    why: "the passphrase that encrypts this stack's secrets: keep it in the environment, never in the stack",
    source: "Pulumi",
  },
  PULUMI_BACKEND_URL: {
    kind: "environment",
    why: "the Pulumi CLI's backend: an environment setting, not stack config",
    source: "Pulumi",
  },
};

const CANONICAL: Record<string, string> = Object.fromEntries(
  Object.values(KEYS).map((i) => [i.canonical, i.key]),
);

/** Whether a key is read by something, given the keys a stack's portkeyProviders name (apiKeySecret). */
export const isKnownKey = (key: string, extraKeys: ReadonlySet<string> = new Set()) =>
  key in KEYS || extraKeys.has(key);

// ---- the generic rule: AIRBYTE_CLIENT_SECRET <-> airbyteClientSecret, GITHUB__TOKEN <-> github:token ----

const SECRET_WORDS = [
  "SECRET",
  "PASSWORD",
  "PASSWD",
  "PASS",
  "TOKEN",
  "KEY",
  "PASSPHRASE",
  "CREDENTIAL",
  "PRIVATE",
];
const SETTING_WORDS = [
  "ENABLED",
  "VISIBILITY",
  "NAME",
  "ID",
  "URL",
  "PATH",
  "DAYS",
  "SECONDS",
  "VERSION",
  "CREDENTIALS",
  "SOURCE",
];

/**
 * A name is secret when one of its words (split at _) is SECRET, PASSWORD, PASSWD, PASS, TOKEN, KEY,
 * PASSPHRASE, CREDENTIAL or PRIVATE, unless its last word names a setting about the secret rather than the
 * secret itself (ENABLED, VISIBILITY, NAME, ID, URL, PATH, DAYS, SECONDS, VERSION, CREDENTIALS, SOURCE):
 * AIRBYTE_CLIENT_SECRET, GONG_ACCESS_KEY and POSTGRES_PASS are secret; GITHUB_ORG_SECRET_VISIBILITY is not.
 * Slack's and other webhook URLs are caught by their value (isSecretValue).
 */
export function isSecretName(envName: string): boolean {
  const words = envName.split("_").filter(Boolean);
  return words.some((w) => SECRET_WORDS.includes(w)) && !SETTING_WORDS.includes(words[words.length - 1]);
}

const KEY_PATTERNS = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^sk[-_][A-Za-z0-9_-]{16,}/, // OpenAI, OpenRouter (sk-or-v1-), Stripe (sk_live_)
  /^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}$/,
  /^github_pat_[A-Za-z0-9_]{20,}$/,
  /^xox[abposr]-[A-Za-z0-9-]{10,}/, // Slack tokens
  /^(AKIA|ASIA)[A-Z0-9]{16}$/, // AWS access key ids
  /^AIza[0-9A-Za-z_-]{30,}$/, // Google API keys
  /^glpat-[A-Za-z0-9_-]{16,}$/,
  /^secret_[A-Za-z0-9_.-]{16,}$/, // Lambda Cloud
  /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./, // a JWT
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_QUERY =
  /^(.*token|.*secret|.*key|sig|signature|password|passwd|auth|code|access_token|apikey|api_key)$/i;

/** A value that looks like a credential whatever its name: a key, a token, a URL that carries one. */
export function isSecretValue(value: string): boolean {
  const v = value.trim();
  if (KEY_PATTERNS.some((p) => p.test(v))) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      return false;
    }
    if (url.password) return true;
    // incoming webhooks: the path is the credential
    if (/(^|\.)hooks\.slack\.com$/i.test(url.hostname) && url.pathname.startsWith("/services/")) return true;
    if (/(^|\.)discord(app)?\.com$/i.test(url.hostname) && url.pathname.startsWith("/api/webhooks/"))
      return true;
    if (/(^|\.)office\.com$|webhook\.office\.com$/i.test(url.hostname) && url.pathname.includes("webhook"))
      return true;
    if ([...url.searchParams.keys()].some((k) => SECRET_QUERY.test(k))) return true;
    return url.pathname.split("/").some((seg) => looksRandom(seg));
  }
  return looksRandom(v);
}

/** A long random-looking token: mixed case and digits, or long hex, or long upper-case letters and digits. */
function looksRandom(v: string): boolean {
  if (UUID.test(v)) return false;
  if (/^[0-9a-f]{32,}$/i.test(v) && /[a-f]/i.test(v) && /\d/.test(v)) return true;
  if (
    /^[A-Z0-9]{24,}$/.test(v) &&
    (v.match(/\d/g) ?? []).length >= 4 &&
    (v.match(/[A-Z]/g) ?? []).length >= 4
  )
    return true;
  return /^[A-Za-z0-9+/=_-]{32,}$/.test(v) && /\d/.test(v) && /[a-z]/.test(v) && /[A-Z]/.test(v);
}

const camel = (snake: string) => snake.toLowerCase().replace(/_([a-z0-9])/g, (_m, c) => c.toUpperCase());

/**
 * The generic rule: AIRBYTE_CLIENT_SECRET → airbyteClientSecret, GITHUB__TOKEN → github:token (NS__KEY is
 * another namespace's key; SOPHIA_AI__X is the project's own x, spelled out).
 */
export function configKeyFor(envName: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(envName)) {
    throw new Error(
      `"${envName}" is not an environment variable name (A-Z, 0-9 and _, starting with a letter)`,
    );
  }
  const [ns, key] = envName.includes("__") ? envName.split(/__(.*)/s) : [undefined, envName];
  if (!ns) return camel(key);
  const namespace = camel(ns).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return namespace === PROJECT ? camel(key) : `${namespace}:${camel(key)}`;
}

/** The generic rule backwards: snowflake:organizationName → SNOWFLAKE__ORGANIZATION_NAME. */
export function envNameFor(configKey: string): string {
  const [ns, key] = configKey.includes(":") ? configKey.split(/:(.*)/s) : [undefined, configKey];
  const k = upperSnake(key.replace(/[.-]/g, "_"));
  return ns ? `${upperSnake(ns.replace(/-([a-z])/g, (_m, c) => c.toUpperCase()))}__${k}` : k;
}

// ---- names → keys (import-env) ----

export interface Write {
  key: string;
  value: string;
}

export type Resolution =
  /** Writes these keys. */
  | { kind: "set"; writes: Write[]; rule: "canonical" | "alias" | "generic" | "split" }
  /** Not imported, and why (with the name or key to use instead, where there is one). */
  | { kind: "skip"; why: string }
  /** Nothing reads the key this name would give; written only on request. */
  | { kind: "unknown"; key: string };

export interface ResolveContext {
  /** Secret keys the stack's portkeyProviders name (apiKeySecret): read by the program too. */
  extraKeys: ReadonlySet<string>;
}

/** What importing `name=value` means. Never includes the value in a reason. */
export function resolveEnvName(name: string, value: string, ctx: ResolveContext): Resolution {
  const rule = NAMES[name];
  if (rule?.kind === "alias") {
    const refused = rule.accept?.(value);
    if (refused) return { kind: "skip", why: refused };
    return { kind: "set", writes: [{ key: rule.key, value }], rule: "alias" };
  }
  if (rule?.kind === "split") return split(name, value);
  if (rule)
    return {
      kind: "skip",
      why: `${rule.kind === "minted" ? "the program makes it itself: " : ""}${rule.why}`,
    };
  let key: string;
  try {
    key = CANONICAL[name] ?? configKeyFor(name);
  } catch (err) {
    return { kind: "skip", why: (err as Error).message };
  }
  if (!isKnownKey(key, ctx.extraKeys)) return { kind: "unknown", key };
  return { kind: "set", writes: [{ key, value }], rule: CANONICAL[name] ? "canonical" : "generic" };
}

function split(name: string, value: string): Resolution {
  if (name === "SNOWFLAKE_ACCOUNT") {
    // <organization>-<account> (the account identifier Snowflake prefers; organization names have no dash),
    // also as a host or URL. A legacy locator (xy12345, xy12345.us-east-1) names no organization.
    const id = value
      .trim()
      .replace(/^https?:\/\//i, "")
      .replace(/\.snowflakecomputing\.com\/?$/i, "");
    const m = /^([A-Za-z][A-Za-z0-9]*)-([A-Za-z0-9_-]+)$/.exec(id);
    if (!m) {
      return {
        kind: "skip",
        why: "not <organization>-<account>: a legacy account locator or an account name alone, which the Snowflake provider no longer takes; set SNOWFLAKE_ACCOUNT=<organization>-<account> (SELECT CURRENT_ORGANIZATION_NAME(), CURRENT_ACCOUNT_NAME()) or SNOWFLAKE_ORGANIZATION_NAME and SNOWFLAKE_ACCOUNT_NAME",
      };
    }
    return {
      kind: "set",
      writes: [
        { key: "snowflake:organizationName", value: m[1] },
        { key: "snowflake:accountName", value: m[2] },
      ],
      rule: "split",
    };
  }
  // GITHUB_REPOSITORY: a name, or owner/name as GitHub Actions sets it
  const parts = value.trim().split("/");
  if (parts.length === 2 && parts.every((p) => /^[\w.-]+$/.test(p))) {
    return {
      kind: "set",
      writes: [
        { key: "github:owner", value: parts[0] },
        { key: GITHUB.githubRepository.name, value: parts[1] },
      ],
      rule: "split",
    };
  }
  if (/^[\w.-]+$/.test(value.trim())) {
    return { kind: "set", writes: [{ key: GITHUB.githubRepository.name, value }], rule: "canonical" };
  }
  return { kind: "skip", why: "not a repository name or OWNER/NAME" };
}

// ---- keys → names (export-env, sync-github) ----

/**
 * The name a key is exported and pushed under: its canonical name; for a key nothing reads, the generic
 * name, or SOPHIA_AI__<KEY> (NS__KEY for another namespace) where the generic name means something else.
 */
export function exportNameFor(key: string): string {
  const known = KEYS[key];
  if (known) return known.canonical;
  const generic = envNameFor(key);
  if (!(generic in NAMES) && !(generic in CANONICAL)) return generic;
  return key.includes(":") ? generic : `${envNameFor(`${PROJECT}:${key}`)}`;
}

/** Every name import-env accepts for `key`: the canonical one first. */
export function namesFor(key: string): string[] {
  const names = [exportNameFor(key)];
  for (const [n, r] of Object.entries(NAMES)) if (r.kind === "alias" && r.key === key) names.push(n);
  for (const [n, r] of Object.entries(NAMES)) if (r.kind === "split" && r.keys.includes(key)) names.push(n);
  const generic = envNameFor(key);
  if (!names.includes(generic) && !(generic in NAMES)) names.push(generic);
  return names;
}

/**
 * A dotenv value quoted so dotenv parsers read it back unchanged: single quotes are literal; double quotes
 * expand \n; backticks are literal too (sophia's reader, python-dotenv and Node's dotenv all agree on these).
 * A value with both quotes and a line break is double-quoted with \" and \\ escapes, which sophia's reader
 * and python-dotenv read back (Node's dotenv keeps the backslashes). Throws for a value no quoting can carry.
 */
export function dotenvQuote(value: string): string {
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`;
  if (!/["\\\r$]/.test(value)) return `"${value.replace(/\n/g, "\\n")}"`;
  if (!value.includes("`") && !/[\r\n]/.test(value)) return `\`${value}\``;
  if (!value.includes("${"))
    return `"${value
      .replace(/[\\"]/g, (c) => `\\${c}`)
      .replace(/\n/g, "\\n")
      .replace(/\r/g, "\\r")}"`;
  throw new Error("the value mixes quotes, line breaks and ${ in a way a dotenv file cannot hold");
}
