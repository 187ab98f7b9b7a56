// `sophia check` probes of the SaaS integrations against their stand-ins: a good configuration passes
// each stage; a wrong credential is reported at "authenticated", a closed port at "reachable", an unknown
// workspace at "permitted", and an unknown model in llmModels at "config" naming the list and index.
import { runChecks } from "../../cli/check";
import type { Values } from "../../cli/probes";
import { ESTUARY_SANDBOX } from "../../sandbox/estuary";
import { GONG_SANDBOX } from "../../sandbox/gong";
import { LAMBDA_SANDBOX } from "../../sandbox/lambda";
import { OPENROUTER_SANDBOX } from "../../sandbox/openrouter";
import { PORTKEY_SANDBOX } from "../../sandbox/portkey";
import { type TestSandbox, useContractSandbox } from "../helpers/sandbox";

const SERVICES = ["gong", "estuary", "portkey", "openrouter", "lambda"];
let sb: TestSandbox;

useContractSandbox(SERVICES, async (started) => {
  sb = started;
});

function values(overrides: Record<string, string> = {}): Values {
  const secret = [
    "gongAccessKey",
    "gongAccessKeySecret",
    "estuaryRefreshToken",
    "portkeyApiKey",
    "openrouterManagementKey",
    "lambdaApiKey",
  ];
  const all: Record<string, string> = {
    airbyteEnabled: "false",
    gongEnabled: "true",
    gongApiUrl: sb.url("gong"),
    gongWorkspaceId: GONG_SANDBOX.workspaceId,
    gongAccessKey: GONG_SANDBOX.accessKey,
    gongAccessKeySecret: GONG_SANDBOX.accessKeySecret,
    estuaryEnabled: "true",
    estuaryApiUrl: `${sb.url("estuary")}${ESTUARY_SANDBOX.restPath}`,
    estuaryConfigEncryptionUrl: sb.url("estuary"),
    estuaryRefreshToken: ESTUARY_SANDBOX.refreshToken,
    redisEnabled: "false",
    postgresHost: "127.0.0.1",
    postgresPort: "1", // a closed port: the PostgreSQL probe is not what this file tests
    postgresUser: "x",
    postgresPassword: "x",
    portkeyEnabled: "true",
    portkeyApiUrl: sb.url("portkey"),
    portkeyApiKey: PORTKEY_SANDBOX.apiKey,
    openrouterEnabled: "true",
    openrouterApiUrl: sb.url("openrouter"),
    openrouterManagementKey: OPENROUTER_SANDBOX.managementKey,
    llmModels: JSON.stringify({ allow: ["openai/gpt-4o"], fallbacks: ["openai/gpt-4o"] }),
    lambdaEnabled: "true",
    lambdaApiUrl: sb.url("lambda"),
    lambdaApiKey: LAMBDA_SANDBOX.apiKey,
    ...overrides,
  };
  return new Map(Object.entries(all).map(([k, v]) => [k, { value: v, secret: secret.includes(k) }]));
}

const check = async (v: Values) => {
  const report = await runChecks("contract", v, { timeoutMs: 10_000, only: SERVICES });
  return Object.fromEntries(report.checks.map((c) => [c.integration, c]));
};

test("a good configuration passes every SaaS probe, with latency and what was proven", async () => {
  const r = await check(values());
  for (const s of SERVICES) expect([s, r[s].status]).toEqual([s, "pass"]);
  expect(r.gong.detail).toBe("workspace visible; permission profiles readable");
  expect(r.estuary.detail).toBe("refresh token exchanged; catalog readable; config encryption works");
  expect(r.openrouter.detail).toMatch(/llmModels valid against \d+ models/);
  for (const s of SERVICES) expect(r[s].latencyMs).toEqual(expect.any(Number));
});

test("wrong credentials fail at 'authenticated' and name the keys to check, never the values", async () => {
  const r = await check(
    values({
      gongAccessKeySecret: "wrong-gong-secret",
      portkeyApiKey: "pk-wrong-key",
      openrouterManagementKey: "sk-or-v1-wrong",
      lambdaApiKey: "secret_wrong",
    }),
  );
  for (const s of ["gong", "portkey", "openrouter", "lambda"]) {
    expect([s, r[s].status, r[s].stage]).toEqual([s, "fail", "authenticated"]);
  }
  expect(r.gong.recommendation).toContain("gongAccessKey and gongAccessKeySecret");
  expect(r.lambda.recommendation).toContain("lambdaApiKey");
  expect(JSON.stringify(r)).not.toMatch(/wrong-gong-secret|pk-wrong-key|sk-or-v1-wrong|secret_wrong/);
});

test("an unreachable service fails at 'reachable'; an unknown workspace at 'permitted'", async () => {
  const r = await check(
    values({
      gongWorkspaceId: "1111111111",
      portkeyApiUrl: "http://127.0.0.1:1/v1",
      estuaryConfigEncryptionUrl: "http://127.0.0.1:1",
    }),
  );
  expect([r.portkey.status, r.portkey.stage]).toEqual(["fail", "reachable"]);
  expect(r.portkey.recommendation).toContain("portkeyApiUrl");
  // Estuary's control plane answers, but without its encryption service no credential can be published
  expect([r.estuary.status, r.estuary.stage]).toEqual(["fail", "reachable"]);
  expect(r.estuary.recommendation).toContain("estuaryConfigEncryptionUrl");
  expect([r.gong.status, r.gong.stage]).toEqual(["fail", "permitted"]);
  expect(r.gong.error).toContain("Gong workspace 1111111111 is not visible");
});

test("an unknown model in llmModels fails naming the list and index, with a close match", async () => {
  const r = await check(
    values({ llmModels: JSON.stringify({ allow: ["openai/gpt-4o", "openai/gpt4o"], fallbacks: [] }) }),
  );
  expect([r.openrouter.status, r.openrouter.stage]).toEqual(["fail", "config"]);
  expect(r.openrouter.error).toContain('llmModels.allow[1]: unknown model "openai/gpt4o"');
  expect(r.openrouter.error).toContain('did you mean "openai/gpt-4o"');
});
