// `sophia drift` when one vendor cannot be read, on the engine events of a refresh preview as the real engine
// sends them (tests/e2e/drift.e2e.test.ts runs the same on the engine): the preview fails as a whole, yet
// every other resource was read. The command reports each integration — what drifted, what could not be
// read and the vendor's message — alerts Slack (the stand-in) once per incident, writes metrics that show
// the partial failure, and exits 8. Drift on a resource that later cannot be read is not alerted again
// when it can.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import {
  applyIgnores,
  type DriftReport,
  driftCommand,
  integrationOf,
  readRefreshEvents,
} from "../../cli/drift";
import { EXIT } from "../../cli/exit";
import { SLACK_SANDBOX } from "../../sandbox/slack";
import { type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
let work: string;
useContractSandbox(["slack"], async (started) => {
  sb = started;
});
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "sophia-drift-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const STACK = "drift-contract";
const urn = (types: string, name: string) => `urn:pulumi:${STACK}::sophia-ai::${types}::${name}`;
const PG = urn("sophia:integrations:Airbyte$pulumi-nodejs:dynamic/airbyte:Destination", "airbyte-postgres");
const REDIS = urn("sophia:integrations:Airbyte$pulumi-nodejs:dynamic/airbyte:Destination", "airbyte-redis");
const KEY = urn("sophia:integrations:LambdaLabs$pulumi-nodejs:dynamic/lambda:SshKey", "lambda-key-ops");
const FS = urn("sophia:integrations:LambdaLabs$pulumi-nodejs:dynamic/lambda:FileSystem", "lambda-fs-models");
const LAMBDA_503 =
  "Lambda API GET /api/v1/ssh-keys failed with 503: global/internal-error: injected by the sandbox (Try again later.) (after 6 attempts)";

type Ev = Omit<EngineEvent, "sequence" | "timestamp">;
const typeOf = (u: string) => u.split("::")[2].split("$").pop() as string;
const pre = (u: string): Ev => ({
  resourcePreEvent: { metadata: { op: "refresh", urn: u, type: typeOf(u) } } as any,
});
const outputs = (u: string, op: string, old: object, now: object): Ev => ({
  resOutputsEvent: {
    metadata: { op, urn: u, type: typeOf(u), old: { outputs: old }, new: { outputs: now } },
  } as any,
});
const diag = (severity: string, message: string, u?: string): Ev => ({
  diagnosticEvent: {
    ...(u ? { urn: u } : {}),
    prefix: `${severity}: `,
    message,
    color: "never",
    severity,
  } as any,
});
const STACK_URN = urn("pulumi:pulumi:Stack", `sophia-ai-${STACK}`);
// what the refresh visits but no vendor holds: not counted as an integration's resources
const COMPONENT = urn("sophia:integrations:Airbyte", "airbyte");
const PROVIDER = urn("pulumi:providers:pulumi-nodejs", "default");

/** The events of a refresh preview in which Lambda answers 503 and the Airbyte PostgreSQL port drifted. */
function lambdaDownEvents(port = 6543): Ev[] {
  return [
    pre(STACK_URN),
    outputs(STACK_URN, "same", {}, {}),
    pre(COMPONENT),
    outputs(COMPONENT, "same", {}, {}),
    pre(PROVIDER),
    outputs(PROVIDER, "same", {}, {}),
    pre(PG),
    pre(REDIS),
    pre(KEY),
    pre(FS),
    outputs(
      PG,
      "update",
      { configuration: { port: 5432, host: "db" } },
      { configuration: { port, host: "db" } },
    ),
    outputs(REDIS, "same", { configuration: { port: 6379 } }, { configuration: { port: 6379 } }),
    diag("error", `Preview failed: ${LAMBDA_503}\n`, KEY),
    diag("error", `Preview failed: ${LAMBDA_503.replace("ssh-keys", "file-systems")}\n`, FS),
    diag("error", "preview failed\n"),
    // the provider's stack trace, as the engine forwards it
    diag("info#err", `ApiError: ${LAMBDA_503}: ApiError: ${LAMBDA_503}\n\n`),
    diag("info#err", "    at __apiError (<anonymous>:291:34)\n\n"),
  ];
}

/** A stack whose refresh preview emits `events`, then fails as the Automation API does when `fail`. */
const fakeStack = (events: Ev[], fail = true) => ({
  previewRefresh: async (opts?: { onEvent?: (e: EngineEvent) => void }) => {
    for (const [i, e] of events.entries())
      opts?.onEvent?.({ sequence: i, timestamp: 0, ...e } as EngineEvent);
    if (fail) throw new Error(`code: 255\n stderr: ${"engine output\n".repeat(250)}`);
    return { stdout: "", stderr: "", changeSummary: {} } as any;
  },
});

test("resources belong to their integration: component first, then dynamic service, then provider package", () => {
  expect(integrationOf(PG)).toBe("airbyte");
  expect(integrationOf(KEY)).toBe("lambda");
  expect(integrationOf(urn("pulumi-nodejs:dynamic/gong:Profile", "x"))).toBe("gong");
  expect(integrationOf(urn("sophia:integrations:Snowflake$snowflake:index/user:User", "u"))).toBe(
    "snowflake",
  );
  expect(
    integrationOf(urn("sophia:rotation:RotatedCredential$random:index/randomPassword:RandomPassword", "a")),
  ).toBe("rotation");
  expect(integrationOf(urn("pulumi:providers:aws", "default"), "pulumi:providers:aws")).toBe("aws");
  expect(integrationOf(urn("pulumi:providers:pulumi-nodejs", "default"))).toBe("stack");
});

test("a failed refresh preview still yields the drift it read and, per resource, the provider's one-line message", () => {
  const outcome = readRefreshEvents(lambdaDownEvents() as EngineEvent[]);
  expect(outcome.drifted).toEqual([
    expect.objectContaining({
      name: "airbyte-postgres",
      integration: "airbyte",
      kind: "update",
      properties: [{ path: "configuration.port", old: 5432, new: 6543 }],
    }),
  ]);
  expect(outcome.unreadable.map((u) => [u.name, u.integration, u.error])).toEqual([
    ["lambda-key-ops", "lambda", LAMBDA_503],
    ["lambda-fs-models", "lambda", LAMBDA_503.replace("ssh-keys", "file-systems")],
  ]);
  const report = applyIgnores(STACK, outcome, []);
  expect(report.status).toBe("unreadable");
  expect(report.integrations).toEqual([
    { integration: "airbyte", status: "drifted", resources: 2, drifted: 1, unreadable: 0, error: null },
    {
      integration: "lambda",
      status: "unreadable",
      resources: 2,
      drifted: 0,
      unreadable: 2,
      error: `${LAMBDA_503} (and 1 other error)`,
    },
  ]);
});

test("a resource the refresh began and never finished is unreadable, not clean, with the run's own error", () => {
  const begun = [pre(PG), pre(KEY), outputs(PG, "same", {}, {})];
  expect(readRefreshEvents(begun as EngineEvent[]).unreadable).toEqual([
    expect.objectContaining({ name: "lambda-key-ops", error: "the refresh stopped before reading it" }),
  ]);
  const crashed = [
    ...begun,
    diag("error", "the provider exited unexpectedly\n"),
    diag("error", "preview failed\n"),
  ];
  expect(readRefreshEvents(crashed as EngineEvent[]).unreadable).toEqual([
    expect.objectContaining({
      name: "lambda-key-ops",
      error: "the refresh stopped before reading it: the provider exited unexpectedly",
    }),
  ]);
});

describe("the command, with Lambda down and the Airbyte port drifted", () => {
  const webhook = () => `${sb.url("slack")}${SLACK_SANDBOX.webhookPath}`;
  const messages = async () => (await sb.admin("slack").objects("messages")).map((m) => m.text as string);
  async function run(events: Ev[], extra: { json?: boolean; fail?: boolean } = {}) {
    const out: string[] = [];
    const log = jest.spyOn(console, "log").mockImplementation((s) => void out.push(String(s)));
    process.exitCode = undefined;
    try {
      await driftCommand(
        {
          stack: STACK,
          json: extra.json,
          slackWebhook: webhook(),
          alertState: path.join(work, "alerts.json"),
          metricsFile: path.join(work, "drift.prom"),
        },
        async () => fakeStack(events, extra.fail ?? true),
      );
    } finally {
      log.mockRestore();
    }
    const code = process.exitCode;
    process.exitCode = undefined;
    return { code, stdout: out.join("\n") };
  }
  const prevQuiet = process.env.SOPHIA_QUIET;
  beforeAll(() => {
    process.env.SOPHIA_QUIET = "1";
  });
  afterAll(() => {
    if (prevQuiet === undefined) delete process.env.SOPHIA_QUIET;
    else process.env.SOPHIA_QUIET = prevQuiet;
  });

  test("reports both integrations, exits 8, alerts Slack once, metrics show the partial failure", async () => {
    const first = await run(lambdaDownEvents(), { json: true });
    expect(first.code).toBe(EXIT.driftUnreadable);
    const report = JSON.parse(first.stdout) as DriftReport & { alerted: number; advice: string[] };
    expect(report.status).toBe("unreadable");
    expect(report.drifted.map((d) => `${d.integration} ${d.name}`)).toEqual(["airbyte airbyte-postgres"]);
    expect(report.integrations.map((i) => `${i.integration}:${i.status}`)).toEqual([
      "airbyte:drifted",
      "lambda:unreadable",
    ]);
    expect(report.alerted).toBe(2);
    expect(report.advice.join("\n")).toContain(`pulumi up --refresh --stack ${STACK} --target '${PG}'`);

    const sent = await messages();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain("airbyte-postgres configuration.port");
    expect(sent[0]).toContain(`could not read lambda: ${LAMBDA_503}`);
    expect(sent[0]).not.toContain("at __apiError");

    const prom = readFileSync(path.join(work, "drift.prom"), "utf8");
    expect(prom).toContain(`sophia_drift_check_success{stack="${STACK}"} 0`);
    expect(prom).toContain(`sophia_drift_resources{stack="${STACK}"} 1`);
    expect(prom).toContain(`sophia_drift_unreadable_resources{stack="${STACK}"} 2`);
    expect(prom).toContain(`sophia_drift_integration_readable{stack="${STACK}",integration="lambda"} 0`);
    expect(prom).toContain(`sophia_drift_integration_readable{stack="${STACK}",integration="airbyte"} 1`);

    // the same incidents on the next run: reported again, not alerted again
    const second = await run(lambdaDownEvents());
    expect(second.code).toBe(EXIT.driftUnreadable);
    expect(await messages()).toHaveLength(1);
    const lines = second.stdout.split("\n");
    expect(lines.find((l) => l.startsWith("lambda"))).toMatch(
      /^lambda\s+2\s+could not be read \(2 of 2\): Lambda API GET \/api\/v1\/ssh-keys failed with 503: .* \(and 1 other error\)$/,
    );
    expect(lines.find((l) => l.startsWith("airbyte "))).toMatch(/^airbyte\s+2\s+drifted \(1 of 2\)$/);
    expect(second.stdout).toContain(
      "a plain `pulumi up` compares with the stack's state only and leaves the drift in place",
    );
    expect(second.stdout).toContain(`\`sophia check --stack ${STACK} --only lambda\``);
    expect(second.stdout).not.toContain("engine output");
    expect(lines.length).toBeLessThan(20);
  });

  test("drift on a resource that could not be read is remembered: no second alert once it is read again", async () => {
    // Airbyte down now (its drift unknown), Lambda back
    const airbyteDown: Ev[] = [
      pre(PG),
      pre(KEY),
      outputs(KEY, "same", {}, {}),
      diag("error", "Preview failed: Airbyte API GET /destinations/1 failed with 502: bad gateway\n", PG),
    ];
    const r = await run(airbyteDown);
    expect(r.code).toBe(EXIT.driftUnreadable);
    const sent = await messages();
    expect(sent).toHaveLength(2); // the Airbyte outage is news
    expect(sent[1]).toContain(
      "could not read airbyte: Airbyte API GET /destinations/1 failed with 502: bad gateway",
    );
    // Airbyte back, with the same drift as before and Lambda fine: nothing new to tell
    const back = await run(
      lambdaDownEvents().filter(
        (e) => !e.diagnosticEvent && !e.resourcePreEvent?.metadata.urn.includes("lambda"),
      ),
      {
        fail: false,
      },
    );
    expect(back.code).toBe(EXIT.drift);
    expect(await messages()).toHaveLength(2);
  });

  test("a preview that read nothing fails with the engine's error line, not its output", async () => {
    const events: Ev[] = [
      diag("error", "failed to decrypt: incorrect passphrase\n"),
      diag("error", "preview failed\n"),
    ];
    await expect(run(events)).rejects.toThrow(
      /^the refresh preview failed: failed to decrypt: incorrect passphrase$/,
    );
    expect(readFileSync(path.join(work, "drift.prom"), "utf8")).toContain(
      `sophia_drift_check_success{stack="${STACK}"} 0`,
    );
  });
});
