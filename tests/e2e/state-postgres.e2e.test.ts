// PostgreSQL as the state backend, end to end: the real engine (its diy postgres:// backend) on the real
// PostgreSQL of scripts/services.sh (database pulumi_state, made by scripts/state-postgres.sh). Two
// `pulumi up` of one stack started together: one runs, the other is refused with the engine's lock
// message, and nothing is lost. `sophia backup`, `restore` and `drift` work against it. Listing stacks
// does not deadlock. The backend URL's password appears in no output.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { Client } from "pg";
import { ensureEngine, localEnv, localStack, ROOT } from "../../scripts/lib";
import { type CliRun, runProcess, runSophia } from "../helpers/cli";
import { testServices } from "../helpers/services";
import { budget, formatStepTimings, step } from "../helpers/steps";

// Measured alone: stack init 0.6 s, both ups 3 s, preview 3 s, four stacks 2.3 s, listing 0.4 s (the
// control waits CONTROL_MS), this project's up 4-6 s (33 s with a cold TypeScript cache), backup 2 s,
// restore 3-5 s, drift 2-4 s. × 10 or more: they run beside the rest of the suite, the program's first
// type-check included.
const BUDGET = {
  init: 30_000,
  race: 60_000,
  export: 20_000,
  preview: 60_000,
  opsUp: 180_000,
  backup: 60_000,
  restore: 60_000,
  drift: 120_000,
  listing: 40_000,
};
jest.setTimeout(budget(BUDGET));

const STATE_URL = testServices().SOPHIA_TEST_STATE_URL;
const PASSWORD = decodeURIComponent(new URL(STATE_URL).password);
/** The forms README recommends: no password in the URL; the driver reads PGPASSWORD or a pgpass file. */
const URL_WITHOUT_PASSWORD = STATE_URL.replace(`:${new URL(STATE_URL).password}@`, "@");

const LOCK_PROJECT = "sophia-state-lock";
const lockStack = `pg-lock-${process.pid}`;
// e2e-*: its Pulumi.<stack>.yaml in the project is git-ignored while the test runs
const opsStack = `e2e-pg-ops-${process.pid}`;
const PETS = 5;
/** How long the control's listing may take before it counts as stuck (one worker: under a second). */
const CONTROL_MS = 10_000;
/** The engine's refusal (pkg/backend/diy/lock.go). */
const LOCKED =
  "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.";

let work: string;
let lockDir: string;
let ops: Stack;
/** Every output of every command this file runs, for (c). */
const outputs: string[] = [];

const record = (r: CliRun): CliRun => {
  outputs.push(r.stdout, r.stderr);
  return r;
};

/** The engine's environment on a PostgreSQL backend (scripts/lib: passphrase, one listing worker). */
const engineEnv = (backendUrl = STATE_URL) => localEnv({ stackName: opsStack, backendUrl });

/** `pulumi` with `args` in `cwd` against the backend, its output recorded. */
async function pulumi(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  onStart?: (pid: number) => void,
): Promise<CliRun> {
  return record(
    await runProcess("pulumi", [...args, "--non-interactive"], {
      cwd,
      env: { ...engineEnv(), ...env },
      onStart,
    }),
  );
}

/** Whether `pulumi args` ends within `ms`; killed if not. */
async function endsWithin(ms: number, args: string[], cwd: string, env: Record<string, string>) {
  let pid = 0;
  const run = pulumi(args, cwd, env, (p) => {
    pid = p;
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const ended = await Promise.race([run.then(() => true), late]);
  clearTimeout(timer);
  if (!ended) process.kill(pid, "SIGKILL");
  await run;
  return ended;
}

/** bin/sophia with `args` against the backend, its output recorded. */
async function sophia(args: string[], env: Record<string, string> = engineEnv()): Promise<CliRun> {
  return record(await runSophia(args, { cwd: work, env }));
}

/** A small program of its own: PETS random pets, in a project of its own, on the same backend. */
function writeLockProgram(dir: string): void {
  mkdirSync(dir);
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${LOCK_PROJECT}\nruntime: nodejs\n`);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: LOCK_PROJECT, private: true }));
  writeFileSync(
    path.join(dir, "index.js"),
    `const random = require("@pulumi/random");
const pets = Array.from({ length: ${PETS} }, (_, i) => new random.RandomPet("pet-" + i, { length: 3 }));
exports.pets = pets.map((p) => p.id);
`,
  );
}

/** Runs `sql` with `params` on the state database, as the state role. */
async function stateQuery(sql: string, params: string[]): Promise<string[]> {
  const client = new Client({ connectionString: STATE_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows.map((r) => r.key);
  } finally {
    await client.end();
  }
}

/** The keys of the backend's table under the stack's lock directory. */
const lockRows = (project: string, stackName: string) =>
  stateQuery("SELECT key FROM pulumi_state WHERE key LIKE $1", [
    `%.pulumi/locks/organization/${project}/${stackName}/%`,
  ]);

/** A stack's resources as `pulumi stack export` has them (secrets encrypted unless `showSecrets`). */
async function exported(
  stackName: string,
  cwd: string,
  showSecrets = false,
): Promise<{ urn: string; type: string }[]> {
  const r = await pulumi(
    ["stack", "export", "--stack", stackName, ...(showSecrets ? ["--show-secrets"] : [])],
    cwd,
  );
  expect(r).toMatchObject({ code: 0, stderr: "" });
  return JSON.parse(r.stdout).deployment.resources;
}

beforeAll(async () => {
  ensureEngine({ quiet: true });
  work = mkdtempSync(path.join(tmpdir(), "sophia-state-postgres-"));
  lockDir = path.join(work, "lock-program");
  writeLockProgram(lockDir);
});

afterAll(async () => {
  console.log(formatStepTimings("state-postgres.e2e"));
  try {
    const stacks = [
      [lockStack, lockDir],
      ...[1, 2, 3, 4].map((i) => [`${lockStack}-${i}`, lockDir]),
      [opsStack, ROOT],
    ];
    for (const [name, cwd] of stacks)
      await runProcess("pulumi", ["stack", "rm", name, "--force", "--yes", "--non-interactive"], {
        cwd,
        env: engineEnv(),
      });
    // what `stack rm` keeps (the last checkpoint as .bak, backups), so the shared table does not grow
    await stateQuery("DELETE FROM pulumi_state WHERE key ~ $1 RETURNING key", [
      `/(${LOCK_PROJECT}/${lockStack}(-[1-4])?|sophia-ai/${opsStack})([./]|$)`,
    ]);
  } finally {
    rmSync(path.join(ROOT, `Pulumi.${opsStack}.yaml`), { force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  }
});

test("two `pulumi up` of one stack started together: one runs, the other is refused with the lock message, nothing is lost", async () => {
  expect(
    await step("stack init", () => pulumi(["stack", "init", lockStack], lockDir), BUDGET.init),
  ).toMatchObject({ code: 0 });

  const up = () => pulumi(["up", "--yes", "--skip-preview", "--stack", lockStack], lockDir);
  // The diy backend locks by listing the stack's locks, writing its own, and listing again. Two updates
  // whose three steps interleave within the same few milliseconds both see the other's lock and both
  // step back (never both run); nothing was done, so the pair is started again, a few times at most.
  let pair: CliRun[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    pair = await step(`both ups (attempt ${attempt})`, () => Promise.all([up(), up()]), BUDGET.race);
    expect(pair.filter((r) => r.code === 0).length).toBeLessThanOrEqual(1);
    for (const r of pair.filter((x) => x.code !== 0)) expect(`${r.stdout}${r.stderr}`).toContain(LOCKED);
    if (pair.some((r) => r.code === 0)) break;
    console.log(`attempt ${attempt}: both updates saw the other's lock and stepped back; again`);
  }
  const [ran, refused] = pair[0].code === 0 ? pair : [pair[1], pair[0]];
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain(`+ ${PETS + 1} created`);
  expect(refused.code).not.toBe(0);
  const message = `${refused.stdout}${refused.stderr}`;
  expect(message).toContain(LOCKED);
  // The holder's lock, its URL with the user and password masked by the engine, and who holds it.
  expect(message).toMatch(
    new RegExp(
      `postgres://\\*{4}:\\*{4}@127\\.0\\.0\\.1:\\d+/pulumi_state/\\.pulumi/locks/organization/${LOCK_PROJECT}/${lockStack}/[0-9a-f-]{36}\\.json\\?sslmode=disable: created by \\S+@\\S+ \\(pid \\d+\\)`,
    ),
  );
  expect(message).not.toContain("Updating"); // refused before it started

  // Nothing lost: the state holds every pet, no lock is left, and the program previews without changes.
  const resources = await step("export", () => exported(lockStack, lockDir), BUDGET.export);
  expect(resources.filter((r) => r.type === "random:index/randomPet:RandomPet")).toHaveLength(PETS);
  expect(await lockRows(LOCK_PROJECT, lockStack)).toEqual([]);
  const preview = await step(
    "preview --expect-no-changes",
    () => pulumi(["preview", "--expect-no-changes", "--stack", lockStack], lockDir),
    BUDGET.preview,
  );
  expect(preview.code).toBe(0);
});

test("listing stacks finishes with more stacks than the engine's connection pool (one listing worker)", async () => {
  await step(
    "four more stacks",
    async () => {
      for (const i of [1, 2, 3, 4])
        expect(await pulumi(["stack", "init", `${lockStack}-${i}`], lockDir)).toMatchObject({ code: 0 });
    },
    BUDGET.init,
  );
  // One CPU: a pool of 2 connections. scripts/lib gives the engine one listing worker on PostgreSQL.
  const listed = await step(
    "stack ls",
    () => pulumi(["stack", "ls", "--json"], lockDir, { GOMAXPROCS: "1" }),
    BUDGET.listing,
  );
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout).map((s: { name: string }) => s.name)).toEqual(
    expect.arrayContaining([lockStack, ...[1, 2, 3, 4].map((i) => `${lockStack}-${i}`)]),
  );
  // The control: the engine's default of ten workers waits forever for a connection. When a new engine
  // lists within the time, scripts/backend.ts's PULUMI_DIY_BACKEND_PARALLEL (and README's) can go.
  const defaultEnds = await step(
    "stack ls, ten workers (control)",
    () =>
      endsWithin(CONTROL_MS, ["stack", "ls", "--json"], lockDir, {
        GOMAXPROCS: "1",
        PULUMI_DIY_BACKEND_PARALLEL: "10",
      }),
    BUDGET.listing,
  );
  expect(defaultEnds).toBe(false);
});

test("sophia backup, restore and drift work against the PostgreSQL backend", async () => {
  // A stack of this project holding Gong's webhook secret: random passwords, no vendor call.
  ops = await localStack({ stackName: opsStack, backendUrl: STATE_URL });
  await ops.setAllConfig({
    airbyteEnabled: { value: "false" },
    redisEnabled: { value: "false" },
    gongEnabled: { value: "true" },
    gongApiUrl: { value: "http://127.0.0.1:9" },
    gongWorkspaceId: { value: "1234567890" },
    gongWebhookUrl: { value: "https://hooks.sophia-ai.example/api/webhooks/gong" },
    gongAccessKey: { value: "pg-e2e-gong-key", secret: true },
    gongAccessKeySecret: { value: "pg-e2e-gong-secret", secret: true },
  });
  const up = await step(
    "up (this project)",
    () => ops.up({ onOutput: (s) => outputs.push(s), onError: (s) => outputs.push(s) }),
    BUDGET.opsUp,
  );
  expect(up.summary.result).toBe("succeeded");

  const file = path.join(work, "backup.json");
  const backedUp = await step(
    "sophia backup",
    () => sophia(["backup", "--stack", opsStack, "--file", file]),
    BUDGET.backup,
  );
  expect(backedUp).toMatchObject({ code: 0, stderr: "" });
  const backup = JSON.parse(readFileSync(file, "utf8")).deployment.resources;
  expect(
    backup.filter((r: { type: string }) => r.type === "random:index/randomPassword:RandomPassword"),
  ).toHaveLength(2);
  expect(backedUp.stdout).toContain(`Backed up ${backup.length} resources of ${opsStack}`);

  // The stack is gone from the backend (its config file stays), then restored from the backup (the
  // password in PGPASSWORD this time). An import encrypts the secrets anew, so the resources are
  // compared with their secrets shown (in memory only).
  const before = await exported(opsStack, ROOT, true);
  expect(before.map((r) => r.urn)).toEqual(backup.map((r: { urn: string }) => r.urn));
  expect(
    await pulumi(["stack", "rm", opsStack, "--force", "--yes", "--preserve-config"], ROOT),
  ).toMatchObject({ code: 0 });
  const restored = await step(
    "sophia restore",
    () =>
      sophia(["restore", "--stack", opsStack, "--file", file], {
        ...engineEnv(URL_WITHOUT_PASSWORD),
        PGPASSWORD: PASSWORD,
      }),
    BUDGET.restore,
  );
  expect(restored).toMatchObject({ code: 0, stderr: "" });
  expect(restored.stdout).toContain(`Restored ${backup.length} resources into ${opsStack}.`);
  expect(await exported(opsStack, ROOT, true)).toEqual(before);

  // drift with the password in a pgpass file (host:port:database:user:password, mode 0600)
  const { hostname, port } = new URL(STATE_URL);
  const passfile = path.join(work, "pgpass");
  writeFileSync(passfile, `${hostname}:${port}:pulumi_state:pulumi_state:${PASSWORD}\n`, { mode: 0o600 });
  const drift = await step(
    "sophia drift",
    () =>
      sophia(["drift", "--stack", opsStack, "--json"], {
        ...engineEnv(URL_WITHOUT_PASSWORD),
        PGPASSFILE: passfile,
      }),
    BUDGET.drift,
  );
  expect(drift).toMatchObject({ code: 0, stderr: "" });
  const report = JSON.parse(drift.stdout);
  expect(report).toMatchObject({ status: "clean", drifted: [], unreadable: [] });
  expect(report.integrations.map((i: { integration: string }) => i.integration)).toContain("rotation");
});

test("the backend URL's password appears in no output, even in an error that repeats the URL", async () => {
  const missing = STATE_URL.replace("/pulumi_state?", "/pulumi_state_missing?");
  const failed = await sophia(["backup", "--stack", opsStack, "--file", path.join(work, "x.json")], {
    ...engineEnv(missing),
  });
  expect(failed.code).toBe(1);
  // the engine's own words, "unable to open bucket <url>", with the password masked
  expect(failed.stderr).toMatch(/unable to open bucket postgres:\/\/pulumi_state:\*{4}@127\.0\.0\.1/);
  expect(failed.stderr).toContain('database "pulumi_state_missing" does not exist');

  expect(outputs.length).toBeGreaterThan(10);
  const leaks = outputs.filter((o) => o.includes(PASSWORD));
  expect(leaks).toEqual([]);
  for (const file of [path.join(work, "backup.json"), path.join(ROOT, `Pulumi.${opsStack}.yaml`)])
    expect(readFileSync(file, "utf8")).not.toContain(PASSWORD);
});
