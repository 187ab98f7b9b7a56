// A local run of the workflows: the `run:` steps of a job, read from .github/workflows and executed in
// order as the runner would, against the sandbox — the real engine, the stand-ins (Airbyte, GitHub, Slack),
// the real PostgreSQL and Redis of scripts/services.sh — on a stack of this test's own on a temporary file
// backend. GitHub's contexts become the sandbox's (a table below; an expression it does not know fails the
// test, so a workflow cannot drift away from what is run here). `uses:` steps are GitHub's machinery
// (checkout, Node.js, the Pulumi CLI, OIDC credentials): here the checkout, node_modules and the engine
// of scripts/engine.sh stand in for them. The steps run in a workspace of links to the checkout (bin/,
// scripts/), so what they write (previews/, ...) stays out of it.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { COMMENT_MARKER } from "../../cli/ci/comment";
import { INCIDENT_LABEL } from "../../cli/ci/incidents";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { GITHUB_SANDBOX } from "../../sandbox/github";
import { SLACK_SANDBOX } from "../../sandbox/slack";
import { ensureEngine, localStack, ROOT, SANDBOX_PASSPHRASE } from "../../scripts/lib";
import { runProcess } from "../helpers/cli";
import { airbyteStackConfig, startTestSandbox, type TestSandbox } from "../helpers/sandbox";
import { testServices } from "../helpers/services";

jest.setTimeout(300_000);

const services = testServices();

let sb: TestSandbox;
let stack: Stack;
let work: string;
let workspace: string;
const stackName = `ci-${process.pid}`;
const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();

/** GitHub's contexts in the sandbox: every expression the workflows' env may hold. */
function contexts(): Record<string, string> {
  return {
    "secrets.PULUMI_BACKEND_URL": `file://${path.join(work, "state")}`,
    "secrets.PULUMI_CONFIG_PASSPHRASE": SANDBOX_PASSPHRASE,
    // no Pulumi Cloud here: the file backend needs no token
    "steps.credentials.outputs.pulumi-access-token || secrets.PULUMI_ACCESS_TOKEN": "",
    "secrets.SLACK_WEBHOOK_URL": `${sb.url("slack")}${SLACK_SANDBOX.webhookPath}`,
    "github.token": GITHUB_SANDBOX.token,
    "inputs.stack || 'staging'": stackName,
    "matrix.stack": stackName,
    "github.event.pull_request.number": String(GITHUB_SANDBOX.pullRequest),
    "github.event.pull_request.head.sha": sha,
    "needs.stacks.outputs.plan": JSON.stringify({ touched: [stackName], preview: [stackName], skipped: [] }),
  };
}

function resolve(value: unknown): string {
  return String(value).replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, e: string) => {
    const known = contexts();
    if (!(e in known)) throw new Error(`the local run does not know the expression ${e}`);
    return known[e];
  });
}

interface StepRun {
  name: string;
  run: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `run:` steps of `job` in `file` in order, stopping at the first that fails (as a runner does). */
async function localRun(
  file: string,
  job: string,
): Promise<{ steps: StepRun[]; skipped: string[]; summary: string; outputs: string }> {
  const doc = parse(readFileSync(path.join(ROOT, ".github", "workflows", file), "utf8"));
  const j = doc.jobs[job];
  const summary = path.join(work, `summary-${file}-${job}.md`);
  const outputs = path.join(work, `output-${file}-${job}`);
  writeFileSync(summary, "");
  writeFileSync(outputs, "");
  const steps: StepRun[] = [];
  const skipped: string[] = [];
  for (const step of j.steps) {
    if (!step.run) {
      skipped.push(step.uses);
      continue;
    }
    const env: Record<string, string | undefined> = {
      // what GitHub Actions sets for every job, pointed at the stand-ins
      GITHUB_REPOSITORY: `${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}`,
      GITHUB_API_URL: sb.url("github"),
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_RUN_ID: "4242",
      GITHUB_OUTPUT: outputs,
      GITHUB_STEP_SUMMARY: summary,
      SOPHIA_QUIET: "1",
    };
    // only what the workflow gives the step (undefined: removed from the inherited environment)
    env.GITHUB_TOKEN = undefined;
    env.SLACK_WEBHOOK_URL = undefined;
    for (const [k, v] of Object.entries({ ...(doc.env ?? {}), ...(j.env ?? {}), ...(step.env ?? {}) }))
      env[k] = resolve(v);
    const run = await runProcess("bash", ["-e", "-c", step.run], { cwd: workspace, env });
    const r: StepRun = { name: step.name ?? step.run, run: step.run, ...run };
    steps.push(r);
    if (r.code !== 0) break;
  }
  return { steps, skipped, summary: readFileSync(summary, "utf8"), outputs: readFileSync(outputs, "utf8") };
}

const codes = (r: { steps: StepRun[] }) => r.steps.map((s) => [s.run, s.code]);
const slackTexts = async () => (await sb.admin("slack").objects("messages")).map((m) => String(m.text));
const incidents = async () =>
  ((await sb.admin("github").objects("issues")) as any[]).filter((i) => i.labels.includes(INCIDENT_LABEL));

beforeAll(async () => {
  ensureEngine({ quiet: true });
  sb = await startTestSandbox(["airbyte", "github", "slack"]);
  work = mkdtempSync(path.join(tmpdir(), "sophia-ci-"));
  workspace = path.join(work, "workspace");
  mkdirSync(workspace);
  for (const d of ["bin", "scripts", "package.json"])
    symlinkSync(path.join(ROOT, d), path.join(workspace, d));
  // the stack exists with its config, as a real stack does before CI first deploys it; nothing is deployed
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
      {
        airbyteClientSecret: AIRBYTE_SANDBOX.clientSecret,
        gongAccessKey: "ci-gong-key-5d1e",
        gongAccessKeySecret: "ci-gong-secret-8c2f",
        postgresPassword: "sophia-test-writer",
        redisPassword: "sophia-test-redis",
      },
    ),
  );
});

afterAll(async () => {
  const violations = sb
    ? (await Promise.all(["airbyte", "github", "slack"].map((s) => sb.admin(s).violations()))).flat()
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

test("deploy.yml: the deploy job's commands bring the stack up with the policy pack, then check it", async () => {
  const run = await localRun("deploy.yml", "deploy");
  expect(run.skipped).toEqual([
    expect.stringMatching(/^actions\/checkout@/),
    "./.github/actions/setup",
    "./.github/actions/stack-credentials",
  ]);
  expect(codes(run)).toEqual([
    ['bash bin/sophia ci watch deploy --stack "$STACK"', 0],
    ['bash bin/sophia ci watch check --stack "$STACK"', 0],
  ]);
  expect(run.steps[0].stdout).toContain(`sophia deploy on ${stackName}: ok`);
  expect(run.steps[1].stdout).toContain(`sophia check on ${stackName}: ok`);
  expect(run.summary).toContain(`up of \`${stackName}\`: 6 created`);
  expect(run.outputs).toBe("status=ok\nstatus=ok\n");
  // what the up made, in the stand-in
  const [sources, destinations, connections] = await Promise.all(
    ["sources", "destinations", "connections"].map((k) => sb.admin("airbyte").objects(k)),
  );
  expect([sources.length, destinations.length, connections.length]).toEqual([1, 2, 1]);
  // nothing failed: no incident, no alert
  expect(await incidents()).toEqual([]);
  expect(await slackTexts()).toEqual([]);

  // the next push to main: the same commands, nothing to change
  const again = await localRun("deploy.yml", "deploy");
  expect(codes(again).map(([, c]) => c)).toEqual([0, 0]);
  expect(again.summary).toContain(`up of \`${stackName}\`: no changes`);
});

test("pull-request.yml: the preview job's command and the comment job's, one comment on the pull request", async () => {
  const preview = await localRun("pull-request.yml", "preview");
  expect(codes(preview)).toEqual([
    ['bash bin/sophia ci preview --stack "$STACK" --result "previews/$STACK.json"', 0],
  ]);
  const result = JSON.parse(readFileSync(path.join(workspace, "previews", `${stackName}.json`), "utf8"));
  expect(result).toMatchObject({
    stack: stackName,
    operation: "preview",
    status: "ok",
    violations: [],
    error: null,
  });
  expect(result.changes).toEqual({ same: 6 });

  const comment = await localRun("pull-request.yml", "comment");
  expect(codes(comment)).toEqual([
    ['bash bin/sophia ci pr-comment --pr "$PR" --plan "$PLAN" --results previews --sha "$SHA"', 0],
  ]);
  await localRun("pull-request.yml", "comment"); // the next push: updated, not added
  const ours = ((await sb.admin("github").objects("comments")) as any[]).filter(
    (c) => c.issue === GITHUB_SANDBOX.pullRequest && c.body.startsWith(COMMENT_MARKER),
  );
  expect(ours).toHaveLength(1);
  expect(ours[0].body).toContain(`| \`${stackName}\` | ✅ passed | no changes | passed |`);
  expect(ours[0].body).toContain(`commit \`${sha.slice(0, 12)}\``);
});

test("check.yml: a failing check opens one incident and tells Slack once; passing again closes it", async () => {
  // Airbyte refuses the application's credentials from now on
  const token = "POST /applications/token";
  await sb.admin("airbyte").fault({ route: token, status: 401, count: 1000 });
  const failing = await localRun("check.yml", "check");
  expect(codes(failing)).toEqual([['bash bin/sophia ci watch check --stack "$STACK"', 4]]);
  expect(failing.steps[0].stdout).toMatch(/airbyte \(authenticated\)/);
  expect(failing.outputs).toBe("status=failing\n");
  const [incident] = await incidents();
  expect(incident).toMatchObject({ state: "open", title: `Incident: sophia check failing on ${stackName}` });
  expect(await slackTexts()).toEqual([
    expect.stringMatching(/:rotating_light: \*sophia check\* on \*ci-\d+\* is failing/),
  ]);

  // six hours later, still failing: the job fails again, Slack hears nothing new
  expect(codes(await localRun("check.yml", "check"))).toEqual([
    ['bash bin/sophia ci watch check --stack "$STACK"', 4],
  ]);
  expect(await slackTexts()).toHaveLength(1);

  await sb.admin("airbyte").clearFaults();
  const fixed = await localRun("check.yml", "check");
  expect(codes(fixed)).toEqual([['bash bin/sophia ci watch check --stack "$STACK"', 0]]);
  expect((await incidents()).map((i) => [i.number, i.state])).toEqual([[incident.number, "closed"]]);
  const texts = await slackTexts();
  expect(texts).toHaveLength(2);
  expect(texts[1]).toMatch(/^:white_check_mark: \*sophia check\* on \*ci-\d+\* passes again/);
});
