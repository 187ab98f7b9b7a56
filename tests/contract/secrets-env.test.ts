// `sophia secrets import-env` refusing a file with bad lines, and `sync-github` pushing a stack's secrets
// to the GitHub stand-in under the names users know, leaving the program's own secrets alone.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../cli/main";
import { pushPlan, syncGithub } from "../../cli/secrets/github";
import { GITHUB_SANDBOX } from "../../sandbox/github";
import { type Admin, startTestSandbox, type TestSandbox } from "../helpers/sandbox";

jest.setTimeout(60_000);

type Values = Map<string, { value: string; secret: boolean }>;
const values = (plain: Record<string, string>, secret: Record<string, string>): Values =>
  new Map([
    ...Object.entries(plain).map(([k, v]): [string, { value: string; secret: boolean }] => [
      k,
      { value: v, secret: false },
    ]),
    ...Object.entries(secret).map(([k, v]): [string, { value: string; secret: boolean }] => [
      k,
      { value: v, secret: true },
    ]),
  ]);

/** Runs the CLI in this process, capturing what it prints. */
async function sophia(args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const log = jest.spyOn(console, "log").mockImplementation((...a) => {
    out += `${a.join(" ")}\n`;
  });
  const capture = (s: string | Uint8Array) => {
    out += String(s);
    return true;
  };
  const err = jest.spyOn(process.stderr, "write").mockImplementation(capture);
  const std = jest.spyOn(process.stdout, "write").mockImplementation(capture);
  try {
    return { code: await main(args), out };
  } finally {
    log.mockRestore();
    err.mockRestore();
    std.mockRestore();
    process.exitCode = undefined;
  }
}

describe("import-env with bad lines", () => {
  it("exits 2 naming each bad line, shows no value, and writes nothing (no stack is even opened)", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "sophia-env-")), ".env");
    writeFileSync(
      file,
      [
        "POSTGRES_HOST=db.internal",
        "sk-live-0123456789abcdef", // a pasted key without a name
        "POSTGRES_PASSWORD='unclosed-s3cret",
      ].join("\n"),
    );
    // the stack does not exist: had the import got as far as the stack, it would exit 1 saying so
    const r = await sophia(["secrets", "import-env", "--env-file", file, "--stack", "no-such-stack-x"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("has 2 bad line(s); nothing was written");
    expect(r.out).toContain("line 2: not NAME=value");
    expect(r.out).toContain("line 3: POSTGRES_PASSWORD's ' quote is never closed");
    expect(r.out).not.toMatch(/sk-live-0123456789abcdef|unclosed-s3cret|db\.internal/);
  });

  it("declares --include-unknown", async () => {
    const r = await sophia(["secrets", "import-env", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("--include-unknown");
  });
});

describe("sync-github against the GitHub stand-in", () => {
  let sb: TestSandbox;
  let gh: Admin;
  beforeAll(async () => {
    sb = await startTestSandbox(["github"]);
    gh = sb.admin("github");
    process.env.GITHUB_API_URL = sb.url("github");
  });
  afterAll(async () => {
    const violations = await gh.violations();
    await sb.close();
    delete process.env.GITHUB_API_URL;
    expect(violations).toEqual([]);
  });
  const secretsOf = async (scope: string) =>
    Object.fromEntries(
      (await gh.objects("secrets")).filter((s) => s.scope === scope).map((s) => [s.name, s.value]),
    );
  const STACK_SECRETS = {
    "github:token": GITHUB_SANDBOX.token,
    "snowflake:password": "sf-admin-pass",
    gongAccessKey: "gong-key-1",
    slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/abcdefghij",
  };

  it("pushes a stack holding github:token, under the names users know, never the token", async () => {
    const repo = { kind: "repo" as const, name: `${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}` };
    const plan = pushPlan(values({}, STACK_SECRETS));
    await syncGithub(repo, plan.secrets, GITHUB_SANDBOX.token, true);
    expect(await secretsOf(`repo:${repo.name}`)).toEqual({
      GONG_ACCESS_KEY: "gong-key-1",
      SLACK_WEBHOOK_URL: STACK_SECRETS.slackWebhookUrl,
      SNOWFLAKE_PASSWORD: "sf-admin-pass",
    });
  });

  it("leaves an organization secret the program publishes as it is", async () => {
    const org = { kind: "org" as const, name: GITHUB_SANDBOX.org, visibility: "private" as const };
    // what the program's GitHub component published (githubCarryConfigCredentials)
    await syncGithub(org, { GONG_ACCESS_KEY: "published-by-the-program" }, GITHUB_SANDBOX.token, true);
    const plan = pushPlan(values({ githubEnabled: "true", githubRepository: "sophia-ai" }, STACK_SECRETS));
    expect(plan.skipped.map((s) => s.name).sort()).toEqual(["GITHUB_TOKEN", "GONG_ACCESS_KEY"]);
    await syncGithub(org, plan.secrets, GITHUB_SANDBOX.token, true);
    expect(await secretsOf(`org:${GITHUB_SANDBOX.org}`)).toEqual({
      GONG_ACCESS_KEY: "published-by-the-program",
      SLACK_WEBHOOK_URL: STACK_SECRETS.slackWebhookUrl,
      SNOWFLAKE_PASSWORD: "sf-admin-pass",
    });
  });
});
