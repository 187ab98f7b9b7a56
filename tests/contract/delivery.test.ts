// The decisions the GitHub Actions workflows delegate to `sophia ci` (README, Delivery), against the GitHub
// and Slack stand-ins: which stacks a change touches, the pull request's one comment (found again and
// updated, across pages), the incident memory that tells Slack once per incident, the exit codes that fail
// a job, and the release's dispatch of the production workflow. Every exchange is validated against
// GitHub's published description (@octokit/openapi) and Slack's.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { COMMENT_MARKER, readResults, renderComment, upsertComment } from "../../cli/ci/comment";
import { GithubRest, parseLink } from "../../cli/ci/github";
import {
  findIncident,
  INCIDENT_LABEL,
  type Outcome,
  recordOutcome,
  slackNotifier,
} from "../../cli/ci/incidents";
import type { OperationResult } from "../../cli/ci/pulumi";
import { dispatchRelease, verifyOnBranch } from "../../cli/ci/release";
import { changedFiles, planFor } from "../../cli/ci/stacks";
import { outcomeOf } from "../../cli/ci/watch";
import { GITHUB_SANDBOX } from "../../sandbox/github";
import { SLACK_SANDBOX } from "../../sandbox/slack";
import { type CliRun, runSophia } from "../helpers/cli";
import { type TestSandbox, useContractSandbox } from "../helpers/sandbox";

jest.setTimeout(60_000);

let sb: TestSandbox;
useContractSandbox(["github", "slack"], async (started) => {
  sb = started;
});

const REPO = `${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}`;
const env = (token = GITHUB_SANDBOX.token) => ({
  token,
  repository: REPO,
  apiUrl: sb.url("github"),
});
const bot = (pageSize?: number) => new GithubRest(env(), { baseDelayMs: 10, pageSize });
const person = () => new GithubRest(env(GITHUB_SANDBOX.userToken), { baseDelayMs: 10 });
const webhook = () => `${sb.url("slack")}${SLACK_SANDBOX.webhookPath}`;
const slackTexts = async () => (await sb.admin("slack").objects("messages")).map((m) => String(m.text));
const issues = async () => (await sb.admin("github").objects("issues")) as any[];

function result(stack: string, over: Partial<OperationResult> = {}): OperationResult {
  return {
    stack,
    operation: "preview",
    status: "ok",
    commit: "0123456789abcdef0123456789abcdef01234567",
    changes: { same: 6 },
    violations: [],
    error: null,
    durationMs: 1000,
    ...over,
  };
}

/** Runs bin/sophia with the stand-ins as GitHub and Slack. */
function sophia(args: string[], extra: Record<string, string> = {}): Promise<CliRun> {
  return runSophia(args, {
    env: {
      GITHUB_TOKEN: GITHUB_SANDBOX.token,
      GITHUB_REPOSITORY: REPO,
      GITHUB_API_URL: sb.url("github"),
      ...extra,
    },
  });
}

describe("which stacks a change touches", () => {
  const skippedProduction = [expect.objectContaining({ stack: "production" })];

  test("a program change touches every stack; the pull request previews all but production", () => {
    expect(planFor(["integrations/gong.ts", "README.md"])).toEqual({
      touched: ["development", "staging", "production"],
      preview: ["development", "staging"],
      skipped: skippedProduction,
    });
    for (const f of [
      "index.ts",
      "config.ts",
      "Pulumi.yaml",
      "package-lock.json",
      "providers/http/client.ts",
      "policy/rules.ts",
    ])
      expect(planFor([f]).touched).toEqual(["development", "staging", "production"]);
  });

  test("a stack's own file touches that stack; development is always previewed", () => {
    expect(planFor(["Pulumi.staging.yaml"])).toEqual({
      touched: ["staging"],
      preview: ["development", "staging"],
      skipped: [],
    });
    expect(planFor(["Pulumi.production.yaml"])).toEqual({
      touched: ["production"],
      preview: ["development"],
      skipped: skippedProduction,
    });
  });

  test("docs, tests, the CLI and stacks CI does not deploy touch nothing", () => {
    expect(
      planFor([
        "README.md",
        "cli/check.ts",
        "tests/unit/x.test.ts",
        "Pulumi.sandbox.yaml",
        "Pulumi.scratch-a.yaml",
        ".github/workflows/deploy.yml",
      ]),
    ).toEqual({ touched: [], preview: ["development"], skipped: [] });
  });

  test("the files of a change come from git, from the merge base to the head", () => {
    const repo = mkdtempSync(path.join(tmpdir(), "sophia-git-"));
    try {
      const git = (...a: string[]) =>
        execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...a], {
          cwd: repo,
          encoding: "utf8",
        }).trim();
      git("init", "-q", "-b", "main");
      writeFileSync(path.join(repo, "README.md"), "a\n");
      git("add", ".");
      git("commit", "-qm", "base");
      git("checkout", "-qb", "topic");
      writeFileSync(path.join(repo, "Pulumi.staging.yaml"), "config: {}\n");
      git("add", ".");
      git("commit", "-qm", "topic");
      git("checkout", "-q", "main");
      writeFileSync(path.join(repo, "index.ts"), "// main moved on\n");
      git("add", ".");
      git("commit", "-qm", "main");
      // what the pull request changes, not what main did since it branched
      expect(changedFiles("main", "topic", repo)).toEqual(["Pulumi.staging.yaml"]);
      expect(() => changedFiles("nope", "topic", repo)).toThrow(/fetch-depth: 0/);
      // the production deploy's guard: only commits on main
      git("tag", "v1", "main");
      git("tag", "v0-topic", "topic");
      expect(verifyOnBranch("v1", "main", repo)).toBe(git("rev-parse", "main"));
      expect(() => verifyOnBranch("v0-topic", "main", repo)).toThrow(/is not on main/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe("the pull request's one comment", () => {
  const plan = planFor(["integrations/gong.ts"]);
  const results = {
    development: result("development", { changes: { create: 2, update: 1, same: 4 } }),
    staging: result("staging", {
      status: "failed",
      changes: {},
      error: "1 policy violation(s)",
      violations: [
        {
          policy: "no-plaintext-credentials",
          pack: "sophia-guardrails",
          level: "mandatory",
          resource: "urn:pulumi:staging::sophia-ai::x",
          message: "configuration.username looks like a credential but is not kept secret @someone",
        },
      ],
    }),
  };

  test("its body: a row per stack, the failures spelled out, production's reason, no mentions", () => {
    const { body, failed } = renderComment({ plan, results, sha: "abcdef0123456789", runUrl: "https://run" });
    expect(failed).toEqual(["staging"]);
    expect(body.split("\n")[0]).toBe(COMMENT_MARKER);
    expect(body).toContain("| `development` | ✅ passed | 2 to create, 1 to update | passed |");
    expect(body).toContain("| `staging` | ❌ failed |  | 1 violation(s) |");
    expect(body).toContain("policy `no-plaintext-credentials` (mandatory)");
    expect(body).toContain(
      "`configuration.username looks like a credential but is not kept secret @someone`",
    );
    expect(body).toMatch(
      /\| `production` \| ⏭️ not previewed here \| \| a pull request cannot use production's credentials/,
    );
    expect(body).toContain("commit `abcdef012345` · [run](https://run)");
    // a stack the plan previews without a result (its job died) fails too
    expect(renderComment({ plan, results: { development: results.development } }).failed).toEqual([
      "staging",
    ]);
    expect(renderComment({ plan, results: { ...results, staging: result("staging") } }).failed).toEqual([]);
  });

  test("created once, then updated in place on every push, found across pages; a person's quote is left alone", async () => {
    const pr = GITHUB_SANDBOX.pullRequest;
    // a busy pull request: people's comments, one quoting the marker
    for (let i = 0; i < 6; i++) {
      await person().call("POST", `/repos/${REPO}/issues/${pr}/comments`, {
        body: i === 2 ? `${COMMENT_MARKER}\nquoted` : `comment ${i}`,
      });
    }
    const gh = bot(4); // pages of 4: the comment is found by following Link headers
    const first = await upsertComment(gh, pr, `${COMMENT_MARKER}\nfirst push`);
    expect(first.action).toBe("created");
    for (let i = 0; i < 5; i++)
      await person().call("POST", `/repos/${REPO}/issues/${pr}/comments`, { body: `later ${i}` });
    await sb.admin("github").reset();
    const second = await upsertComment(gh, pr, `${COMMENT_MARKER}\nsecond push`);
    expect(second).toEqual({ action: "updated", id: first.id, url: first.url });
    const counts = await sb.admin("github").counts();
    expect(counts).toEqual({
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": 3, // 12 comments, pages of 4
      "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": 1,
    });
    expect(await upsertComment(gh, pr, `${COMMENT_MARKER}\nsecond push`)).toEqual({
      ...second,
      action: "unchanged",
    });
    const comments = ((await sb.admin("github").objects("comments")) as any[]).filter((c) => c.issue === pr);
    const ours = comments.filter((c) => c.body.startsWith(COMMENT_MARKER));
    expect(ours.map((c) => [c.user.login, c.body])).toEqual([
      ["sophia-dev", `${COMMENT_MARKER}\nquoted`],
      ["github-actions[bot]", `${COMMENT_MARKER}\nsecond push`],
    ]);
  });

  test("the Link header as GitHub writes it", async () => {
    const page = await bot().call(
      "GET",
      `/repos/${REPO}/issues/${GITHUB_SANDBOX.pullRequest}/comments?per_page=3&page=2`,
    );
    expect(Object.keys(page.link).sort()).toEqual(["first", "last", "next", "prev"]);
    expect(new URL(page.link.next).searchParams.get("page")).toBe("3");
    expect(new URL(page.link.next).searchParams.get("per_page")).toBe("3");
    expect(parseLink('<https://x/a?page=2>; rel="next", <https://x/a?page=9>; rel="last"')).toEqual({
      next: "https://x/a?page=2",
      last: "https://x/a?page=9",
    });
  });

  test("a link off the API's origin is not followed with the token", async () => {
    await expect(bot().call("GET", "https://example.com/repos/x")).rejects.toThrow(/refusing to follow/);
  });

  test("`sophia ci pr-comment` fails the check when a preview failed, passes when all passed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sophia-previews-"));
    try {
      mkdirSync(path.join(dir, "preview-staging"));
      writeFileSync(path.join(dir, "development.json"), JSON.stringify(results.development));
      writeFileSync(path.join(dir, "preview-staging", "staging.json"), JSON.stringify(results.staging));
      expect(Object.keys(readResults(dir)).sort()).toEqual(["development", "staging"]);
      const args = [
        "ci",
        "pr-comment",
        "--pr",
        String(GITHUB_SANDBOX.pullRequest),
        "--plan",
        JSON.stringify(plan),
        "--results",
        dir,
      ];
      const failing = await sophia(args);
      expect([failing.code, failing.stdout]).toEqual([1, expect.stringContaining("; failed: staging")]);
      writeFileSync(path.join(dir, "preview-staging", "staging.json"), JSON.stringify(result("staging")));
      const passing = await sophia(args);
      expect([passing.code, passing.stdout]).toEqual([0, expect.stringMatching(/^updated http/)]);
      const bad = await sophia(["ci", "pr-comment", "--pr", "1", "--plan", "{}", "--results", dir]);
      expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining("--plan must be the JSON plan")]);
      const noToken = await sophia(args, { GITHUB_TOKEN: "" });
      expect([noToken.code, noToken.stderr]).toEqual([
        2,
        expect.stringContaining("GITHUB_TOKEN must be set"),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("incidents: Slack hears once per incident", () => {
  const failing = (kind: string, stack: string, ...ids: string[]): Outcome => ({
    kind,
    stack,
    status: "failing",
    findings: ids.map((id) => ({ id, text: `${id} failed` })),
  });
  const ok = (kind: string, stack: string): Outcome => ({ kind, stack, status: "ok", findings: [] });

  test("opened and told once, quiet while it lasts, told of news, closed and told when it passes", async () => {
    const gh = bot();
    const notify = slackNotifier(webhook());
    const before = (await slackTexts()).length;
    const told = async () => (await slackTexts()).slice(before);

    expect(await recordOutcome(gh, notify, ok("check", "staging"))).toEqual({ action: "none", alerted: 0 });
    const opened = await recordOutcome(gh, notify, failing("check", "staging", "gong:authenticated"), {
      runUrl: "https://run/1",
    });
    expect(opened).toMatchObject({ action: "opened", alerted: 1 });
    const issue = (await issues()).find((i) => i.number === opened.issue!.number);
    expect(issue).toMatchObject({
      state: "open",
      labels: [INCIDENT_LABEL],
      title: "Incident: sophia check failing on staging",
    });
    expect(issue.body).toContain("gong:authenticated failed");

    // six hours later, the same failure: nothing new
    expect(await recordOutcome(gh, notify, failing("check", "staging", "gong:authenticated"))).toMatchObject({
      action: "unchanged",
      alerted: 0,
      issue: opened.issue,
    });
    // Snowflake fails too: only that is news
    expect(
      await recordOutcome(
        gh,
        notify,
        failing("check", "staging", "gong:authenticated", "snowflake:reachable"),
      ),
    ).toMatchObject({
      action: "updated",
      alerted: 1,
    });
    // Gong is fixed, Snowflake goes on: quiet
    expect(await recordOutcome(gh, notify, failing("check", "staging", "snowflake:reachable"))).toMatchObject(
      { alerted: 0 },
    );
    // another kind on the same stack is another incident
    const drift = await recordOutcome(gh, notify, failing("drift", "staging", "abc"));
    expect(drift.issue!.number).not.toBe(opened.issue!.number);
    // passes: closed, and told once
    expect(
      await recordOutcome(gh, notify, ok("check", "staging"), { runUrl: "https://run/9" }),
    ).toMatchObject({
      action: "resolved",
      alerted: 1,
      issue: opened.issue,
    });
    expect(await recordOutcome(gh, notify, ok("check", "staging"))).toEqual({ action: "none", alerted: 0 });
    expect((await issues()).find((i) => i.number === opened.issue!.number)).toMatchObject({
      state: "closed",
      state_reason: "completed",
    });
    // Gong breaks again later: a new incident
    const again = await recordOutcome(gh, notify, failing("check", "staging", "gong:authenticated"));
    expect(again).toMatchObject({ action: "opened", alerted: 1 });
    expect(again.issue!.number).not.toBe(opened.issue!.number);

    const texts = await told();
    expect(texts).toHaveLength(5);
    expect(texts[0]).toMatch(
      /^:rotating_light: \*sophia check\* on \*staging\* is failing: incident <.*\|#\d+> · <https:\/\/run\/1\|run>\n• gong:authenticated failed$/,
    );
    expect(texts[1]).toMatch(/1 new finding\(s\)[^\n]*\n• snowflake:reachable failed$/);
    expect(texts[2]).toMatch(/\*sophia drift\* on \*staging\* is failing/);
    expect(texts[3]).toMatch(
      /^:white_check_mark: \*sophia check\* on \*staging\* passes again; incident <.*\|#\d+> \(open since .*\) is closed · <https:\/\/run\/9\|run>$/,
    );
    expect(texts[4]).toMatch(/is failing/);
    await recordOutcome(gh, notify, ok("check", "staging"));
    await recordOutcome(gh, notify, ok("drift", "staging"));
  });

  test("the memory survives between runs on fresh machines: it is found again among pages of issues and pull requests", async () => {
    // a pull request dressed as an incident (the issues endpoint lists pull requests too) and many others
    await bot().call("PATCH", `/repos/${REPO}/issues/${GITHUB_SANDBOX.pullRequest}`, {
      labels: [INCIDENT_LABEL],
      body: `<!-- sophia-incident {"key":"check/development","opened":"x","alerted":["a"]} -->`,
    });
    for (let i = 0; i < 7; i++) await recordOutcome(bot(), undefined, failing("check", `other-${i}`, "x"));
    const gh = bot(3);
    const notify = slackNotifier(webhook());
    const first = await recordOutcome(gh, notify, failing("check", "development", "a"));
    expect(first).toMatchObject({ action: "opened", alerted: 1 });
    for (let i = 0; i < 3; i++) await recordOutcome(bot(), undefined, failing("check", `later-${i}`, "x"));
    // a new process, a new client: the incident is found on a later page, not opened twice
    const found = await findIncident(bot(3), "check/development");
    expect(found?.issue.number).toBe(first.issue!.number);
    expect(await recordOutcome(bot(3), notify, failing("check", "development", "a"))).toMatchObject({
      action: "unchanged",
      alerted: 0,
    });
    await recordOutcome(bot(), notify, ok("check", "development"));
  });

  test("a Slack failure is retried on the next run, never lost; without a webhook the incident is still kept", async () => {
    const gh = bot();
    const notify = slackNotifier(webhook());
    await sb
      .admin("slack")
      .fault({ route: "POST /services/{team}/{channel}/{token}", status: 500, count: 1 });
    await expect(recordOutcome(gh, notify, failing("drift", "production", "d1"))).rejects.toThrow(
      "Slack answered 500",
    );
    const retried = await recordOutcome(gh, notify, failing("drift", "production", "d1"));
    expect(retried).toMatchObject({ action: "updated", alerted: 1 });
    expect(await recordOutcome(gh, notify, failing("drift", "production", "d1"))).toMatchObject({
      alerted: 0,
    });
    await recordOutcome(gh, notify, ok("drift", "production"));

    const silent = await recordOutcome(gh, undefined, failing("audit", "production", "gong:overdue"));
    expect(silent).toMatchObject({ action: "opened", alerted: 0, note: "SLACK_WEBHOOK_URL is not set" });
    // told nobody, so the first run with a webhook tells
    expect(await recordOutcome(gh, notify, failing("audit", "production", "gong:overdue"))).toMatchObject({
      alerted: 1,
    });
    await recordOutcome(gh, notify, ok("audit", "production"));
    expect(() => slackNotifier("http://hooks.example.com/services/x")).toThrow(/https/);
  });

  test("GitHub's 5xx on a read is retried; a refused token is an error", async () => {
    await sb.admin("github").fault({ route: "GET /repos/{owner}/{repo}/issues", status: 502, count: 1 });
    expect(await recordOutcome(bot(), undefined, ok("check", "nowhere"))).toEqual({
      action: "none",
      alerted: 0,
    });
    const stranger = new GithubRest({ ...env(), token: "not-a-token" }, { baseDelayMs: 10 });
    await expect(findIncident(stranger, "check/x")).rejects.toThrow(/401: Bad credentials/);
  });
});

describe("findings and exit codes from each command's report", () => {
  const run = (code: number, report: unknown, stderr = "") => ({
    code,
    stdout: typeof report === "string" ? report : JSON.stringify(report),
    stderr,
  });

  test("check: each failing integration, by integration and stage", () => {
    const report = {
      stack: "staging",
      status: "fail",
      checks: [
        { integration: "airbyte", status: "pass", stage: null, error: null },
        { integration: "gong", status: "fail", stage: "authenticated", error: "Gong refused the key" },
      ],
    };
    expect(outcomeOf("check", "staging", run(4, report))).toEqual({
      kind: "check",
      stack: "staging",
      exitCode: 4,
      status: "failing",
      findings: [{ id: "gong:authenticated", text: "gong (authenticated): Gong refused the key" }],
    });
    expect(outcomeOf("check", "staging", run(0, { ...report, checks: [report.checks[0]] }))).toMatchObject({
      status: "ok",
      exitCode: 0,
      findings: [],
    });
  });

  test("drift: one finding per drifted property, with drift's own identity", () => {
    const report = {
      stack: "staging",
      drifted: [
        {
          urn: "urn:a",
          type: "t",
          name: "airbyte-postgres",
          kind: "update",
          properties: [{ path: "configuration.port", old: 5432, new: 6543 }],
        },
        { urn: "urn:b", type: "t", name: "gone", kind: "delete", properties: [] },
      ],
      ignored: [],
      expiredRules: [],
    };
    const o = outcomeOf("drift", "staging", run(3, report));
    expect([o.status, o.exitCode, o.findings.map((f) => f.text)]).toEqual([
      "failing",
      3,
      ["drifted: airbyte-postgres configuration.port", "drifted: gone (deleted)"],
    ]);
    expect(o.findings[0].id).toMatch(/^[0-9a-f]{16}$/);
    // a different drifted value is a different finding
    const moved = structuredClone(report);
    moved.drifted[0].properties[0].new = 7000;
    expect(outcomeOf("drift", "staging", run(3, moved)).findings[0].id).not.toBe(o.findings[0].id);
    // a vendor that could not be read (exit 8) is a finding per integration and HTTP status
    const unreadable = (status: number) => ({
      ...report,
      drifted: [],
      integrations: [
        { integration: "airbyte", status: "clean", error: null },
        {
          integration: "gong",
          status: "unreadable",
          error: `Gong API GET /v2/x failed with ${status}: down`,
        },
      ],
    });
    const down = outcomeOf("drift", "staging", run(8, unreadable(503)));
    expect([down.status, down.exitCode, down.findings.map((f) => f.text)]).toEqual([
      "failing",
      8,
      ["could not read gong: Gong API GET /v2/x failed with 503: down"],
    ]);
    expect(outcomeOf("drift", "staging", run(8, unreadable(503))).findings[0].id).toBe(down.findings[0].id);
    expect(outcomeOf("drift", "staging", run(8, unreadable(401))).findings[0].id).not.toBe(
      down.findings[0].id,
    );
  });

  test("audit: overdue is an incident; due is not, but tells the workflow to rotate", () => {
    const row = (service: string, status: string) => ({ service, status, ageDays: 100, maxAgeDays: 90 });
    expect(
      outcomeOf("audit", "production", run(0, { credentials: [row("gong", "due"), row("estuary", "ok")] })),
    ).toMatchObject({
      status: "ok",
      exitCode: 0,
      due: true,
      findings: [],
    });
    expect(outcomeOf("audit", "production", run(0, { credentials: [row("gong", "ok")] })).due).toBe(false);
    expect(
      outcomeOf("audit", "production", run(5, { credentials: [row("snowflake", "overdue")] })),
    ).toMatchObject({
      status: "failing",
      exitCode: 5,
      due: true,
      findings: [{ id: "snowflake:overdue", text: "snowflake credential overdue: 100 days old, at most 90" }],
    });
  });

  test("rotate: a reverted or failed rotation; nothing due is fine", () => {
    const report = (outcomes: unknown[], error: string | null = null) => ({
      stack: "s",
      due: true,
      dryRun: false,
      outcomes,
      error,
    });
    expect(
      outcomeOf("rotate", "s", run(0, report([{ service: "gong", status: "skipped-not-due", detail: "" }]))),
    ).toMatchObject({
      status: "ok",
    });
    expect(
      outcomeOf(
        "rotate",
        "s",
        run(6, report([{ service: "gong", status: "reverted", detail: "the receiver refused it" }])),
      ),
    ).toMatchObject({
      status: "failing",
      exitCode: 6,
      findings: [{ id: "gong:reverted", text: "gong rotation reverted: the receiver refused it" }],
    });
    // stopped before rotating anything: its report's error is the finding
    expect(
      outcomeOf("rotate", "s", run(1, report([], 'stack "s" does not exist in this backend'))),
    ).toMatchObject({
      exitCode: 1,
      findings: [{ id: "could-not-run", text: expect.stringContaining('stack "s" does not exist') }],
    });
  });

  test("deploy: a policy violation per rule and resource, or the engine's error", () => {
    const failed = result("staging", {
      operation: "up",
      status: "failed",
      error: "1 policy violation(s)",
      violations: [{ policy: "p", pack: "k", level: "mandatory", resource: "urn:x", message: "m" }],
    });
    expect(outcomeOf("deploy", "staging", run(1, failed)).findings).toEqual([
      { id: "policy:p:urn:x", text: "policy p: m" },
    ]);
    expect(
      outcomeOf("deploy", "staging", run(1, { ...failed, violations: [], error: "boom" })).findings,
    ).toEqual([{ id: "up", text: "up failed: boom" }]);
  });

  test("a command that could not run is a finding of its own, and fails the job", () => {
    expect(
      outcomeOf("check", "x", run(1, "", '… reading\nerror: stack "x" does not exist in this backend\n')),
    ).toEqual({
      kind: "check",
      stack: "x",
      exitCode: 1,
      status: "failing",
      findings: [
        {
          id: "could-not-run",
          text: 'sophia check --stack x --json could not run (exit 1): error: stack "x" does not exist in this backend',
        },
      ],
    });
    expect(outcomeOf("drift", "x", run(2, { drifted: [] })).status).toBe("failing");
  });

  test("`sophia ci watch` end to end: a check that cannot run opens an incident, tells Slack, fails the job", async () => {
    const state = mkdtempSync(path.join(tmpdir(), "sophia-empty-backend-"));
    const output = path.join(state, "github-output");
    writeFileSync(output, "");
    try {
      const extra = {
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: "unused",
        SLACK_WEBHOOK_URL: webhook(),
        GITHUB_OUTPUT: output,
      };
      const before = (await slackTexts()).length;
      const first = await sophia(["ci", "watch", "check", "--stack", "nowhere"], extra);
      expect(first.code).toBe(1);
      expect(first.stdout).toMatch(/could not run \(exit 1\): error: stack "nowhere" does not exist/);
      expect(first.stdout).toMatch(/incident: opened .*; Slack told of 1/);
      expect(readFileSync(output, "utf8")).toBe("status=failing\n");
      const second = await sophia(["ci", "watch", "check", "--stack", "nowhere"], extra);
      expect([second.code, second.stdout]).toEqual([
        1,
        expect.stringMatching(/incident: unchanged .*; Slack told of 0/),
      ]);
      expect((await slackTexts()).length).toBe(before + 1);
      const usage = await sophia(["ci", "watch", "chek", "--stack", "nowhere"], extra);
      expect([usage.code, usage.stderr]).toEqual([
        2,
        expect.stringContaining("<kind> must be one of check, drift, audit, rotate, deploy"),
      ]);
    } finally {
      rmSync(state, { recursive: true, force: true });
      await recordOutcome(bot(), undefined, { kind: "check", stack: "nowhere", status: "ok", findings: [] });
    }
  });
});

describe("a release dispatches the production workflow on main", () => {
  test("with the input production.yml declares; GitHub's refusals of a bad dispatch are errors", async () => {
    await dispatchRelease(bot(), { tag: "v1.2.3", workflow: "production.yml", branch: "main" });
    const dispatches = await sb.admin("github").objects("dispatches");
    expect(dispatches.map(({ workflow, ref, inputs }) => ({ workflow, ref, inputs }))).toEqual([
      { workflow: "production.yml", ref: "main", inputs: { ref: "v1.2.3" } },
    ]);
    await expect(
      dispatchRelease(bot(), { tag: "v1", workflow: "pull-request.yml", branch: "main" }),
    ).rejects.toThrow("422: Workflow does not have 'workflow_dispatch' trigger");
    await expect(dispatchRelease(bot(), { tag: "v1", workflow: "nope.yml", branch: "main" })).rejects.toThrow(
      "404",
    );
    await expect(
      bot().call("POST", `/repos/${REPO}/actions/workflows/deploy.yml/dispatches`, {
        ref: "main",
        inputs: { stack: "production" },
      }),
    ).rejects.toThrow("not in the list of allowed values");
  });
});
