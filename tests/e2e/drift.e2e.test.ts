import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { LAMBDA_SANDBOX } from "../../sandbox/lambda";
import { SLACK_SANDBOX } from "../../sandbox/slack";
import { ensureEngine, localStack, ROOT } from "../../scripts/lib";
import { type CliRun, fileBackend, runSophia } from "../helpers/cli";
import { type Admin, airbyteStackConfig, startTestSandbox, type TestSandbox } from "../helpers/sandbox";

jest.setTimeout(600_000);

let sb: TestSandbox;
let airbyte: Admin;
let lambda: Admin;
let slack: Admin;
let stack: Stack;
let work: string;
const stackName = `drift-${process.pid}`;

function sophia(args: string[]): Promise<CliRun> {
  return runSophia([...args, "--stack", stackName], {
    cwd: work,
    env: {
      ...fileBackend(path.join(work, "state")),
      SLACK_WEBHOOK_URL: `${sb.url("slack")}${SLACK_SANDBOX.webhookPath}`,
    },
  });
}

beforeAll(async () => {
  ensureEngine({ quiet: true });
  sb = await startTestSandbox(["airbyte", "lambda", "slack"]);
  airbyte = sb.admin("airbyte");
  lambda = sb.admin("lambda");
  slack = sb.admin("slack");
  work = mkdtempSync(path.join(tmpdir(), "sophia-drift-"));
  stack = await localStack({ stackName, backendDir: path.join(work, "state") });
  await stack.setAllConfig(
    airbyteStackConfig(
      sb.url("airbyte"),
      {
        postgresHost: "127.0.0.1",
        postgresUser: "sophia",
        postgresSslMode: "disable",
        redisHost: "127.0.0.1",
        redisSsl: "false",
        lambdaEnabled: "true",
        lambdaApiUrl: sb.url("lambda"),
      },
      {
        airbyteClientSecret: AIRBYTE_SANDBOX.clientSecret,
        gongAccessKey: "drift-gong-key-1c2d",
        gongAccessKeySecret: "drift-gong-secret-3e4f",
        postgresPassword: "drift-postgres-password-5a6b",
        redisPassword: "drift-redis-password-7c8d",
        lambdaApiKey: LAMBDA_SANDBOX.apiKey,
      },
    ),
  );
  // a list goes into the stack file as YAML, the way an operator writes it
  const file = path.join(ROOT, `Pulumi.${stackName}.yaml`);
  const doc = parseYaml(readFileSync(file, "utf8"));
  doc.config["sophia-ai:lambdaSshKeys"] = [{ name: "ops" }];
  writeFileSync(file, stringifyYaml(doc));
  expect((await stack.up()).summary.result).toBe("succeeded");
});

afterAll(async () => {
  const violations = sb
    ? [...(await airbyte.violations()), ...(await lambda.violations()), ...(await slack.violations())]
    : [];
  try {
    if (stack) await stack.workspace.removeStack(stackName, { force: true });
  } finally {
    rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    if (work) rmSync(work, { recursive: true, force: true });
    if (sb) await sb.close();
  }
  expect(violations).toEqual([]);
});

test("Lambda down, Airbyte drifted: both reported, one Slack alert, exit 8; the repair advice holds", async () => {
  const clean = await sophia(["drift"]);
  expect(clean).toMatchObject({ code: 0, stderr: "" });
  expect(clean.stdout).toContain(`No drift in ${stackName}.`);

  const pg = (await airbyte.objects("destinations")).find((d) => d.name.endsWith("-postgres"));
  const livePort = async () => (await airbyte.object("destinations", pg.destinationId)).configuration.port;
  const declared = await livePort();
  await airbyte.edit("destinations", pg.destinationId, { configuration: { port: 6543 } });
  await lambda.fault({ route: "*", status: 503 });

  const metrics = path.join(work, "drift.prom");
  const first = await sophia(["drift", "--json", "--metrics-file", metrics]);
  expect(first.code).toBe(8);
  expect(first.stderr).toBe("");
  const report = JSON.parse(first.stdout);
  expect(report.status).toBe("unreadable");
  expect(report.drifted).toEqual([
    expect.objectContaining({
      name: "airbyte-postgres",
      integration: "airbyte",
      properties: [{ path: "configuration.port", old: declared, new: 6543 }],
    }),
  ]);
  const byName = Object.fromEntries(report.integrations.map((i: any) => [i.integration, i]));
  expect(byName.airbyte).toMatchObject({ status: "drifted", resources: 4, drifted: 1, unreadable: 0 });
  expect(byName.lambda).toMatchObject({ status: "unreadable", resources: 1, unreadable: 1 });
  expect(byName.lambda.error).toMatch(
    /^Lambda API GET \/api\/v1\/ssh-keys failed with 503: .*injected by the sandbox/,
  );
  expect(report.unreadable).toEqual([
    expect.objectContaining({ name: "lambda-key-ops", integration: "lambda", error: byName.lambda.error }),
  ]);
  expect(report.alerted).toBe(2);
  const prom = readFileSync(metrics, "utf8");
  expect(prom).toContain(`sophia_drift_check_success{stack="${stackName}"} 0`);
  expect(prom).toContain(`sophia_drift_resources{stack="${stackName}"} 1`);
  expect(prom).toContain(`sophia_drift_integration_readable{stack="${stackName}",integration="lambda"} 0`);

  const messages = await slack.objects("messages");
  expect(messages).toHaveLength(1);
  expect(messages[0].text).toContain("airbyte-postgres configuration.port");
  expect(messages[0].text).toContain(`could not read lambda: ${byName.lambda.error}`);

  // The same incidents again, for people: a short report, no new alert.
  const second = await sophia(["drift"]);
  expect(second.code).toBe(8);
  expect(second.stderr).toBe("");
  const lines = second.stdout.split("\n");
  expect(lines.length).toBeLessThan(20);
  expect(lines.find((l) => l.startsWith("airbyte-postgres"))).toMatch(/configuration\.port\s+\d+\s+6543$/);
  expect(lines.find((l) => l.startsWith("lambda "))).toMatch(
    /^lambda\s+1\s+could not be read \(1 of 1\): Lambda API/,
  );
  expect(second.stdout).not.toMatch(/at __apiError|pulumi:pulumi:Stack/);
  expect(second.stdout).toContain(
    `pulumi up --refresh --stack ${stackName} --target '${report.drifted[0].urn}'`,
  );
  expect(await slack.objects("messages")).toHaveLength(1);

  // The advice, on the engine: a plain up leaves the drift in place...
  await lambda.clearFaults();
  await stack.up();
  expect(await livePort()).toBe(6543);
  // ...up --refresh fails while Lambda cannot be read...
  await lambda.fault({ route: "*", status: 503 });
  await expect(stack.up({ refresh: true })).rejects.toThrow(/ssh-keys failed with 503/);
  expect(await livePort()).toBe(6543);
  // ...and up --refresh targeting the drifted resource repairs it.
  const repaired = await stack.up({ refresh: true, target: [report.drifted[0].urn] });
  expect(repaired.summary.resourceChanges).toMatchObject({ update: 1 });
  expect(await livePort()).toBe(declared);

  // Lambda back: nothing drifted, nothing unreadable, nothing new for Slack.
  await lambda.clearFaults();
  expect(await sophia(["drift"])).toMatchObject({ code: 0 });
  expect(await slack.objects("messages")).toHaveLength(1);
});
