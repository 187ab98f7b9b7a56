// The typed stack configuration: the only place that reads pulumi.Config. Every problem is collected
// and reported together, each naming the key and what is expected, before any resource is declared.
import * as pulumi from "@pulumi/pulumi";
import type { AirbyteArgs } from "./integrations/airbyte";

export interface StackConfig {
  stack: string;
  namePrefix: string;
  airbyte?: AirbyteArgs;
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

/** Reads typed values, recording a problem (with the key's full name) for each missing or malformed one. */
export class ConfigReader {
  readonly problems: string[] = [];
  constructor(private readonly cfg: pulumi.Config) {}

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

  /** A secret value; refuses one stored in plain text so a credential never sits unencrypted in a stack file. */
  secret(key: string): pulumi.Output<string> {
    const v = this.cfg.get(key);
    if (v === undefined || v === "") {
      this.problems.push(`${this.full(key)} is required: a secret (pulumi config set --secret ${key} ...)`);
    } else if (isConfigSecret && !isConfigSecret(this.full(key))) {
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

export function loadStackConfig(cfg = new pulumi.Config(), stack = pulumi.getStack()): StackConfig {
  const r = new ConfigReader(cfg);
  const namePrefix = r.string("namePrefix", {
    default: `sophia-${stack}`,
    pattern: /^[a-z][a-z0-9-]{1,40}$/,
    what: "lower-case letters, digits and dashes",
  });

  let airbyte: AirbyteArgs | undefined;
  if (r.bool("airbyteEnabled", true)) {
    // Read where the provider reads them, at call time; checked here so a missing one fails the preview.
    r.string("airbyteClientId", { what: "the Airbyte application's client id" });
    r.secret("airbyteClientSecret");
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
  }
  r.done();
  return { stack, namePrefix, airbyte };
}
