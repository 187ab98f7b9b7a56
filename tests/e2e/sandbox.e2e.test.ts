// End to end, with the real Pulumi engine through the Automation API: the sophia-ai program on a stack of
// its own, against the stand-ins. In CI (CI=true) a missing engine is a failure, never a skip: the engine
// is built by scripts/engine.sh before the suite runs.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { detectDrift } from "../../cli/drift";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { ensureEngine, localStack, ROOT } from "../../scripts/lib";
import { type Admin, airbyteStackConfig, startTestSandbox, type TestSandbox } from "../helpers/sandbox";
import { budget, formatStepTimings, step } from "../helpers/steps";

// Each step's budget: its time measured beside a full test run (load 4-5 on 2 cores: up 62 s, preview with
// the policy pack 83 s, no-op up 36 s, up --refresh 31 s, the refreshes 3-9 s each, destroy 3 s), × 3 or
// more. A test may take the sum of them (the hooks too: the engine is built once, then reused); a slow
// step fails naming itself.
const BUDGET = {
  up: 190_000,
  preview: 250_000,
  noop: 110_000,
  drift: 60_000,
  restore: 100_000,
  refreshes: 60_000,
  failingRefresh: 60_000,
  destroy: 60_000,
};
jest.setTimeout(budget(BUDGET));

const SECRETS = {
  airbyteClientSecret: AIRBYTE_SANDBOX.clientSecret,
  gongAccessKey: "e2e-gong-access-key-3f9a",
  gongAccessKeySecret: "e2e-gong-access-key-secret-77c1",
  postgresPassword: "e2e-postgres-password-a41d",
  redisPassword: "e2e-redis-password-0b6e",
};

let sb: TestSandbox;
let admin: Admin;
let stack: Stack;
let backendDir: string;
const stackName = `e2e-${process.pid}`;
const POLICY_PACK = path.join(ROOT, "policy");

beforeAll(async () => {
  ensureEngine({ quiet: true });
  sb = await startTestSandbox();
  admin = sb.admin("airbyte");
  backendDir = mkdtempSync(path.join(tmpdir(), "sophia-state-"));
  stack = await localStack({ stackName, backendDir });
  await stack.setAllConfig(
    airbyteStackConfig(
      sb.url("airbyte"),
      {
        postgresHost: "127.0.0.1",
        postgresUser: "sophia",
        postgresSslMode: "disable",
        redisHost: "127.0.0.1",
        redisSsl: "false",
      },
      SECRETS,
    ),
  );
});

afterAll(async () => {
  console.log(formatStepTimings("sandbox.e2e"));
  try {
    if (stack) await stack.workspace.removeStack(stackName, { force: true });
  } finally {
    rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    if (backendDir) rmSync(backendDir, { recursive: true, force: true });
    if (sb) await sb.close();
  }
});

test("up, no-op, drift, restore, refresh and destroy on the real engine", async () => {
  // 1. up creates the pipeline in the stand-in.
  const up = await step("up", () => stack.up(), BUDGET.up);
  expect(up.summary.result).toBe("succeeded");
  expect(up.summary.resourceChanges).toEqual({ create: 6 });
  const [sources, destinations, connections] = await Promise.all(
    ["sources", "destinations", "connections"].map((k) => admin.objects(k)),
  );
  expect(sources.map((s) => s.name)).toEqual([`sophia-${stackName}-gong`]);
  expect(destinations.map((d) => d.name).sort()).toEqual([
    `sophia-${stackName}-postgres`,
    `sophia-${stackName}-redis`,
  ]);
  expect(connections).toHaveLength(1);
  expect(connections[0].schedule).toEqual({ scheduleType: "cron", cronExpression: "0 0 */6 * * ?" });
  expect(connections[0].configurations.streams.map((s: any) => `${s.name}:${s.syncMode}`)).toEqual([
    "calls:incremental_append",
    "users:incremental_append",
    "deals:incremental_append",
    "emails:incremental_append",
  ]);

  // No secret in plain text in the state file; each dynamic resource carries its serialized provider.
  const statePath = path.join(backendDir, ".pulumi", "stacks", "sophia-ai", `${stackName}.json`);
  expect(existsSync(statePath)).toBe(true);
  const stateText = readFileSync(statePath, "utf8");
  for (const secret of Object.values(SECRETS)) expect(stateText).not.toContain(secret);
  const resources = JSON.parse(stateText).checkpoint.latest.resources as any[];
  const providerBytes = resources.filter((r) => r.inputs?.__provider).map((r) => r.inputs.__provider.length);
  expect(providerBytes).toHaveLength(4);
  console.log(`serialized provider bytes per dynamic resource: ${providerBytes.join(", ")}`);

  // 2. A preview of the unchanged program has no changes and passes the policy pack; a no-op up sends
  //    no API request.
  await admin.reset();
  const preview = await step(
    "preview with the policy pack",
    () => stack.preview({ expectNoChanges: true, policyPacks: [POLICY_PACK] }),
    BUDGET.preview,
  );
  expect(preview.stdout).toMatch(/Policies:[\s\S]*sophia-guardrails/);
  const noop = await step("no-op up", () => stack.up({ expectNoChanges: true }), BUDGET.noop);
  expect(noop.summary.resourceChanges).toEqual({ same: 6 });
  expect(await admin.requests()).toEqual([]);

  // 3. An out-of-band change shows in a refresh preview: exactly that resource and property.
  const pg = destinations.find((d) => d.name.endsWith("-postgres"));
  await admin.edit("destinations", pg.destinationId, { configuration: { port: 6543 } });
  // (detectDrift is what `sophia drift` runs: a refresh preview, read from the engine's events.)
  const found = await step("drift (refresh preview)", () => detectDrift(stack), BUDGET.drift);
  expect(found.map((r) => ({ name: r.name, kind: r.kind, properties: r.properties }))).toEqual([
    {
      name: "airbyte-postgres",
      kind: "update",
      properties: [{ path: "configuration.port", old: 5432, new: 6543 }],
    },
  ]);

  // 4. up (with refresh) puts it right.
  const restore = await step("up --refresh", () => stack.up({ refresh: true }), BUDGET.restore);
  expect(restore.summary.resourceChanges).toMatchObject({ update: 1, same: 5 });
  expect((await admin.object("destinations", pg.destinationId)).configuration.port).toBe(5432);

  // 5. A refresh survives a dropped connection (the serialized provider retries), and otherwise reads
  //    each resource once and asks for at most one token.
  await admin.reset();
  await admin.fault({ route: "GET /connections/{connectionId}", drop: true, count: 1 });
  await step("refresh through a dropped connection", () => stack.refresh(), BUDGET.refreshes / 2);
  expect(
    (await admin.requests())
      .filter((r) => r.route === "GET /connections/{connectionId}")
      .map((r) => r.status),
  ).toEqual([0, 200]);
  await admin.reset();
  await step("refresh", () => stack.refresh(), BUDGET.refreshes / 2);
  const counts = await admin.counts();
  expect(counts).toEqual({
    "GET /sources/{sourceId}": 1,
    "GET /destinations/{destinationId}": 2,
    "GET /connections/{connectionId}": 1,
    ...(counts["POST /applications/token"] ? { "POST /applications/token": 1 } : {}),
  });
  console.log(`requests for a refresh: ${JSON.stringify(counts)}`);

  // 6. A failure inside the provider reaches the user with the API's status and message.
  await admin.fault({ route: "GET /sources/{sourceId}", status: 500, count: 50 });
  const failed = await step(
    "refresh failing with 500s",
    () => stack.refresh().catch((e) => e),
    BUDGET.failingRefresh,
  );
  await admin.clearFaults();
  expect(String(failed?.message ?? failed)).toMatch(
    /Airbyte API GET \/sources\/[0-9a-f-]+ failed with 500: injected by the sandbox \(after 6 attempts\)/,
  );

  // 7. destroy leaves nothing behind in the stand-in.
  const destroy = await step("destroy", () => stack.destroy(), BUDGET.destroy);
  expect(destroy.summary.resourceChanges).toEqual({ delete: 6 });
  for (const kind of ["sources", "destinations", "connections"])
    expect(await admin.objects(kind)).toEqual([]);
  expect(await admin.violations()).toEqual([]);
});

test("a missing or plain-text credential fails the preview naming the key", async () => {
  const bad = await localStack({ stackName: `${stackName}-bad`, backendDir });
  try {
    await bad.setAllConfig({
      airbyteApiUrl: { value: sb.url("airbyte") },
      airbyteClientId: { value: AIRBYTE_SANDBOX.clientId },
      airbyteClientSecret: { value: "stored-in-plain-text" },
      airbyteWorkspaceId: { value: "not-a-uuid" },
      redisEnabled: { value: "false" },
    });
    const err = await step("preview with bad config", () => bad.preview().catch((e) => e), BUDGET.preview);
    const text = String(err?.message ?? err);
    expect(text).toContain("sophia-ai:airbyteClientSecret must be stored as a secret");
    expect(text).toContain('sophia-ai:airbyteWorkspaceId must be a UUID; got "not-a-uuid"');
    expect(text).toContain("sophia-ai:gongAccessKey is required");
    expect(text).toContain("sophia-ai:postgresHost is required");
    expect(text).not.toContain("sophia-ai:redisHost");
    expect(text).not.toContain("stored-in-plain-text");
  } finally {
    await bad.workspace.removeStack(`${stackName}-bad`, { force: true });
    rmSync(path.join(ROOT, `Pulumi.${stackName}-bad.yaml`), { force: true });
  }
});

test("the policy pack stops a preview that would put a credential in plain text", async () => {
  const name = `${stackName}-policy`;
  const leaky = await localStack({ stackName: name, backendDir });
  try {
    await leaky.setAllConfig(
      airbyteStackConfig(
        sb.url("airbyte"),
        // a GitHub token pasted where a user name belongs, in plain configuration
        {
          postgresHost: "127.0.0.1",
          postgresUser: "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
          redisEnabled: "false",
        },
        SECRETS,
      ),
    );
    const err = await step(
      "preview stopped by the policy pack",
      () => leaky.preview({ policyPacks: [POLICY_PACK] }).catch((e) => e),
      BUDGET.preview,
    );
    const text = String(err?.message ?? err);
    expect(text).toContain("no-plaintext-credentials");
    expect(text).toContain("configuration.username looks like a credential but is not kept secret");
    expect((await admin.objects("destinations")).filter((d) => d.name.startsWith(`sophia-${name}`))).toEqual(
      [],
    );
  } finally {
    await leaky.workspace.removeStack(name, { force: true });
    rmSync(path.join(ROOT, `Pulumi.${name}.yaml`), { force: true });
  }
});
