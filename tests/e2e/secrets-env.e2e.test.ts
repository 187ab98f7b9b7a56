import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { GITHUB_SANDBOX } from "../../sandbox/github";
import { ensureEngine, localStack, ROOT } from "../../scripts/lib";
import { type CliRun, fileBackend, runSophia } from "../helpers/cli";
import { DESIGN_ENV, REFRESH_TOKEN, SLACK } from "../helpers/designEnv";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox";

jest.setTimeout(240_000);

let sb: TestSandbox;
let work: string;
const A = `env-a-${process.pid}`;
const B = `env-b-${process.pid}`;
const stacks: Record<string, Stack> = {};

function sophia(args: string[], stackName: string, extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runSophia([...args, "--stack", stackName], {
    cwd: work,
    // the token comes from the stack
    env: {
      ...fileBackend(path.join(work, "state")),
      GITHUB_API_URL: sb.url("github"),
      GITHUB_TOKEN: undefined,
      ...extraEnv,
    },
  });
}

/** The config a stack sets (not Pulumi.yaml's defaults): value, secrecy, and structure. */
async function configOf(stack: Stack) {
  const set = Object.keys((await stack.workspace.stackSettings(stack.name)).config ?? {});
  return Object.fromEntries(
    Object.entries(await stack.getAllConfig())
      .filter(([k]) => set.includes(k))
      .map(([k, v]: [string, any]) => [
        k,
        { value: v.value, secret: Boolean(v.secret), structured: v.objectValue !== undefined },
      ]),
  );
}

const VALUES = [
  "your-secure-password",
  "your-gong-api-key",
  "your-gong-api-secret",
  "your-vercel-access-token",
  REFRESH_TOKEN,
  "your-airbyte-client-secret",
  SLACK,
  "pg-pass-1",
  "estuary-gong-token-1",
];

beforeAll(async () => {
  ensureEngine({ quiet: true });
  sb = await startTestSandbox(["github"]);
  work = mkdtempSync(path.join(tmpdir(), "sophia-secrets-env-"));
  for (const name of [A, B])
    stacks[name] = await localStack({ stackName: name, backendDir: path.join(work, "state") });
});

afterAll(async () => {
  const violations = sb ? await sb.admin("github").violations() : [];
  try {
    for (const s of Object.values(stacks)) await s.workspace.removeStack(s.name, { force: true });
  } finally {
    for (const name of [A, B]) rmSync(path.join(ROOT, `Pulumi.${name}.yaml`), { force: true });
    if (work) rmSync(work, { recursive: true, force: true });
    if (sb) await sb.close();
  }
  expect(violations).toEqual([]);
});

test("import-env puts the platform's .env on the keys the program reads, credentials as secrets", async () => {
  const file = path.join(work, "platform.env");
  writeFileSync(file, DESIGN_ENV);
  // every pulumi the import runs goes through a wrapper that records its command line
  const bin = ensureEngine({ quiet: true });
  const wrapperDir = path.join(work, "argv-bin");
  const argvLog = path.join(work, "pulumi-argv.log");
  mkdirSync(wrapperDir, { recursive: true });
  writeFileSync(
    path.join(wrapperDir, "pulumi"),
    `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(argvLog)}\nexec ${JSON.stringify(path.join(bin, "pulumi"))} "$@"\n`,
    { mode: 0o755 },
  );
  const r = await sophia(["secrets", "import-env", "--env-file", file], A, {
    PATH: `${wrapperDir}:${bin}:${process.env.PATH}`,
  });
  expect(r.code).toBe(0);
  for (const v of VALUES) expect(r.stdout + r.stderr).not.toContain(v);
  // no credential ever stood on a command line (readable by any user of the machine in ps)
  const argv = readFileSync(argvLog, "utf8");
  expect(argv).toContain("config set --secret");
  for (const v of VALUES) expect(argv).not.toContain(v);
  expect(r.stdout).toMatch(/\+ snowflake:password \(secret\) {3}from SNOWFLAKE_PASSWORD/);
  expect(r.stdout).toContain("ESTUARY_API_URL (line 17): Estuary's public API");
  expect(r.stdout).toContain("ESTUARY_GONG_TOKEN (line 21): the program makes it itself");
  expect(r.stdout).toContain("AIRBYTE_ACCESS_TOKEN (line 20): the program makes it itself");
  expect(r.stdout).toMatch(
    /not written \(--include-unknown writes them\):\n {2}FOO_BAR \(line 26\) → fooBar/,
  );
  expect(r.stdout).toMatch(/Empty values \(no key created or changed\):\n {2}EMPTY \(line 25\)/);

  const config = await configOf(stacks[A]);
  const secrecy = Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, v.secret ? "secret" : "plain"]),
  );
  expect(secrecy).toEqual({
    "sophia-ai:airbyteClientId": "plain",
    "sophia-ai:airbyteClientSecret": "secret",
    "sophia-ai:credentialsSetAt": "plain",
    "sophia-ai:estuaryRefreshToken": "secret",
    "sophia-ai:gongAccessKey": "secret",
    "sophia-ai:gongAccessKeySecret": "secret",
    "sophia-ai:postgresPassword": "secret",
    "sophia-ai:slackWebhookUrl": "secret",
    "sophia-ai:snowflakeDatabase": "plain",
    "sophia-ai:snowflakeSchema": "plain",
    "snowflake:organizationName": "plain",
    "snowflake:accountName": "plain",
    "snowflake:user": "plain",
    "snowflake:password": "secret",
    "snowflake:role": "plain",
    "snowflake:warehouse": "plain",
    "vercel:apiToken": "secret",
    "vercel:team": "plain",
  });
  expect(config["snowflake:organizationName"].value).toBe("payready");
  expect(config["snowflake:accountName"].value).toBe("analytics");
  // the vendor credentials it set are dated now, and `secrets audit` ages them from there
  const vendorIssued = [
    "gongAccessKey",
    "airbyteClientSecret",
    "estuaryRefreshToken",
    "vercelApiToken",
    "snowflakePassword",
    "postgresPassword",
    "slackWebhookUrl",
  ];
  expect(r.stdout).toContain(
    `Set now (credentialsSetAt: \`sophia secrets audit\` ages them from today): ${vendorIssued.join(", ")}`,
  );
  const setAt = JSON.parse(config["sophia-ai:credentialsSetAt"].value);
  expect(Object.keys(setAt).sort()).toEqual([...vendorIssued].sort());
  for (const at of Object.values<string>(setAt))
    expect(Date.now() - Date.parse(at)).toBeLessThan(10 * 60_000);
  const audit = await sophia(["secrets", "audit", "--json"], A);
  expect(audit.code).toBe(0);
  expect(
    JSON.parse(audit.stdout).vendorCredentials.map((v: any) => `${v.credential}:${v.ageDays}:${v.status}`),
  ).toEqual(vendorIssued.map((id) => `${id}:0:ok`));
  // no credential in the stack file in plain text
  const stackFile = readFileSync(path.join(ROOT, `Pulumi.${A}.yaml`), "utf8");
  for (const v of VALUES) expect(stackFile).not.toContain(v);

  // --include-unknown writes the unknown name too
  const more = await sophia(["secrets", "import-env", "--env-file", file, "--include-unknown"], A);
  expect(more.code).toBe(0);
  expect((await stacks[A].getConfig("fooBar")).value).toBe("baz");
  await stacks[A].removeConfig("fooBar");
});

test("a file with bad lines is refused with each line named, and nothing is written (exit 2)", async () => {
  const before = await configOf(stacks[A]);
  const file = path.join(work, "bad.env");
  writeFileSync(file, "POSTGRES_HOST=db.internal\nsk-live-0123456789abcdef\nREDIS_PASSWORD='open-s3cret\n");
  const r = await sophia(["secrets", "import-env", "--env-file", file], A);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("line 2: not NAME=value");
  expect(r.stderr).toContain("line 3: REDIS_PASSWORD's ' quote is never closed");
  expect(r.stdout + r.stderr).not.toMatch(/sk-live-0123456789abcdef|open-s3cret/);
  expect(await configOf(stacks[A])).toEqual(before);
});

test("export-env then import-env: a fresh stack gets the same config, the same stack no change", async () => {
  // everything a stack holds: project and provider keys, lists and objects, awkward values, a key nothing reads
  await stacks[A].setAllConfigJson(
    JSON.stringify({
      "sophia-ai:openrouterKeys": {
        value: '[{"limit":25,"name":"app"}]',
        objectValue: [{ limit: 25, name: "app" }],
        secret: false,
      },
      "sophia-ai:rotation": {
        value: '{"gong":{"epoch":2}}',
        objectValue: { gong: { epoch: 2 } },
        secret: false,
      },
      "sophia-ai:postgresPort": { value: "5433", secret: false },
      "sophia-ai:postgresHost": { value: "db.internal", secret: true },
      "sophia-ai:customNote": { value: 'it\'s a "note"\nover two lines', secret: false },
      "github:owner": { value: "payready", secret: false },
      "github:token": { value: GITHUB_SANDBOX.token, secret: true },
    }),
  );
  const file = path.join(work, "round.env");
  const out = await sophia(["secrets", "export-env", "--env-file", file], A);
  expect(out.code).toBe(0);
  const text = readFileSync(file, "utf8");
  expect(text).toContain("SNOWFLAKE_ACCOUNT='payready-analytics'\n");
  expect(text).toContain("POSTGRES_HOST='db.internal' # secret\n");
  expect(text).not.toMatch(/SNOWFLAKE__|GITHUB__/);

  const same = await sophia(["secrets", "import-env", "--env-file", file], A);
  expect(same.code).toBe(0);
  expect(same.stdout).toContain(`0 change(s) to ${A}`);

  const fresh = await sophia(["secrets", "import-env", "--env-file", file, "--include-unknown"], B);
  expect(fresh.code).toBe(0);
  expect(await configOf(stacks[B])).toEqual(await configOf(stacks[A]));
  await stacks[A].removeConfig("customNote");
});

test("sync-github with github:token in the stack pushes the names users know, never the token or the program's", async () => {
  const repo = `${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}`;
  const r = await sophia(["secrets", "sync-github", "--repo", repo, "--apply"], A);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("GITHUB_TOKEN (github:token): the GitHub token itself is never pushed");
  const pushed = Object.fromEntries(
    (await sb.admin("github").objects("secrets"))
      .filter((s) => s.scope === `repo:${repo}`)
      .map((s) => [s.name, s.value]),
  );
  expect(Object.keys(pushed).sort()).toEqual([
    "AIRBYTE_CLIENT_SECRET",
    "ESTUARY_REFRESH_TOKEN",
    "GONG_ACCESS_KEY",
    "GONG_ACCESS_KEY_SECRET",
    "POSTGRES_HOST",
    "POSTGRES_PASSWORD",
    "SLACK_WEBHOOK_URL",
    "SNOWFLAKE_PASSWORD",
    "VERCEL_ACCESS_TOKEN",
  ]);
  expect(pushed.SNOWFLAKE_PASSWORD).toBe("your-secure-password");
  for (const v of VALUES) expect(r.stdout).not.toContain(v);

  // the program's GitHub component now manages this repository's secrets: those are its own
  await stacks[A].setAllConfig({
    githubEnabled: { value: "true" },
    snowflakeEnabled: { value: "true" },
    githubRepository: { value: GITHUB_SANDBOX.repo },
  });
  try {
    const dry = await sophia(["secrets", "sync-github", "--repo", repo], A);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/SNOWFLAKE_PASSWORD \(snowflake:password\): the program's GitHub component/);
    expect(dry.stdout).toMatch(/GONG_ACCESS_KEY \(gongAccessKey\): the program's GitHub component/);
    expect(dry.stdout).not.toMatch(/^SNOWFLAKE_PASSWORD\s+(create|update)/m);
    const only = await sophia(["secrets", "sync-github", "--repo", repo, "--only", "SNOWFLAKE_PASSWORD"], A);
    expect(only.code).toBe(2);
    expect(only.stderr).toContain("SNOWFLAKE_PASSWORD is not pushed: the program's GitHub component");
  } finally {
    for (const k of ["githubEnabled", "snowflakeEnabled", "githubRepository"])
      await stacks[A].removeConfig(k);
  }
});
