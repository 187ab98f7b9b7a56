// The Airbyte module and the typed stack config, with Pulumi's mocks (no engine, no network).
import * as pulumi from "@pulumi/pulumi";
import type { AirbyteSource } from "../../providers/airbyte/actor";
import { installMocks, type Registered, setConfig, settle } from "../helpers/mocks";

const registered: Registered[] = installMocks();

const BASE = {
  airbyteClientId: "client",
  airbyteWorkspaceId: "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6",
  postgresHost: "db.example.com",
  postgresUser: "airbyte",
  redisHost: "cache.example.com",
};
const SECRETS = {
  airbyteClientSecret: "client-secret",
  gongAccessKey: "gong-key",
  gongAccessKeySecret: "gong-secret",
  postgresPassword: "pg-pass",
  redisPassword: "redis-pass",
};

async function loadProgram(values: Record<string, string>, secrets: Record<string, string>) {
  registered.length = 0;
  setConfig(values, secrets);
  let exports: Record<string, pulumi.Output<unknown>> = {};
  jest.isolateModules(() => {
    exports = require("../../index");
  });
  // let registrations settle
  await Promise.all(Object.values(exports).map((o) => settle(o)));
  return exports;
}

describe("the Airbyte pipeline", () => {
  it("creates the Gong source, the PostgreSQL and Redis destinations and a 6-hourly incremental connection", async () => {
    await loadProgram(BASE, SECRETS);
    const byType = (t: string) => registered.filter((r) => r.type === t);
    expect(byType("sophia:integrations:Airbyte").map((r) => r.name)).toEqual(["airbyte"]);
    const sources = byType("pulumi-nodejs:dynamic/airbyte:Source");
    const dests = byType("pulumi-nodejs:dynamic/airbyte:Destination");
    const conns = byType("pulumi-nodejs:dynamic/airbyte:Connection");
    expect(sources.map((s) => s.inputs.name)).toEqual(["sophia-unit-gong"]);
    expect(dests.map((d) => d.inputs.connectorType).sort()).toEqual(["postgres", "redis"]);
    expect(conns).toHaveLength(1);
    const c = conns[0].inputs;
    expect(c.schedule).toEqual({ scheduleType: "cron", cronExpression: "0 0 */6 * * ?" });
    expect(c.streams).toEqual(
      ["calls", "users", "deals", "emails"].map((name) => ({ name, syncMode: "incremental_append" })),
    );
    expect(c.sourceId).toBe("airbyte-gong-id");
    expect(c.destinationId).toBe("airbyte-postgres-id");
    const pg = dests.find((d) => d.inputs.connectorType === "postgres")!.inputs;
    expect(pg.configuration).toEqual({
      host: "db.example.com",
      port: 5432,
      database: "sophia_intel",
      schema: "gong",
      username: "airbyte",
      ssl_mode: { mode: "require" },
    });
  });

  it("passes no credential in plain text to any resource", async () => {
    await loadProgram(BASE, SECRETS);
    for (const r of registered.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/airbyte"))) {
      const plain = JSON.stringify({ ...r.inputs, secretConfiguration: undefined });
      for (const secret of Object.values(SECRETS)) expect(plain).not.toContain(secret);
    }
  });

  it("marks the connector secrets as secret", async () => {
    const { AirbytePipeline } = require("../../integrations/airbyte");
    registered.length = 0;
    const p = new AirbytePipeline("t", {
      namePrefix: "t",
      workspaceId: BASE.airbyteWorkspaceId,
      gong: {
        accessKey: pulumi.secret("k"),
        accessKeySecret: pulumi.secret("s"),
        startDate: "2024-01-01T00:00:00Z",
      },
      postgres: {
        host: "h",
        port: 5432,
        database: "d",
        schema: "s",
        username: "u",
        password: pulumi.secret("p"),
        sslMode: "require",
      },
      syncCron: "0 0 */6 * * ?",
      streams: ["calls"],
      syncMode: "incremental_append",
    });
    expect(p.redis).toBeUndefined();
    // the dynamic resource keeps its secret inputs as outputs; the class does not declare this one
    const source = p.gongSource as AirbyteSource & { secretConfiguration: pulumi.Output<unknown> };
    const secretConfig = await settle(source.secretConfiguration);
    expect(secretConfig.secret).toBe(true);
  });

  it("leaves Redis out when redisEnabled is false", async () => {
    await loadProgram({ ...BASE, redisEnabled: "false" }, SECRETS);
    const dests = registered.filter((r) => r.type === "pulumi-nodejs:dynamic/airbyte:Destination");
    expect(dests.map((d) => d.inputs.connectorType)).toEqual(["postgres"]);
  });

  it("creates nothing for Airbyte when airbyteEnabled is false", async () => {
    await loadProgram({ airbyteEnabled: "false" }, {});
    expect(registered.filter((r) => r.type.includes("airbyte"))).toEqual([]);
  });
});

describe("the typed stack config", () => {
  const load = (values: Record<string, string>, secrets: Record<string, string>) => {
    setConfig(values, secrets);
    const { loadStackConfig } = require("../../config");
    const { programConfig } = require("../../config");
    return () => loadStackConfig(programConfig(new pulumi.Config("sophia-ai")), "unit");
  };

  it("reports every missing or malformed key at once, by full name", () => {
    const run = load(
      { airbyteWorkspaceId: "nope", postgresPort: "70000", airbyteStreams: "calls", redisSsl: "yes" },
      { gongAccessKey: "k" },
    );
    expect(run).toThrow(
      [
        "invalid stack configuration:",
        "  - sophia-ai:postgresHost is required: the PostgreSQL host name",
        '  - sophia-ai:postgresPort must be an integer from 1 to 65535; got "70000"',
        "  - sophia-ai:postgresUser is required: the PostgreSQL user the pipelines write as",
        "  - sophia-ai:postgresPassword is required: a secret (pulumi config set --secret postgresPassword ...)",
        "  - sophia-ai:redisHost is required: the Redis host name",
        "  - sophia-ai:redisPassword is required: a secret (pulumi config set --secret redisPassword ...)",
        '  - sophia-ai:redisSsl must be true or false; got "yes"',
        // each integration in registry order (PostgreSQL, Redis, Airbyte): its CI credentials, then its keys
        "  - sophia-ai:gongAccessKeySecret is required: a secret (pulumi config set --secret gongAccessKeySecret ...)",
        "  - sophia-ai:airbyteClientId is required: the Airbyte application's client id",
        "  - sophia-ai:airbyteClientSecret is required: a secret (pulumi config set --secret airbyteClientSecret ...)",
        '  - sophia-ai:airbyteWorkspaceId must be a UUID; got "nope"',
        '  - sophia-ai:airbyteStreams must be a list of strings, e.g. ["calls","users"]; got calls',
      ].join("\n"),
    );
  });

  it("refuses a credential stored in plain text", () => {
    const run = load({ ...BASE, ...SECRETS }, {});
    expect(run).toThrow(/sophia-ai:airbyteClientSecret must be stored as a secret/);
    expect(run).toThrow(/sophia-ai:postgresPassword must be stored as a secret/);
  });

  it("applies the documented defaults", () => {
    const cfg = load(BASE, SECRETS)();
    expect(cfg.namePrefix).toBe("sophia-unit");
    expect(cfg.airbyte).toMatchObject({
      syncCron: "0 0 */6 * * ?",
      streams: ["calls", "users", "deals", "emails"],
      postgres: { port: 5432, database: "sophia_intel", schema: "gong", sslMode: "require" },
      redis: { port: 6379, username: "default", ssl: true },
    });
  });
});
