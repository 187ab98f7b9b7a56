// The typed stack configuration: the only place that reads pulumi.Config. Every problem is collected
// and reported together, each naming the key and what is expected, before any resource is declared.
import * as pulumi from "@pulumi/pulumi";
import type { AirbyteArgs } from "./integrations/airbyte";
import type { AwsArgs } from "./integrations/aws";
import type { GithubArgs } from "./integrations/github";
import type { RotationState } from "./integrations/rotation";
import type { SnowflakeArgs } from "./integrations/snowflake";
import type { VercelArgs } from "./integrations/vercel";

/** The services whose credentials this program mints and rotates. */
export const ROTATED_SERVICES = ["snowflake", "estuary", "gong"] as const;
export type RotatedService = (typeof ROTATED_SERVICES)[number];

/** The GitHub Actions secrets and Vercel variables that carry each rotated service's current credential. */
export const CARRIERS: Record<RotatedService, string[]> = {
  snowflake: ["SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD"],
  gong: ["GONG_WEBHOOK_SECRET"],
  estuary: ["ESTUARY_WEBHOOK_TOKEN"],
};

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
}

// @pulumi/pulumi marks this helper internal; it is how the SDK itself knows which keys are secret.
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean })
  .isConfigSecret;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ConfigError extends Error {
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

  /** A JSON object value (structured config), or the default when unset. */
  object(key: string): Record<string, unknown> | undefined {
    const raw = this.cfg.get(key);
    if (raw === undefined || raw === "") return undefined;
    try {
      const v = JSON.parse(raw);
      if (v && typeof v === "object" && !Array.isArray(v)) return v;
    } catch {
      // reported below
    }
    this.problems.push(`${this.full(key)} must be an object; got ${raw}`);
    return undefined;
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

export function loadStackConfig(cfg: ConfigSource = programConfig(), stack = pulumi.getStack()): StackConfig {
  const r = new ConfigReader(cfg);
  const namePrefix = r.string("namePrefix", {
    default: `sophia-${stack}`,
    pattern: /^[a-z][a-z0-9-]{1,40}$/,
    what: "lower-case letters, digits and dashes",
  });

  let airbyte: AirbyteArgs | undefined;
  const ciCredentials: Record<string, pulumi.Output<string>> = {};
  if (r.bool("airbyteEnabled", true)) {
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
        accessKey: r.secret("gongAccessKey"),
        accessKeySecret: r.secret("gongAccessKeySecret"),
        startDate: r.string("gongStartDate", {
          default: "2024-01-01T00:00:00Z",
          pattern: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
          what: "a UTC timestamp like 2024-01-01T00:00:00Z",
        }),
      },
      postgres: {
        host: r.string("postgresHost", { what: "the PostgreSQL host name" }),
        port: r.int("postgresPort", { default: 5432, min: 1, max: 65535 }),
        database: r.string("postgresDatabase", { default: "sophia_intel" }),
        schema: r.string("postgresSchema", { default: "gong" }),
        username: r.string("postgresUser", { what: "the PostgreSQL user Airbyte writes as" }),
        password: r.secret("postgresPassword"),
        sslMode: r.string("postgresSslMode", {
          default: "require",
          pattern: /^(disable|allow|prefer|require|verify-ca|verify-full)$/,
          what: "a libpq sslmode (disable, allow, prefer, require, verify-ca, verify-full)",
        }),
      },
      redis: r.bool("redisEnabled", true)
        ? {
            host: r.string("redisHost", { what: "the Redis host name" }),
            port: r.int("redisPort", { default: 6379, min: 1, max: 65535 }),
            username: r.string("redisUser", { default: "default" }),
            password: r.secret("redisPassword"),
            ssl: r.bool("redisSsl", true),
          }
        : undefined,
      syncCron: r.string("airbyteSyncCron", { default: "0 0 */6 * * ?" }),
      streams: r.stringList("airbyteStreams", ["calls", "users", "deals", "emails"]),
      syncMode: "incremental_append",
    };
    ciCredentials.GONG_ACCESS_KEY = airbyte.gong.accessKey as pulumi.Output<string>;
    ciCredentials.GONG_ACCESS_KEY_SECRET = airbyte.gong.accessKeySecret as pulumi.Output<string>;
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

  r.done();
  return { stack, namePrefix, protect, rotation, airbyte, ciCredentials, snowflake, aws, github, vercel };
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
