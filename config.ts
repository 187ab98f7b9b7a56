// The typed stack configuration: the only place that reads pulumi.Config. Every problem is collected
// and reported together, each naming the key and what is expected, before any resource is declared.

import * as pulumi from "@pulumi/pulumi";
import type { AirbyteArgs } from "./integrations/airbyte";
import type { AwsArgs } from "./integrations/aws";
import { ROTATED_SERVICES, type RotatedService } from "./integrations/credentials";
import type { EstuaryArgs } from "./integrations/estuary";
import type { GithubArgs } from "./integrations/github";
import type { GongArgs } from "./integrations/gong";
import type { LambdaLabsArgs } from "./integrations/lambdaLabs";
import type { OpenRouterArgs } from "./integrations/openrouter";
import type { PortkeyArgs, PortkeyProviderArgs } from "./integrations/portkey";
import type { RotationState } from "./integrations/rotation";
import type { SnowflakeArgs } from "./integrations/snowflake";
import type { VercelArgs } from "./integrations/vercel";
import { ESTUARY_DEFAULT_API_URL, ESTUARY_DEFAULT_ENCRYPTION_URL } from "./providers/estuary/client";
import { isSafeUrl } from "./providers/http/client";

export { CARRIERS, ROTATED_SERVICES, type RotatedService } from "./integrations/credentials";

export interface RotationConfig {
  maxAgeDays: number;
  services: Record<RotatedService, RotationState>;
}

export interface StackConfig {
  stack: string;
  namePrefix: string;
  /** Protect resources that hold data or identity (production). */
  protect: boolean;
  rotation: RotationConfig;
  airbyte?: AirbyteArgs;
  /** CI credentials read from config, which GitHub Actions secrets may carry. */
  ciCredentials: Record<string, pulumi.Output<string>>;
  snowflake?: Omit<SnowflakeArgs, "credential" | "protect">;
  aws?: Omit<AwsArgs, "protect">;
  github?: Omit<GithubArgs, "repoSecrets" | "orgSecrets"> & { carryConfigCredentials: boolean };
  vercel?: Omit<VercelArgs, "variables">;
  gong?: Omit<GongArgs, "webhook"> & { webhookUrl?: string };
  estuary?: Omit<EstuaryArgs, "captureToken" | "snowflake"> & {
    /** Materialize to Snowflake as the Snowflake module's current service user (needs snowflakeEnabled). */
    snowflake?: { host: string; account: string };
  };
  portkey?: Omit<PortkeyArgs, "providers"> & {
    providers: (Omit<PortkeyProviderArgs, "apiKey"> & {
      apiKey?: pulumi.Output<string>;
      openrouterKey?: string;
    })[];
  };
  openrouter?: OpenRouterArgs;
  lambda?: LambdaLabsArgs;
}

// @pulumi/pulumi marks this helper internal; it is how the SDK itself knows which keys are secret.
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean })
  .isConfigSecret;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  /** Whether the key (full name, namespace:key) is stored as a secret; undefined when unknown. */
  isSecret?(fullKey: string): boolean;
}

/** The running program's config. */
export function programConfig(cfg = new pulumi.Config()): ConfigSource {
  return { name: cfg.name, get: (k) => cfg.get(k), isSecret: isConfigSecret };
}

/** Reads typed values, recording a problem (with the key's full name) for each missing or malformed one. */
export class ConfigReader {
  readonly problems: string[] = [];
  constructor(private readonly cfg: ConfigSource) {}

  private full(key: string) {
    return `${this.cfg.name}:${key}`;
  }

  string(key: string, opts: { default?: string; pattern?: RegExp; what?: string } = {}): string {
    const v = this.cfg.get(key);
    if (v === undefined || v === "") {
      if (opts.default !== undefined) return opts.default;
      this.problems.push(`${this.full(key)} is required: ${opts.what ?? "a string"}`);
      return "";
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      this.problems.push(`${this.full(key)} must be ${opts.what ?? `like ${opts.pattern}`}; got "${v}"`);
    }
    return v;
  }

  uuid(key: string): string {
    return this.string(key, { pattern: UUID_RE, what: "a UUID" });
  }

  int(key: string, opts: { default?: number; min?: number; max?: number } = {}): number {
    const raw = this.cfg.get(key);
    if (raw === undefined || raw === "") {
      if (opts.default !== undefined) return opts.default;
      this.problems.push(`${this.full(key)} is required: an integer`);
      return 0;
    }
    const n = Number(raw);
    if (
      !Number.isInteger(n) ||
      (opts.min !== undefined && n < opts.min) ||
      (opts.max !== undefined && n > opts.max)
    ) {
      this.problems.push(
        `${this.full(key)} must be an integer${opts.min !== undefined ? ` from ${opts.min}` : ""}${opts.max !== undefined ? ` to ${opts.max}` : ""}; got "${raw}"`,
      );
    }
    return n;
  }

  bool(key: string, def: boolean): boolean {
    const raw = this.cfg.get(key);
    if (raw === undefined || raw === "") return def;
    if (raw !== "true" && raw !== "false")
      this.problems.push(`${this.full(key)} must be true or false; got "${raw}"`);
    return raw === "true";
  }

  stringList(key: string, def: string[]): string[] {
    const raw = this.cfg.get(key);
    if (raw === undefined || raw === "") return def;
    try {
      const v = JSON.parse(raw);
      if (Array.isArray(v) && v.every((x) => typeof x === "string" && x)) return v;
    } catch {
      // reported below
    }
    this.problems.push(`${this.full(key)} must be a list of strings, e.g. ["calls","users"]; got ${raw}`);
    return def;
  }

  /** A JSON object value (structured config); undefined when unset or empty. */
  object(key: string): Record<string, unknown> | undefined {
    const raw = this.cfg.get(key);
    if (raw === undefined || raw === "") return undefined;
    try {
      const v = JSON.parse(raw);
      // {} is the declared default of optional objects: the same as unset
      if (v && typeof v === "object" && !Array.isArray(v)) return Object.keys(v).length ? v : undefined;
    } catch {
      // reported below
    }
    this.problems.push(`${this.full(key)} must be an object; got ${raw}`);
    return undefined;
  }

  /** A list of objects (structured config), each with a non-empty string `name`, unique. */
  objectList<T extends { name: string }>(key: string): T[] {
    const raw = this.cfg.get(key);
    if (raw === undefined || raw === "") return [];
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      // reported below
    }
    if (!Array.isArray(v)) {
      this.problems.push(`${this.full(key)} must be a list of objects, each with a name; got ${raw}`);
      return [];
    }
    const seen: string[] = [];
    v.forEach((item, i) => {
      if (!item || typeof item !== "object" || Array.isArray(item)) {
        this.problems.push(`${this.full(key)}[${i}] must be an object`);
      } else if (typeof item.name !== "string" || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(item.name)) {
        this.problems.push(
          `${this.full(key)}[${i}].name must be lower-case letters, digits and dashes; got ${JSON.stringify(item.name)}`,
        );
      } else if (seen.includes(item.name)) {
        this.problems.push(`${this.full(key)}[${i}].name "${item.name}" is listed twice`);
      } else {
        seen.push(item.name);
      }
    });
    return v as T[];
  }

  intList(key: string, def: number[]): number[] {
    const raw = this.cfg.get(key);
    if (raw === undefined || raw === "") return def;
    try {
      const v = JSON.parse(raw);
      if (Array.isArray(v) && v.every((x) => Number.isInteger(x))) return v;
    } catch {
      // reported below
    }
    this.problems.push(`${this.full(key)} must be a list of integers, e.g. [1234, 5678]; got ${raw}`);
    return def;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], def: T): T {
    const v = this.string(key, { default: def });
    if (!allowed.includes(v as T)) {
      this.problems.push(`${this.full(key)} must be one of ${allowed.join(", ")}; got "${v}"`);
      return def;
    }
    return v as T;
  }

  /** A secret value; refuses one stored in plain text so a credential never sits unencrypted in a stack file. */
  secret(key: string): pulumi.Output<string> {
    const v = this.cfg.get(key);
    if (v === undefined || v === "") {
      this.problems.push(`${this.full(key)} is required: a secret (pulumi config set --secret ${key} ...)`);
    } else if (this.cfg.isSecret && !this.cfg.isSecret(this.full(key))) {
      this.problems.push(
        `${this.full(key)} must be stored as a secret (pulumi config set --secret ${key} ...)`,
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

export function loadStackConfig(cfg: ConfigSource = programConfig(), stack = pulumi.getStack()): StackConfig {
  const r = new ConfigReader(cfg);
  const namePrefix = r.string("namePrefix", {
    default: defaultNamePrefix(stack),
    pattern: /^[a-z][a-z0-9-]{1,40}$/,
    what: "lower-case letters, digits and dashes",
  });

  const airbyteEnabled = r.bool("airbyteEnabled", true);
  const gongEnabled = r.bool("gongEnabled", false);
  const estuaryEnabled = r.bool("estuaryEnabled", false);
  const ciCredentials: Record<string, pulumi.Output<string>> = {};

  // Gong credentials: Airbyte's Gong source reads with them and the Gong module manages with them.
  const gongCredentials =
    airbyteEnabled || gongEnabled
      ? { accessKey: r.secret("gongAccessKey"), accessKeySecret: r.secret("gongAccessKeySecret") }
      : undefined;
  if (gongCredentials) {
    ciCredentials.GONG_ACCESS_KEY = gongCredentials.accessKey;
    ciCredentials.GONG_ACCESS_KEY_SECRET = gongCredentials.accessKeySecret;
  }
  // The PostgreSQL staging database and the Redis hot cache: Airbyte and Estuary both write to them.
  const redisWanted = r.bool("redisEnabled", true) && (airbyteEnabled || estuaryEnabled);
  const postgres =
    airbyteEnabled || estuaryEnabled
      ? {
          host: r.string("postgresHost", { what: "the PostgreSQL host name" }),
          port: r.int("postgresPort", { default: 5432, min: 1, max: 65535 }),
          database: r.string("postgresDatabase", { default: "sophia_intel" }),
          schema: r.string("postgresSchema", { default: "gong" }),
          username: r.string("postgresUser", { what: "the PostgreSQL user the pipelines write as" }),
          password: r.secret("postgresPassword"),
          sslMode: r.string("postgresSslMode", {
            default: "require",
            pattern: /^(disable|allow|prefer|require|verify-ca|verify-full)$/,
            what: "a libpq sslmode (disable, allow, prefer, require, verify-ca, verify-full)",
          }),
        }
      : undefined;
  const redis = redisWanted
    ? {
        host: r.string("redisHost", { what: "the Redis host name" }),
        port: r.int("redisPort", { default: 6379, min: 1, max: 65535 }),
        username: r.string("redisUser", { default: "default" }),
        password: r.secret("redisPassword"),
        ssl: r.bool("redisSsl", true),
      }
    : undefined;

  let airbyte: AirbyteArgs | undefined;
  if (airbyteEnabled && gongCredentials && postgres) {
    // The provider reads these at call time; checked here so a missing one fails the preview.
    ciCredentials.AIRBYTE_CLIENT_ID = pulumi.output(
      r.string("airbyteClientId", { what: "the Airbyte application's client id" }),
    );
    ciCredentials.AIRBYTE_CLIENT_SECRET = r.secret("airbyteClientSecret");
    r.string("airbyteApiUrl", {
      default: "https://api.airbyte.com/v1",
      pattern: /^https?:\/\/\S+$/,
      what: "an http(s) URL",
    });
    airbyte = {
      namePrefix,
      workspaceId: r.uuid("airbyteWorkspaceId"),
      gong: {
        ...gongCredentials,
        startDate: r.string("gongStartDate", {
          default: "2024-01-01T00:00:00Z",
          pattern: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
          what: "a UTC timestamp like 2024-01-01T00:00:00Z",
        }),
      },
      postgres,
      redis,
      syncCron: r.string("airbyteSyncCron", { default: "0 0 */6 * * ?" }),
      streams: r.stringList("airbyteStreams", ["calls", "users", "deals", "emails"]),
      syncMode: "incremental_append",
    };
  }
  const protect = r.bool("protectData", stack === "production");
  if (stack === "production" && !protect) {
    r.problems.push(`${cfg.name}:protectData cannot be false in the production stack`);
  }
  const rotation = readRotation(r, cfg.name);
  const upperPrefix = namePrefix.toUpperCase().replace(/-/g, "_");

  const snowflake = r.bool("snowflakeEnabled", false)
    ? {
        prefix: upperPrefix,
        warehouseSize: r.oneOf("snowflakeWarehouseSize", WAREHOUSE_SIZES, "XSMALL"),
        autoSuspendSeconds: r.int("snowflakeAutoSuspendSeconds", { default: 60, min: 60, max: 3600 }),
        dataRetentionDays: r.int("snowflakeDataRetentionDays", { default: 1, min: 0, max: 90 }),
        database: r.string("snowflakeDatabase", {
          default: `${upperPrefix}_ANALYTICS`,
          pattern: /^[A-Z][A-Z0-9_]*$/,
          what: "an upper-case identifier",
        }),
        schema: r.string("snowflakeSchema", {
          default: "GONG",
          pattern: /^[A-Z][A-Z0-9_]*$/,
          what: "an upper-case identifier",
        }),
      }
    : undefined;

  const aws = r.bool("awsEnabled", false)
    ? {
        bucketName: r.string("awsBucketName", {
          default: `${namePrefix}-data`,
          pattern: /^[a-z0-9][a-z0-9.-]{2,62}$/,
          what: "an S3 bucket name",
        }),
        rawExpireDays: r.int("awsRawExpireDays", { default: 365, min: 1 }),
        backupGlacierDays: r.int("awsBackupGlacierDays", { default: 30, min: 1 }),
        noncurrentVersionDays: r.int("awsNoncurrentVersionDays", { default: 90, min: 1 }),
      }
    : undefined;

  const github = r.bool("githubEnabled", false)
    ? {
        repository: r.string("githubRepository", { what: "the repository name (the owner is github:owner)" }),
        productionReviewers: r.intList("githubProductionReviewers", []),
        orgSecretVisibility: r.oneOf(
          "githubOrgSecretVisibility",
          ["all", "private", "selected"] as const,
          "private",
        ),
        carryConfigCredentials: r.bool("githubCarryConfigCredentials", true),
      }
    : undefined;
  if (github && stack === "production" && github.productionReviewers.length === 0) {
    r.problems.push(
      `${cfg.name}:githubProductionReviewers must name at least one reviewer in the production stack`,
    );
  }

  const vercel = r.bool("vercelEnabled", false)
    ? {
        projectName: r.string("vercelProjectName", {
          default: namePrefix,
          pattern: /^[a-z0-9][a-z0-9-]{0,99}$/,
          what: "a Vercel project name",
        }),
        framework: r.string("vercelFramework", { default: "nextjs" }),
        gitRepository: r.string("vercelGitRepository", { default: "" }) || undefined,
        domain: r.string("vercelDomain", { default: "" }) || undefined,
      }
    : undefined;

  const url = { pattern: /^https?:\/\/\S+$/, what: "an http(s) URL" };

  const gong = gongEnabled
    ? {
        namePrefix,
        workspaceId: r.string("gongWorkspaceId", {
          pattern: /^\d{1,20}$/,
          what: "Gong's numeric workspace id (GET /v2/workspaces)",
        }),
        ...(r.object("gongCrmIntegration")
          ? { crmIntegration: crmIntegration(r, cfg.name, r.object("gongCrmIntegration")!) }
          : {}),
        permissionProfiles:
          r.objectList<NonNullable<GongArgs["permissionProfiles"]>[number]>("gongPermissionProfiles"),
        webhookUrl: r.string("gongWebhookUrl", { default: "", ...url }) || undefined,
      }
    : undefined;
  if (gong)
    r.string("gongApiUrl", {
      pattern: url.pattern,
      what: "the Gong tenant's API base URL, an http(s) URL like https://us-12345.api.gong.io",
    });
  const estuary = estuaryEnabled
    ? {
        prefix: r.string("estuaryPrefix", {
          default: `sophia-ai/${stack}/`,
          pattern: /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/$/,
          what: "an Estuary catalog prefix ending in /, e.g. sophia-ai/production/",
        }),
        dataPlane: r.string("estuaryDataPlane", { default: "ops/dp/public/gcp-us-central1-c1" }),
        redis:
          redis && r.bool("estuaryMaterializeRedis", true)
            ? {
                address: `${redis.host}:${redis.port}`,
                password: redis.password,
                ttlSeconds: r.int("estuaryRedisTtlSeconds", { default: 86_400, min: 60, max: 2_592_000 }),
              }
            : undefined,
        postgres:
          postgres && r.bool("estuaryMaterializePostgres", true)
            ? {
                address: `${postgres.host}:${postgres.port}`,
                database: postgres.database,
                user: postgres.username,
                password: postgres.password,
                schema: r.string("estuaryPostgresSchema", { default: "estuary_staging" }),
              }
            : undefined,
        snowflake: r.bool("estuaryMaterializeSnowflake", false)
          ? {
              host: r.string("estuarySnowflakeHost", {
                pattern: /^[a-z0-9.-]+\.snowflakecomputing\.com$/i,
                what: "the account host, <org>-<account>.snowflakecomputing.com",
              }),
              account: r.string("estuarySnowflakeAccount", { what: "the Snowflake account identifier" }),
            }
          : undefined,
      }
    : undefined;
  if (estuary) {
    r.string("estuaryApiUrl", { default: ESTUARY_DEFAULT_API_URL, ...url });
    const encryptionUrl = r.string("estuaryConfigEncryptionUrl", {
      default: ESTUARY_DEFAULT_ENCRYPTION_URL,
      ...url,
    });
    if (encryptionUrl && !isSafeUrl(encryptionUrl)) {
      r.problems.push(
        `${cfg.name}:estuaryConfigEncryptionUrl must be https (or http on this machine): endpoint credentials travel to it; got ${encryptionUrl}`,
      );
    }
    ciCredentials.ESTUARY_REFRESH_TOKEN = r.secret("estuaryRefreshToken");
    if (estuary.snowflake && !snowflake) {
      r.problems.push(
        `${cfg.name}:estuaryMaterializeSnowflake needs snowflakeEnabled: true (its service user)`,
      );
    }
  }

  const openrouter = r.bool("openrouterEnabled", false)
    ? {
        namePrefix,
        keys: r
          .objectList<OpenRouterArgs["keys"][number] & { generation?: number }>("openrouterKeys")
          .map(({ generation, ...k }) => ({ ...k, keepers: { generation: String(generation ?? 0) } })),
        models: llmModels(r, cfg.name),
      }
    : undefined;
  if (openrouter) {
    r.string("openrouterApiUrl", { default: "https://openrouter.ai/api/v1", ...url });
    ciCredentials.OPENROUTER_MANAGEMENT_KEY = r.secret("openrouterManagementKey");
  }

  const portkey = r.bool("portkeyEnabled", false)
    ? {
        namePrefix,
        workspaceId: r.string("portkeyWorkspaceId", { default: "" }) || undefined,
        providers: r
          .objectList<
            Omit<PortkeyProviderArgs, "apiKey"> & { apiKeySecret?: string; openrouterKey?: string }
          >("portkeyProviders")
          .map(({ apiKeySecret, ...p }, i) => {
            const where = `${cfg.name}:portkeyProviders[${i}]`;
            if (!apiKeySecret === !p.openrouterKey) {
              r.problems.push(
                `${where} needs exactly one of apiKeySecret (a secret config key holding the vendor's API key) or openrouterKey (a key of openrouterKeys)`,
              );
            }
            if (p.openrouterKey && !openrouter?.keys.some((k) => k.name === p.openrouterKey)) {
              r.problems.push(
                `${where}.openrouterKey "${p.openrouterKey}" is not in ${cfg.name}:openrouterKeys`,
              );
            }
            return { ...p, ...(apiKeySecret ? { apiKey: r.secret(apiKeySecret) } : {}) };
          }),
        configs: r.objectList<PortkeyArgs["configs"][number]>("portkeyConfigs"),
        guardrail: r.object("portkeyGuardrail") as PortkeyArgs["guardrail"],
      }
    : undefined;
  if (portkey) {
    r.string("portkeyApiUrl", { default: "https://api.portkey.ai/v1", ...url });
    ciCredentials.PORTKEY_API_KEY = r.secret("portkeyApiKey");
  }

  const lambda = r.bool("lambdaEnabled", false)
    ? {
        namePrefix,
        sshKeys: r.objectList<NonNullable<LambdaLabsArgs["sshKeys"]>[number]>("lambdaSshKeys"),
        fileSystems: r.objectList<NonNullable<LambdaLabsArgs["fileSystems"]>[number]>("lambdaFileSystems"),
        launchInstances: r.bool("lambdaLaunchInstances", false),
        instances: r.objectList<NonNullable<LambdaLabsArgs["instances"]>[number]>("lambdaInstances"),
      }
    : undefined;
  if (lambda) {
    r.string("lambdaApiUrl", { default: "https://cloud.lambda.ai", ...url });
    ciCredentials.LAMBDA_API_KEY = r.secret("lambdaApiKey");
  }

  r.done();
  return {
    stack,
    namePrefix,
    protect,
    rotation,
    airbyte,
    ciCredentials,
    snowflake,
    aws,
    github,
    vercel,
    gong,
    estuary,
    portkey,
    openrouter,
    lambda,
  };
}

export const WAREHOUSE_SIZES = ["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE"] as const;

function readRotation(r: ConfigReader, ns: string): RotationConfig {
  const raw = r.object("rotation") ?? {};
  const services = {} as Record<RotatedService, RotationState>;
  for (const k of Object.keys(raw)) {
    if (!(ROTATED_SERVICES as readonly string[]).includes(k)) {
      r.problems.push(`${ns}:rotation.${k} is not a rotated service (${ROTATED_SERVICES.join(", ")})`);
    }
  }
  for (const svc of ROTATED_SERVICES) {
    const entry = (raw[svc] ?? {}) as Record<string, unknown>;
    const epoch = entry.epoch ?? 0;
    if (!Number.isInteger(epoch) || (epoch as number) < 0) {
      r.problems.push(
        `${ns}:rotation.${svc}.epoch must be a whole number from 0; got ${JSON.stringify(epoch)}`,
      );
    }
    const rotatedAt = entry.rotatedAt;
    if (rotatedAt !== undefined && (typeof rotatedAt !== "string" || Number.isNaN(Date.parse(rotatedAt)))) {
      r.problems.push(
        `${ns}:rotation.${svc}.rotatedAt must be an ISO 8601 time; got ${JSON.stringify(rotatedAt)}`,
      );
    }
    services[svc] = { epoch: Number(epoch) || 0, ...(typeof rotatedAt === "string" ? { rotatedAt } : {}) };
  }
  return { maxAgeDays: r.int("rotationMaxAgeDays", { default: 90, min: 1, max: 365 }), services };
}

function crmIntegration(
  r: ConfigReader,
  ns: string,
  raw: Record<string, unknown>,
): NonNullable<GongArgs["crmIntegration"]> {
  if (typeof raw.name !== "string" || !raw.name) r.problems.push(`${ns}:gongCrmIntegration.name is required`);
  if (typeof raw.ownerEmail !== "string" || !/^[^@\s]+@[^@\s]+$/.test(raw.ownerEmail)) {
    r.problems.push(
      `${ns}:gongCrmIntegration.ownerEmail must be an e-mail address; got ${JSON.stringify(raw.ownerEmail)}`,
    );
  }
  return raw as unknown as NonNullable<GongArgs["crmIntegration"]>;
}

/** The LLM model allow-list and fallback order (validated against OpenRouter's catalogue at deploy time). */
function llmModels(r: ConfigReader, ns: string): OpenRouterArgs["models"] {
  const raw = r.object("llmModels") ?? {};
  const list = (k: "allow" | "fallbacks"): string[] => {
    const v = raw[k] ?? [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && x)) {
      r.problems.push(`${ns}:llmModels.${k} must be a list of model ids like "openai/gpt-4o"`);
      return [];
    }
    return v;
  };
  return { allow: list("allow"), fallbacks: list("fallbacks") };
}
