// End to end on the real Pulumi engine: the Gong, Estuary Flow, Portkey, OpenRouter and Lambda Cloud
// modules of the sophia-ai program on a stack of their own, against their stand-ins. The two webhook
// credentials are minted by the random provider plugin, as in every stack: the test reads them from the
// stack's state in memory where it needs them, and never prints them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { detectDrift } from "../../cli/drift";
import { currentCredential } from "../../cli/secrets/rotationChecks";
import { ESTUARY_SANDBOX } from "../../sandbox/estuary";
import { GONG_SANDBOX } from "../../sandbox/gong";
import { LAMBDA_SANDBOX } from "../../sandbox/lambda";
import { OPENROUTER_SANDBOX } from "../../sandbox/openrouter";
import { PORTKEY_SANDBOX } from "../../sandbox/portkey";
import { ensureEngine, localStack, ROOT } from "../../scripts/lib";
import { type Admin, startTestSandbox, type TestSandbox } from "../helpers/sandbox";

jest.setTimeout(300_000);

const SERVICES = ["gong", "estuary", "portkey", "openrouter", "lambda"] as const;
const SECRETS = {
  gongAccessKey: GONG_SANDBOX.accessKey,
  gongAccessKeySecret: GONG_SANDBOX.accessKeySecret,
  estuaryRefreshToken: ESTUARY_SANDBOX.refreshToken,
  postgresPassword: "e2e-postgres-password-a41d",
  redisPassword: "e2e-redis-password-0b6e",
  portkeyApiKey: PORTKEY_SANDBOX.apiKey,
  openrouterManagementKey: OPENROUTER_SANDBOX.managementKey,
  lambdaApiKey: LAMBDA_SANDBOX.apiKey,
};

let sb: TestSandbox;
const admin = {} as Record<(typeof SERVICES)[number], Admin>;
let stack: Stack;
let backendDir: string;
const stackName = `e2e-svc-${process.pid}`;
const prefix = `sophia-${stackName}`;
const POLICY_PACK = path.join(ROOT, "policy");

const requestsOf = async () =>
  Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await admin[s].requests()] as const)));
const resetAll = () => Promise.all(SERVICES.map((s) => admin[s].reset()));

beforeAll(async () => {
  ensureEngine({ quiet: true });
  sb = await startTestSandbox([...SERVICES]);
  for (const s of SERVICES) admin[s] = sb.admin(s);
  // Quick stand-in timings: boot and terminate in a second, CRM deletes done after one poll.
  await admin.lambda.settings({ bootMs: 500, terminateMs: 500 });
  await admin.gong.settings({ crmDeletePendingPolls: 1 });
  backendDir = mkdtempSync(path.join(tmpdir(), "sophia-state-"));
  stack = await localStack({ stackName, backendDir });
  const plain: Record<string, string> = {
    airbyteEnabled: "false",
    postgresHost: "127.0.0.1",
    postgresUser: "sophia",
    redisHost: "127.0.0.1",
    gongEnabled: "true",
    gongApiUrl: sb.url("gong"),
    gongWorkspaceId: GONG_SANDBOX.workspaceId,
    gongCrmIntegration: JSON.stringify({ name: "crm", ownerEmail: "ops@sophia-ai.example" }),
    gongPermissionProfiles: JSON.stringify([
      {
        name: "integration-readonly",
        permissions: { callsAccess: { permissionLevel: "all" }, deleteCalls: false },
      },
      { name: "analysts", permissions: { dealsAccess: { permissionLevel: "all" } } },
    ]),
    gongWebhookUrl: "https://hooks.sophia-ai.example/api/webhooks/gong",
    estuaryEnabled: "true",
    estuaryApiUrl: `${sb.url("estuary")}${ESTUARY_SANDBOX.restPath}`,
    estuaryConfigEncryptionUrl: sb.url("estuary"),
    openrouterEnabled: "true",
    openrouterApiUrl: sb.url("openrouter"),
    openrouterKeys: JSON.stringify([
      { name: "app", limit: 25, limitReset: "monthly" },
      { name: "portkey", limit: 10 },
    ]),
    llmModels: JSON.stringify({
      allow: ["openai/gpt-4o", "anthropic/claude-3.5-sonnet"],
      fallbacks: ["anthropic/claude-3.5-sonnet"],
    }),
    portkeyEnabled: "true",
    portkeyApiUrl: sb.url("portkey"),
    portkeyProviders: JSON.stringify([
      {
        name: "openrouter",
        provider: "openrouter",
        openrouterKey: "portkey",
        rateLimit: { type: "requests", unit: "rpm", value: 60 },
      },
    ]),
    portkeyConfigs: JSON.stringify([
      {
        name: "chat",
        strategy: "fallback",
        targets: [
          { provider: "openrouter", overrideParams: { model: "anthropic/claude-3.5-sonnet" } },
          { provider: "openrouter", overrideParams: { model: "openai/gpt-4o" } },
        ],
        cache: { mode: "simple", maxAge: 600 },
      },
    ]),
    lambdaEnabled: "true",
    lambdaApiUrl: sb.url("lambda"),
    lambdaSshKeys: JSON.stringify([{ name: "ops" }]),
    lambdaFileSystems: JSON.stringify([{ name: "models", region: "us-east-1" }]),
    lambdaLaunchInstances: "true",
    lambdaInstances: JSON.stringify([
      {
        name: "gpu",
        instanceType: "gpu_1x_a10",
        region: "us-east-1",
        sshKeyNames: ["ops"],
        fileSystemNames: ["models"],
      },
    ]),
  };
  // Structured values (lists, objects) go into the stack file as YAML, the way an operator writes them;
  // `pulumi config set` would store them as strings.
  const structured = Object.entries(plain).filter(([, v]) => /^[[{]/.test(v));
  await stack.setAllConfig({
    ...Object.fromEntries(
      Object.entries(plain)
        .filter(([, v]) => !/^[[{]/.test(v))
        .map(([k, v]) => [k, { value: v }]),
    ),
    ...Object.fromEntries(Object.entries(SECRETS).map(([k, v]) => [k, { value: v, secret: true }])),
  });
  const file = path.join(ROOT, `Pulumi.${stackName}.yaml`);
  const doc = parseYaml(readFileSync(file, "utf8"));
  for (const [k, v] of structured) doc.config[`sophia-ai:${k}`] = JSON.parse(v);
  writeFileSync(file, stringifyYaml(doc));
});

afterAll(async () => {
  try {
    if (stack) await stack.workspace.removeStack(stackName, { force: true });
  } finally {
    rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    if (backendDir) rmSync(backendDir, { recursive: true, force: true });
    if (sb) await sb.close();
  }
});

test("the five SaaS modules: up, no-op, drift, restore, refresh and destroy on the real engine", async () => {
  // 1. up creates every object in its stand-in.
  const up = await stack.up();
  expect(up.summary.result).toBe("succeeded");
  const names = async (s: (typeof SERVICES)[number], kind: string, field = "name") =>
    (await admin[s].objects(kind)).map((o) => o[field]).sort();
  expect(await names("gong", "profiles")).toEqual([`${prefix}-analysts`, `${prefix}-integration-readonly`]);
  expect(await names("gong", "crmIntegrations")).toEqual([`${prefix}-crm`]);
  expect(await names("estuary", "live_specs", "catalog_name")).toEqual(
    ["gong-webhook", "gong/call-events", "gong/calls-enriched", "postgres-staging", "redis-cache"].map(
      (n) => `sophia-ai/${stackName}/${n}`,
    ),
  );
  expect(await names("openrouter", "keys")).toEqual([
    expect.stringMatching(new RegExp(`^${prefix}-app#[0-9a-f]{8}$`)),
    expect.stringMatching(new RegExp(`^${prefix}-portkey#[0-9a-f]{8}$`)),
  ]);
  expect((await admin.portkey.objects("configs")).map((c) => c.name)).toEqual([`${prefix}-chat`]);
  expect(await names("lambda", "sshKeys")).toEqual([`${prefix}-ops`]);
  expect(await names("lambda", "filesystems")).toEqual([`${prefix}-models`]);
  const [instance] = await admin.lambda.objects("instances");
  expect(instance).toMatchObject({ name: `${prefix}-gpu`, status: "active" });

  // The two minted credentials (RandomPassword slots, epoch 0: slot b is current), from the state in memory.
  const deployment = (await stack.exportStack()).deployment;
  const minted = {
    estuary: currentCredential(deployment, "estuary", 0),
    gong: currentCredential(deployment, "gong", 0),
  };
  expect(
    (deployment.resources as any[])
      .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
      .map((r) => `${r.inputs.keepers.service}-${r.inputs.keepers.slot}`)
      .sort(),
  ).toEqual(["estuary-a", "estuary-b", "gong-a", "gong-b"]);
  expect(minted.estuary).toMatch(/^[A-Za-z0-9]{40}$/);
  expect(minted.gong).toMatch(/^[A-Za-z0-9]{40}$/);

  // The capture accepts a webhook call with the minted token, and only with it.
  // (the stand-in takes the capture's HTTP path as one encoded segment)
  const ingest = `http://127.0.0.1:${sb.sandbox.services.estuary.port}/ingest/${encodeURIComponent(
    `sophia-ai/${stackName}/gong-webhook`,
  )}/${encodeURIComponent("gong/calls")}`;
  const post = (token: string) =>
    fetch(ingest, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "call_completed", data: { id: "c-1" } }),
    });
  expect((await post(minted.estuary)).status).toBe(200);
  expect((await post("wrong-token")).status).toBe(401);
  // Estuary holds the endpoint credentials only sops-encrypted (the capture token, the PostgreSQL and
  // Redis passwords), as its config-encryption service returned them.
  const estuaryStore = JSON.stringify(await admin.estuary.objects("live_specs"));
  for (const secret of [minted.estuary, SECRETS.postgresPassword, SECRETS.redisPassword]) {
    expect(estuaryStore).not.toContain(secret);
  }
  expect(estuaryStore.match(/"(require_auth_token|password)_sops":"ENC\[AES256_GCM/g)).toHaveLength(3);

  // Secrets: the API-returned key strings and the private key are secret outputs; no secret is in state.
  const outputs = await stack.outputs();
  expect(outputs.openrouterKeys.secret).toBe(true);
  expect(outputs.lambdaPrivateKeys.secret).toBe(true);
  expect(outputs.gongWebhookSetup.secret).toBe(true);
  expect(new URL(outputs.gongWebhookSetup.value.webhookUrl).searchParams.get("key")).toBe(minted.gong);
  const returned = [
    ...Object.values<string>(outputs.openrouterKeys.value),
    ...Object.values<string>(outputs.lambdaPrivateKeys.value),
  ];
  expect(returned).toHaveLength(3);
  const stateText = readFileSync(
    path.join(backendDir, ".pulumi", "stacks", "sophia-ai", `${stackName}.json`),
    "utf8",
  );
  for (const secret of [...Object.values(SECRETS), ...Object.values(minted), ...returned])
    expect(stateText).not.toContain(secret);
  const sizes: Record<string, number> = {};
  for (const r of JSON.parse(stateText).checkpoint.latest.resources as any[]) {
    if (r.inputs?.__provider)
      sizes[r.type.replace("pulumi-nodejs:dynamic/", "")] = r.inputs.__provider.length;
  }
  expect(Object.keys(sizes).sort()).toEqual([
    "estuary:CatalogSpec",
    "gong:CrmIntegration",
    "gong:PermissionProfile",
    "lambda:FileSystem",
    "lambda:Instance",
    "lambda:SshKey",
    "openrouter:ApiKey",
    "openrouter:ModelPolicy",
    "portkey:Config",
    "portkey:Integration",
    "portkey:Provider",
  ]);
  console.log(`serialized provider bytes per resource type: ${JSON.stringify(sizes)}`);

  // 2. The unchanged program previews with no changes under the policy pack; a no-op up calls no API.
  await resetAll();
  const preview = await stack.preview({ expectNoChanges: true, policyPacks: [POLICY_PACK] });
  expect(preview.stdout).toMatch(/Policies:[\s\S]*sophia-guardrails/);
  await stack.up({ expectNoChanges: true });
  for (const [service, log] of Object.entries(await requestsOf()))
    expect([service, log]).toEqual([service, []]);

  // 3. A refresh reads each resource once (Estuary also exchanges its refresh token once).
  await resetAll();
  await stack.refresh();
  const counts = Object.fromEntries(
    await Promise.all(SERVICES.map(async (s) => [s, await admin[s].counts()] as const)),
  );
  console.log(`requests for a refresh: ${JSON.stringify(counts)}`);
  expect(counts).toEqual({
    gong: { "GET /v2/permission-profile": 2, "GET /v2/crm/integrations": 1 },
    // five catalog specs, and one refresh-token exchange for the access token they share
    estuary: { "GET /rest/v1/live_specs": 5, "POST /rest/v1/rpc/generate_access_token": 1 },
    // a config's detail carries only its body: its name and status come from the listing (one more GET)
    portkey: {
      "GET /integrations/{slug}": 1,
      "GET /providers/{slug}": 1,
      "GET /configs": 1,
      "GET /configs/{slug}": 1,
    },
    // two keys, and the model policy re-validated against the catalogue
    openrouter: { "GET /keys/{hash}": 2, "GET /models": 1 },
    // Lambda has no GET for one SSH key or file system: each is read from its list
    lambda: { "GET /api/v1/ssh-keys": 1, "GET /api/v1/file-systems": 1, "GET /api/v1/instances/{id}": 1 },
  });

  // 4. An out-of-band change shows in a refresh preview, named by resource and property; up --refresh
  //    puts it back.
  const key = (await admin.openrouter.objects("keys")).find((k) => k.name.startsWith(`${prefix}-app#`));
  await admin.openrouter.edit("keys", key.hash, { limit: 999 });
  const drift = await detectDrift(stack);
  expect(drift.map((r) => ({ name: r.name, properties: r.properties }))).toEqual([
    { name: "openrouter-app", properties: [{ path: "limit", old: 25, new: 999 }] },
  ]);
  const restore = await stack.up({ refresh: true });
  expect(restore.summary.resourceChanges).toMatchObject({ update: 1 });
  expect((await admin.openrouter.object("keys", key.hash)).limit).toBe(25);

  // 5. destroy removes everything the APIs can delete; Gong's permission profiles stay (Gong has no
  //    delete) and the run says so.
  const destroy = await stack.destroy();
  expect(destroy.summary.result).toBe("succeeded");
  expect(destroy.stdout + destroy.stderr).toMatch(/permission profile/i);
  expect(await names("gong", "profiles")).toHaveLength(2);
  expect(await admin.gong.objects("crmIntegrations")).toEqual([]);
  expect((await admin.estuary.objects("live_specs")).filter((s) => s.spec !== null)).toEqual([]);
  expect(await admin.openrouter.objects("keys")).toEqual([]);
  for (const kind of ["integrations", "providers", "configs"])
    expect(await admin.portkey.objects(kind)).toEqual([]);
  expect(await admin.lambda.objects("sshKeys")).toEqual([]);
  expect(await admin.lambda.objects("filesystems")).toEqual([]);
  expect((await admin.lambda.objects("instances")).map((i) => i.status)).toEqual(["terminated"]);

  for (const s of SERVICES) expect([s, await admin[s].violations()]).toEqual([s, []]);
});
