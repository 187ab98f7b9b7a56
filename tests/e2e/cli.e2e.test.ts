// The `sophia` CLI end to end: real engine, a stack of its own on a temporary backend, the stand-ins, and
// the real PostgreSQL and Redis servers of scripts/services.sh. Each command runs as a user would run it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { SLACK_SANDBOX } from "../../sandbox/slack";
import { ensureEngine, localStack, ROOT } from "../../scripts/lib";
import { type CliRun, fileBackend, runSophia } from "../helpers/cli";
import { type Admin, airbyteStackConfig, startTestSandbox, type TestSandbox } from "../helpers/sandbox";
import { testServices } from "../helpers/services";

jest.setTimeout(240_000);

const services = testServices();
const SECRETS = {
  airbyteClientSecret: AIRBYTE_SANDBOX.clientSecret,
  gongAccessKey: "cli-gong-key-77aa",
  gongAccessKeySecret: "cli-gong-secret-91bb",
  postgresPassword: "sophia-test-writer",
  redisPassword: "sophia-test-redis",
};

let sb: TestSandbox;
let airbyte: Admin;
let slack: Admin;
let stack: Stack;
let work: string;
const stackName = `cli-${process.pid}`;

/** Runs the CLI as a user would, asynchronously (the stand-ins live in this process and must keep serving). */
function sophia(args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runSophia([...args, "--stack", stackName], {
    cwd: work,
    env: {
      ...fileBackend(path.join(work, "state")),
      SLACK_WEBHOOK_URL: `${sb.url("slack")}${SLACK_SANDBOX.webhookPath}`,
      ...extraEnv,
    },
  });
}

beforeAll(async () => {
  ensureEngine({ quiet: true });
  sb = await startTestSandbox();
  airbyte = sb.admin("airbyte");
  slack = sb.admin("slack");
  work = mkdtempSync(path.join(tmpdir(), "sophia-cli-"));
  stack = await localStack({ stackName, backendDir: path.join(work, "state") });
  await stack.setAllConfig(
    airbyteStackConfig(
      sb.url("airbyte"),
      {
        postgresHost: services.SOPHIA_TEST_PG_HOST,
        postgresPort: services.SOPHIA_TEST_PG_PORT,
        postgresDatabase: services.SOPHIA_TEST_PG_DATABASE,
        postgresUser: "sophia_writer",
        postgresSslMode: "disable",
        redisHost: services.SOPHIA_TEST_REDIS_HOST,
        redisPort: services.SOPHIA_TEST_REDIS_PORT,
        redisSsl: "false",
      },
      SECRETS,
    ),
  );
  expect((await stack.up()).summary.result).toBe("succeeded");
});

afterAll(async () => {
  // What the CLI and the providers sent, and the stand-ins answered, matched the published descriptions.
  const violations = sb ? [...(await airbyte.violations()), ...(await slack.violations())] : [];
  try {
    if (stack) await stack.workspace.removeStack(stackName, { force: true });
  } finally {
    rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    if (work) rmSync(work, { recursive: true, force: true });
    if (sb) await sb.close();
  }
  expect(violations).toEqual([]);
});

test("drift: clean, then each out-of-band change reported once to Slack, ignorable, with metrics", async () => {
  const metrics = path.join(work, "drift.prom");
  const clean = await sophia(["drift", "--metrics-file", metrics]);
  expect(clean).toMatchObject({ code: 0 });
  expect(clean.stdout).toContain(`No drift in ${stackName}`);
  expect(readFileSync(metrics, "utf8")).toContain(`sophia_drift_resources{stack="${stackName}"} 0`);

  const pg = (await airbyte.objects("destinations")).find((d) => d.name.endsWith("-postgres"));
  await airbyte.edit("destinations", pg.destinationId, { configuration: { port: 6543 } });
  const drift = await sophia(["drift", "--json", "--metrics-file", metrics]);
  expect(drift.code).toBe(3);
  const report = JSON.parse(drift.stdout);
  expect(report.drifted).toEqual([
    expect.objectContaining({
      name: "airbyte-postgres",
      kind: "update",
      properties: [{ path: "configuration.port", old: Number(services.SOPHIA_TEST_PG_PORT), new: 6543 }],
    }),
  ]);
  expect(readFileSync(metrics, "utf8")).toMatch(
    new RegExp(
      `sophia_drift_resources\\{stack="${stackName}"\\} 1\\nsophia_drift_properties`.replace(
        "\\nsophia_drift_properties",
        "",
      ),
    ),
  );
  const messages = await slack.objects("messages");
  expect(messages).toHaveLength(1);
  expect(messages[0].text).toContain("airbyte-postgres configuration.port");

  // The same drift again: reported (exit 3), but not alerted twice.
  expect((await sophia(["drift"])).code).toBe(3);
  expect(await slack.objects("messages")).toHaveLength(1);

  // Accepted drift: an unexpired ignore rule; an expired one no longer applies.
  const ignore = path.join(work, "ignore.yaml");
  const rule = (expires: string) =>
    `- match: "pulumi-nodejs:dynamic/airbyte:*"\n  property: configuration.port\n  reason: "DBA moved the port during the migration"\n  expires: "${expires}"\n`;
  writeFileSync(ignore, rule("2099-12-31"));
  const accepted = await sophia(["drift", "--ignore-file", ignore, "--json"]);
  expect(accepted.code).toBe(0);
  expect(JSON.parse(accepted.stdout).ignored).toEqual([
    {
      urn: expect.stringContaining("airbyte-postgres"),
      path: "configuration.port",
      reason: "DBA moved the port during the migration",
    },
  ]);
  writeFileSync(ignore, rule("2001-01-01"));
  const expired = await sophia(["drift", "--ignore-file", ignore]);
  expect(expired.code).toBe(3);
  expect(await slack.objects("messages")).toHaveLength(2); // accepted drift whose acceptance lapsed is news
  expect(expired.stderr).toContain("expired on 2001-01-01");
  writeFileSync(ignore, "- match: x\n  property: y\n");
  expect(await sophia(["drift", "--ignore-file", ignore])).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('rule 1 needs "reason"'),
  });

  // Drift is read-only: the stack's state still holds the declared port.
  const state = await stack.exportStack();
  const stateDest = state.deployment.resources.find((r: any) => r.urn.endsWith("airbyte-postgres"));
  expect(stateDest.outputs.configuration.port).toBe(Number(services.SOPHIA_TEST_PG_PORT));
  const restorePort = () =>
    airbyte.edit("destinations", pg.destinationId, {
      configuration: { port: Number(services.SOPHIA_TEST_PG_PORT) },
    });
  await restorePort();

  // Once the drift is gone it is forgotten: the same change coming back is alerted again.
  expect((await sophia(["drift"])).code).toBe(0);
  await airbyte.edit("destinations", pg.destinationId, { configuration: { port: 6543 } });
  expect((await sophia(["drift"])).code).toBe(3);
  // 1: the first drift; 2: the same drift once its ignore rule expired; 3: the drift come back.
  expect(await slack.objects("messages")).toHaveLength(3);
  await restorePort();
});

test("backup and restore into an empty backend: the next preview has no changes", async () => {
  const file = path.join(work, "backup.json");
  const b = await sophia(["backup", "--file", file]);
  expect(b).toMatchObject({ code: 0 });
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const text = readFileSync(file, "utf8");
  for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  expect((await sophia(["backup", "--file", file])).stderr).toContain("exists; pass --force");

  const fresh = path.join(work, "fresh-state");
  const env = { PULUMI_BACKEND_URL: `file://${fresh}` };
  require("node:fs").mkdirSync(fresh);
  const r = await sophia(["restore", "--file", file], env);
  expect(r).toMatchObject({ code: 0 });
  expect(r.stdout).toContain(`Restored 7 resources into ${stackName}`); // 6 and the dynamic provider
  expect(await sophia(["restore", "--file", file], env)).toMatchObject({
    code: 1,
    stderr: expect.stringContaining("already has 7 resources"),
  });

  const restored = await localStack({ stackName, backendDir: fresh });
  await airbyte.reset();
  const preview = await restored.preview({ expectNoChanges: true });
  expect(preview.changeSummary).toEqual({ same: 6 });
  expect(await airbyte.requests()).toEqual([]);
});

test("secrets export-env and import-env round-trip, names only on screen", async () => {
  const envFile = path.join(work, "stack.env");
  const out = await sophia(["secrets", "export-env", "--env-file", envFile]);
  expect(out.code).toBe(0);
  expect(statSync(envFile).mode & 0o777).toBe(0o600);
  for (const secret of Object.values(SECRETS)) expect(out.stdout + out.stderr).not.toContain(secret);
  expect(readFileSync(envFile, "utf8")).toContain(`POSTGRES_PASSWORD='${SECRETS.postgresPassword}'`);
  expect((await sophia(["secrets", "export-env", "--env-file", envFile])).stderr).toContain(
    "exists; pass --force",
  );

  const same = await sophia(["secrets", "import-env", "--env-file", envFile, "--dry-run"]);
  expect(same.stdout).toContain("0 change(s)");
  writeFileSync(
    envFile,
    `${readFileSync(envFile, "utf8")}REDIS_PASSWORD='rotated-by-ops-5521'\nREDIS_USER='cache-admin'\n`,
  );
  const dry = await sophia(["secrets", "import-env", "--env-file", envFile, "--dry-run"]);
  expect(dry.stdout).toMatch(/~ redisPassword \(secret\)/);
  expect(dry.stdout).toMatch(/~ redisUser {3}from REDIS_USER/);
  expect(dry.stdout).not.toContain("rotated-by-ops-5521");
  expect((await stack.getConfig("redisPassword")).value).toBe(SECRETS.redisPassword);

  expect((await sophia(["secrets", "import-env", "--env-file", envFile])).code).toBe(0);
  expect(await stack.getConfig("redisPassword")).toEqual({ value: "rotated-by-ops-5521", secret: true });
  expect(await stack.getConfig("redisUser")).toEqual({ value: "cache-admin", secret: false });
  await stack.removeConfig("redisUser");
});

test("check passes, then reports a wrong Redis password (exit 4) and tells Slack", async () => {
  await stack.setConfig("redisPassword", { value: SECRETS.redisPassword, secret: true });
  const ok = await sophia(["check", "--json"]);
  expect(ok.code).toBe(0);
  expect(
    JSON.parse(ok.stdout)
      .checks.map((c: any) => `${c.integration}:${c.status}`)
      .sort(),
  ).toEqual(["airbyte:pass", "postgres:pass", "redis:pass"]);

  const before = (await slack.objects("messages")).length;
  await stack.setConfig("redisPassword", { value: "not-the-password", secret: true });
  const bad = await sophia(["check"]);
  expect(bad.code).toBe(4);
  expect(bad.stdout).toMatch(/redis\s+FAIL\s+\d+ ms\s+authenticated: Redis refused the login/);
  expect(bad.stdout).not.toContain("not-the-password");
  const messages = await slack.objects("messages");
  expect(messages).toHaveLength(before + 1);
  expect(messages[messages.length - 1].text).toContain("redis (authenticated)");
  expect(await sophia(["check", "--only", "nosuch"])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining("unknown integration(s): nosuch"),
  });
  await stack.setConfig("redisPassword", { value: SECRETS.redisPassword, secret: true });
});

test("audit lists the minted credentials and exits 5 when one is overdue", async () => {
  await stack.setConfig("githubEnabled", { value: "true" });
  await stack.setConfig("rotation.gong.epoch", { value: "2" }, true);
  await stack.setConfig("rotation.gong.rotatedAt", { value: "2020-01-01T00:00:00Z" }, true);
  await stack.setConfig("rotation.estuary.rotatedAt", { value: new Date().toISOString() }, true);
  try {
    const r = await sophia(["secrets", "audit", "--json"]);
    expect(r.code).toBe(5);
    const rows = JSON.parse(r.stdout).credentials;
    expect(rows.map((x: any) => `${x.service}:${x.status}:${x.epoch}`).sort()).toEqual([
      "estuary:ok:0",
      "gong:overdue:2",
    ]);
    expect(rows.find((x: any) => x.service === "gong").syncedTo).toEqual(["github:GONG_WEBHOOK_SECRET"]);
  } finally {
    await stack.removeConfig("githubEnabled");
    await stack.removeConfig("rotation");
  }
});

test("the CLI explains itself", () => {
  const help = spawnSync("bash", [path.join(ROOT, "bin", "sophia"), "secrets", "sync-github", "--help"], {
    encoding: "utf8",
  });
  expect(help.status).toBe(0);
  expect(help.stdout).toContain("--repo <owner/name>");
  expect(existsSync(path.join(ROOT, "docs", "check-report.schema.json"))).toBe(true);
});
