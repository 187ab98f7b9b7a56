import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse as parseDotenv } from "dotenv";
import { runChecks } from "../../cli/check";
import { INTEGRATIONS } from "../../cli/probes";
import {
  audit,
  planImport,
  type RotationDriver,
  rotateService,
  secretsToPush,
  syncGithub,
} from "../../cli/secrets";
import { configKeyFor, dotenvQuote, envNameFor } from "../../cli/secrets/envNames";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { GITHUB_SANDBOX } from "../../sandbox/github";
import { type Admin, startTestSandbox, type TestSandbox } from "../helpers/sandbox";
import { testServices } from "../helpers/services";

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, "..", "..");
const services = testServices();
type Values = Map<string, { value: string; secret: boolean }>;
const values = (plain: Record<string, string>, secret: Record<string, string> = {}): Values =>
  new Map<string, { value: string; secret: boolean }>([
    ...Object.entries(plain).map(([k, v]): [string, { value: string; secret: boolean }] => [
      k,
      { value: v, secret: false },
    ]),
    ...Object.entries(secret).map(([k, v]): [string, { value: string; secret: boolean }] => [
      k,
      { value: v, secret: true },
    ]),
  ]);

let sb: TestSandbox;
let gh: Admin;
beforeAll(async () => {
  sb = await startTestSandbox();
  gh = sb.admin("github");
  process.env.GITHUB_API_URL = sb.url("github");
});
afterAll(async () => {
  const violations = [
    ...(await sb.admin("github").violations()),
    ...(await sb.admin("airbyte").violations()),
  ];
  await sb.close();
  expect(violations).toEqual([]);
});

describe("dotenv names and values", () => {
  it("maps names both ways and keeps any value through a dotenv file", () => {
    expect(configKeyFor("AIRBYTE_CLIENT_SECRET")).toBe("airbyteClientSecret");
    expect(configKeyFor("GITHUB__TOKEN")).toBe("github:token");
    expect(envNameFor("snowflake:organizationName")).toBe("SNOWFLAKE__ORGANIZATION_NAME");
    expect(() => configKeyFor("lower-case")).toThrow(/not an environment variable name/);
    for (const v of ["p@ss w0rd#1", "it's", "two\nlines", `both ' and "`, "back\\slash"]) {
      expect(parseDotenv(`K=${dotenvQuote(v)}\n`).K).toBe(v);
    }
  });

  it("decides secrecy by the documented name rule", () => {
    const { isSecretName } = require("../../cli/secrets/envNames");
    for (const n of [
      "AIRBYTE_CLIENT_SECRET",
      "GONG_ACCESS_KEY",
      "POSTGRES_PASSWORD",
      "GITHUB__TOKEN",
      "SSH_PRIVATE_KEY",
    ])
      expect([n, isSecretName(n)]).toEqual([n, true]);
    for (const n of [
      "GITHUB_ORG_SECRET_VISIBILITY",
      "GITHUB_CARRY_CONFIG_CREDENTIALS",
      "POSTGRES_HOST",
      "KEYCLOAK_URL",
      "MONKEY_BUSINESS",
    ])
      expect([n, isSecretName(n)]).toEqual([n, false]);
  });

  it("never turns a secret into plain text on import", () => {
    // SIGNING_SALT is read by nothing: written only when asked (--include-unknown), see envnames.test.ts
    expect(
      planImport({ SIGNING_SALT: "x" }, values({}, { signingSalt: "x" }), { includeUnknown: true }),
    ).toEqual([{ key: "signingSalt", envName: "SIGNING_SALT", secret: true, change: "same" }]);
  });

  it("plans an import by name only, secret by the documented rule", () => {
    const plan = planImport(
      { AIRBYTE_CLIENT_SECRET: "new", POSTGRES_HOST: "db", REDIS_PORT: "6380", GITHUB__TOKEN: "t" },
      values({ postgresHost: "db", redisPort: "6379" }),
    );
    expect(plan).toEqual([
      { key: "airbyteClientSecret", envName: "AIRBYTE_CLIENT_SECRET", secret: true, change: "add" },
      { key: "github:token", envName: "GITHUB__TOKEN", secret: true, change: "add" },
      { key: "postgresHost", envName: "POSTGRES_HOST", secret: false, change: "same" },
      { key: "redisPort", envName: "REDIS_PORT", secret: false, change: "update" },
    ]);
  });
});

describe("private files", () => {
  it("refuses to overwrite, and with --force replaces even a world-readable file by a 0600 one", () => {
    const { chmodSync, mkdtempSync, statSync, writeFileSync } = require("node:fs");
    const { writePrivate } = require("../../cli/common");
    const file = path.join(mkdtempSync(path.join(require("node:os").tmpdir(), "sophia-wp-")), "out.env");
    writeFileSync(file, "old");
    chmodSync(file, 0o644);
    expect(() => writePrivate(file, "new", false)).toThrow(/exists; pass --force to overwrite it/);
    expect(readFileSync(file, "utf8")).toBe("old");
    writePrivate(file, "new", true);
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe("GitHub Actions secrets", () => {
  const repo = { kind: "repo" as const, name: `${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}` };
  const secretsOf = async (scope: string) =>
    Object.fromEntries(
      (await gh.objects("secrets")).filter((s) => s.scope === scope).map((s) => [s.name, s]),
    );

  it("plans without writing, then pushes sealed values the stand-in opens to the same plaintext", async () => {
    const plan = await syncGithub(
      repo,
      { AIRBYTE_CLIENT_SECRET: "s3cr3t-1", POSTGRES_PASSWORD: "pw-2" },
      GITHUB_SANDBOX.token,
      false,
    );
    expect(plan).toEqual([
      { name: "AIRBYTE_CLIENT_SECRET", action: "create" },
      { name: "POSTGRES_PASSWORD", action: "create" },
    ]);
    expect(await secretsOf(`repo:${repo.name}`)).toEqual({});

    await syncGithub(
      repo,
      { AIRBYTE_CLIENT_SECRET: "s3cr3t-1", POSTGRES_PASSWORD: "pw-2" },
      GITHUB_SANDBOX.token,
      true,
    );
    const stored = await secretsOf(`repo:${repo.name}`);
    expect(stored.AIRBYTE_CLIENT_SECRET.value).toBe("s3cr3t-1");
    expect(stored.POSTGRES_PASSWORD.value).toBe("pw-2");
  });

  it("updates what it manages and never deletes secrets it does not manage", async () => {
    await syncGithub(repo, { SOMEONE_ELSES: "keep-me" }, GITHUB_SANDBOX.token, true);
    const plan = await syncGithub(repo, { POSTGRES_PASSWORD: "pw-3" }, GITHUB_SANDBOX.token, true);
    expect(plan).toEqual([{ name: "POSTGRES_PASSWORD", action: "update" }]);
    const stored = await secretsOf(`repo:${repo.name}`);
    expect(stored.POSTGRES_PASSWORD.value).toBe("pw-3");
    expect(stored.SOMEONE_ELSES.value).toBe("keep-me");
    expect(stored.AIRBYTE_CLIENT_SECRET.value).toBe("s3cr3t-1");
  });

  it("pushes organization secrets with their visibility", async () => {
    await syncGithub(
      { kind: "org", name: GITHUB_SANDBOX.org, visibility: "selected" },
      { GONG_ACCESS_KEY: "g-1" },
      GITHUB_SANDBOX.token,
      true,
    );
    const stored = await secretsOf(`org:${GITHUB_SANDBOX.org}`);
    expect(stored.GONG_ACCESS_KEY).toMatchObject({ value: "g-1", visibility: "selected" });
  });

  it("reports a bad token and an unknown repository with GitHub's message", async () => {
    await expect(syncGithub(repo, { A: "b" }, "wrong", false)).rejects.toThrow(
      /GitHub API GET .* failed with 401: Bad credentials/,
    );
    await expect(
      syncGithub({ kind: "repo", name: "sophia-ai/nope" }, { A: "b" }, GITHUB_SANDBOX.token, false),
    ).rejects.toThrow(/404: Not Found/);
  });

  it("pushes only secret config, under valid secret names", () => {
    const v = values({ postgresHost: "db" }, { postgresPassword: "p", "github:token": "t" });
    expect(secretsToPush(v, ["POSTGRES_PASSWORD"])).toEqual({ POSTGRES_PASSWORD: "p" });
    expect(() => secretsToPush(v, ["POSTGRES_HOST"])).toThrow(
      /not secret config of this stack: POSTGRES_HOST/,
    );
    // the GitHub token itself is never pushed (it used to stop every push unless --only left it out)
    expect(secretsToPush(v)).toEqual({ POSTGRES_PASSWORD: "p" });
  });
});

describe("audit", () => {
  it("ages every minted credential and finds the overdue one", () => {
    const now = new Date("2026-11-25T00:00:00Z");
    const rows = audit(
      values({
        snowflakeEnabled: "true",
        githubEnabled: "true",
        rotationMaxAgeDays: "90",
        rotation: JSON.stringify({
          snowflake: { epoch: 3, rotatedAt: "2026-11-01T00:00:00Z" },
          gong: { epoch: 1, rotatedAt: "2026-08-01T00:00:00Z" },
          estuary: { epoch: 2, rotatedAt: "2026-09-06T00:00:00Z" },
        }),
      }),
      now,
    );
    expect(rows.map((r) => [r.service, r.ageDays, r.status])).toEqual([
      ["snowflake", 24, "ok"],
      ["estuary", 80, "due"],
      ["gong", 116, "overdue"],
    ]);
    expect(rows[0].syncedTo).toEqual(["github:SNOWFLAKE_USER", "github:SNOWFLAKE_PASSWORD"]);
  });
});

describe("rotate", () => {
  const driver = (verify: () => Promise<string>) => {
    const calls: string[] = [];
    let state: Record<string, { epoch?: number; rotatedAt?: string }> = {
      gong: { epoch: 4, rotatedAt: "2026-01-01T00:00:00Z" },
    };
    const d: RotationDriver = {
      rotation: async () => state,
      setRotation: async (s, epoch, rotatedAt) => {
        calls.push(`set ${s} ${epoch} ${rotatedAt}`);
        state = { ...state, [s]: { epoch, rotatedAt } };
      },
      applyService: async (s) => {
        calls.push(`apply ${s}`);
      },
      verify: async () => verify(),
    };
    return { d, calls };
  };

  it("moves the epoch, applies only the service, and keeps the new credential when it works", async () => {
    const { d, calls } = driver(async () => "webhook accepted");
    const out = await rotateService(d, "gong", new Date("2026-11-25T00:00:00Z"));
    expect(out).toEqual({
      service: "gong",
      fromEpoch: 4,
      toEpoch: 5,
      status: "rotated",
      detail: "webhook accepted",
    });
    expect(calls).toEqual(["set gong 5 2026-11-25T00:00:00.000Z", "apply gong"]);
  });

  it("puts the previous credential back when the new one fails its check", async () => {
    const { d, calls } = driver(async () => {
      throw new Error("login refused");
    });
    const out = await rotateService(d, "gong", new Date("2026-11-25T00:00:00Z"));
    expect(out).toMatchObject({ status: "reverted", toEpoch: 4, detail: "login refused" });
    expect(calls).toEqual([
      "set gong 5 2026-11-25T00:00:00.000Z",
      "apply gong",
      "set gong 4 2026-01-01T00:00:00Z",
      "apply gong",
    ]);
  });
});

describe("check", () => {
  const pg = (user: string, password: string, port = services.SOPHIA_TEST_PG_PORT) => ({
    postgresHost: services.SOPHIA_TEST_PG_HOST,
    postgresPort: port,
    postgresDatabase: services.SOPHIA_TEST_PG_DATABASE,
    postgresSchema: "gong",
    postgresUser: user,
    postgresSslMode: "disable",
    _pw: password,
  });
  const redis = (user: string, password: string, port = services.SOPHIA_TEST_REDIS_PORT) => ({
    redisHost: services.SOPHIA_TEST_REDIS_HOST,
    redisPort: port,
    redisUser: user,
    redisSsl: "false",
    _pw: password,
  });
  const run = (
    p: ReturnType<typeof pg>,
    r: ReturnType<typeof redis>,
    extra: Record<string, string> = {},
    extraSecret: Record<string, string> = {},
  ) => {
    const { _pw: pgPw, ...pgPlain } = p;
    const { _pw: redisPw, ...redisPlain } = r;
    return runChecks(
      "test",
      values(
        {
          ...pgPlain,
          ...redisPlain,
          airbyteApiUrl: sb.url("airbyte"),
          airbyteClientId: AIRBYTE_SANDBOX.clientId,
          airbyteWorkspaceId: AIRBYTE_SANDBOX.workspaceId,
          ...extra,
        },
        {
          postgresPassword: pgPw,
          redisPassword: redisPw,
          airbyteClientSecret: AIRBYTE_SANDBOX.clientSecret,
          ...extraSecret,
        },
      ),
      { timeoutMs: 3000 },
    );
  };
  const byName = (r: Awaited<ReturnType<typeof runChecks>>) =>
    Object.fromEntries(r.checks.map((c) => [c.integration, c]));
  const schema = JSON.parse(readFileSync(path.join(ROOT, "docs", "check-report.schema.json"), "utf8"));
  const ajv = new Ajv2020({ allErrors: true });
  addFormats(ajv);
  const validReport = ajv.compile(schema);

  it("passes real PostgreSQL, real Redis and the Airbyte stand-in, with latencies, in a report that matches its schema", async () => {
    const report = await run(
      pg("sophia_writer", "sophia-test-writer"),
      redis("default", "sophia-test-redis"),
    );
    expect(validReport(report)).toBe(true);
    expect(report.status).toBe("pass");
    const c = byName(report);
    expect(Object.keys(c).sort()).toEqual(["airbyte", "postgres", "redis"]);
    for (const name of ["airbyte", "postgres", "redis"]) {
      expect(c[name]).toMatchObject({ status: "pass", error: null });
      expect(c[name].latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("reports a wrong password as an authentication failure naming the key", async () => {
    const c = byName(await run(pg("sophia_writer", "wrong"), redis("default", "wrong")));
    expect(c.postgres).toMatchObject({
      status: "fail",
      stage: "authenticated",
      recommendation: "check postgresUser and postgresPassword",
    });
    expect(c.redis).toMatchObject({
      status: "fail",
      stage: "authenticated",
      recommendation: "check redisUser and redisPassword",
    });
    expect(JSON.stringify(c)).not.toContain('wrong"');
  });

  it("reports a closed port as unreachable", async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, "127.0.0.1", () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const c = byName(
      await run(pg("sophia_writer", "x", String(closed)), redis("default", "x", String(closed))),
    );
    expect(c.postgres).toMatchObject({ status: "fail", stage: "reachable" });
    expect(c.postgres.error).toMatch(/ECONNREFUSED/);
    expect(c.redis).toMatchObject({ status: "fail", stage: "reachable" });
    expect(c.redis.error).toMatch(/ECONNREFUSED/);
  });

  it("reports missing rights as not permitted, with what to grant", async () => {
    const c = byName(
      await run(pg("sophia_reader", "sophia-test-reader"), redis("sophia_reader", "sophia-test-reader")),
    );
    expect(c.postgres).toMatchObject({
      status: "fail",
      stage: "permitted",
      recommendation: "GRANT CREATE ON SCHEMA gong TO sophia_reader",
    });
    expect(c.redis).toMatchObject({ status: "fail", stage: "permitted" });
  });

  it("times out a server that accepts and never answers", async () => {
    const silent = net.createServer(() => undefined).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
    try {
      const port = String((silent.address() as net.AddressInfo).port);
      const c = byName(await run(pg("sophia_writer", "x", port), redis("default", "x", port)));
      expect(c.redis).toMatchObject({
        status: "fail",
        stage: "reachable",
        error: "no answer within 3000 ms",
      });
    } finally {
      silent.close();
    }
  });

  it("fails on missing or plain-text credentials before probing, and on Airbyte's refusals", async () => {
    const c = byName(
      await run(pg("sophia_writer", "sophia-test-writer"), redis("default", "sophia-test-redis"), {
        airbyteWorkspaceId: "00000000-0000-0000-0000-000000000000",
      }),
    );
    expect(c.airbyte).toMatchObject({ status: "fail", stage: "permitted" });
    const report = await runChecks(
      "t",
      values({ postgresHost: "h", postgresUser: "u", postgresPassword: "plain", airbyteEnabled: "true" }),
      {
        timeoutMs: 1000,
        integrations: INTEGRATIONS.filter((i) => i.name === "postgres"),
      },
    );
    expect(report.checks[0]).toMatchObject({
      status: "fail",
      stage: "config",
      error: "stored in plain text: postgresPassword",
      recommendation: "pulumi config set --secret postgresPassword <value>",
    });
  });

  it("probes GitHub's Actions-secrets permission", async () => {
    const report = await runChecks(
      "t",
      values(
        {
          githubEnabled: "true",
          airbyteEnabled: "false",
          githubRepository: GITHUB_SANDBOX.repo,
          "github:owner": GITHUB_SANDBOX.owner,
        },
        { "github:token": "bad" },
      ),
      { timeoutMs: 3000 },
    );
    expect(report.checks).toEqual([
      expect.objectContaining({ integration: "github", status: "fail", stage: "authenticated" }),
    ]);
  });
});
