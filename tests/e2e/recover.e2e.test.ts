// `sophia recover` end to end (issue "Hardening"): the real engine runs the sophia-ai program against the
// stand-ins, each case on a stack of its own in a temporary file backend. Each `pulumi up` is SIGKILLed at
// a different point while the stand-in holds create requests (a latency fault); the stand-in then carries
// those creates out, so the vendor holds objects the state only knows as pending creates.
// `sophia recover --up` must clear the dead update's lock, clear the pending operations, and converge with
// exactly one object per name the program generates; on a healthy stack it changes nothing.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import type { RecoverReport } from "../../cli/recover";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { ROOT } from "../../scripts/lib";
import { runSophia } from "../helpers/cli";
import {
  closeE2eStack,
  type E2eStack,
  openE2eStack,
  SAAS_SECRETS,
  setStackConfig,
} from "../helpers/e2eStack";
import { budget, formatStepTimings, step } from "../helpers/steps";

// Measured on a 2-CPU machine running other suites beside it, then × 3 or more.
const BUDGET = {
  /** `pulumi up` from its start to the kill point (measured: 18-58 s). */
  killPoint: 180_000,
  /** The stand-in carries out the creates it held: the fault's delay, then a moment (measured: 8 s). */
  settle: 60_000,
  /** `sophia recover --up`: lock, refresh, up (measured: 29-72 s); without --up: 24-52 s. */
  recover: 300_000,
  /** A preview of the converged stack (measured: 18-76 s). */
  preview: 240_000,
};
jest.setTimeout(budget({ ...BUDGET, again: BUDGET.recover }, 60_000));

/** How long the stand-in holds each create request: time enough to kill `pulumi` before it answers. */
const HOLD_MS = 8_000;
/** Set in the environment of each killed `pulumi up` (and so of every process it starts). */
const MARKER = "SOPHIA_E2E_RECOVER_RUN";

/** Where a resource type's objects live: the stand-in, its create route, and the admin API's kind. */
interface Remote {
  service: string;
  create: string;
  kind: string;
}
const AIRBYTE: Record<string, Remote> = {
  sources: { service: "airbyte", create: "POST /sources", kind: "sources" },
  destinations: { service: "airbyte", create: "POST /destinations", kind: "destinations" },
  connections: { service: "airbyte", create: "POST /connections", kind: "connections" },
};
const KEYS: Record<string, Remote> = {
  openrouterKeys: { service: "openrouter", create: "POST /keys", kind: "keys" },
  lambdaSshKeys: { service: "lambda", create: "POST /api/v1/ssh-keys", kind: "sshKeys" },
};

const opened: E2eStack[] = [];

/** A stack of this file's own, `recover-<suffix>-<pid>`, with its stand-ins and config. */
async function newStack(suffix: string, remotes: Record<string, Remote>): Promise<E2eStack> {
  const services = [...new Set(Object.values(remotes).map((r) => r.service))];
  const e = await openE2eStack(`recover-${suffix}`, services);
  opened.push(e);
  const databases = {
    postgresHost: "127.0.0.1",
    postgresUser: "sophia",
    postgresSslMode: "disable",
    redisHost: "127.0.0.1",
    redisSsl: "false",
  };
  const plain = services.includes("airbyte")
    ? {
        airbyteApiUrl: e.sb.url("airbyte"),
        airbyteClientId: AIRBYTE_SANDBOX.clientId,
        airbyteWorkspaceId: AIRBYTE_SANDBOX.workspaceId,
        ...databases,
      }
    : {
        airbyteEnabled: "false",
        ...databases,
        openrouterEnabled: "true",
        openrouterApiUrl: e.sb.url("openrouter"),
        openrouterKeys: [
          { name: "app", limit: 25, limitReset: "monthly" },
          { name: "portkey", limit: 10 },
        ],
        lambdaEnabled: "true",
        lambdaApiUrl: e.sb.url("lambda"),
        lambdaSshKeys: [{ name: "ops" }, { name: "ci" }],
      };
  await setStackConfig(e, plain, SAAS_SECRETS);
  return e;
}

/** The stand-ins' objects of the stack, by resource kind: every name, duplicates included, sorted. */
async function held(e: E2eStack, remotes: Record<string, Remote>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [kind, r] of Object.entries(remotes)) {
    out[kind] = (await e.sb.admin(r.service).objects(r.kind))
      .map((o) => String(o.name))
      .filter((n) => n.startsWith(`sophia-${e.name}-`))
      .sort();
  }
  return out;
}

/** Create requests per route that reached the stand-ins, and whether each has been carried out. */
async function creates(e: E2eStack, remotes: Record<string, Remote>) {
  const reached: Record<string, number> = {};
  let served = true;
  for (const r of Object.values(remotes)) {
    const admin = e.sb.admin(r.service);
    const [counts, log] = await Promise.all([admin.counts(), admin.requests()]);
    reached[r.create] = counts[r.create] ?? 0;
    // the stand-in logs a request once it has carried it out
    served &&= log.filter((x) => x.route === r.create).length === reached[r.create];
  }
  return { reached, served };
}

/** Polls `done` every 100 ms. */
async function until(done: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await done())) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Ends what a killed `pulumi up` left running: the processes whose environment carries the marker. Our
 * engine build's plugins exit with it (tests/e2e/crash.e2e.test.ts); an engine without that leaves them,
 * and this test must not. Answers how many there were.
 */
function killSurvivors(): number {
  const marker = `${MARKER}=${process.pid}`;
  let n = 0;
  for (const d of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${d}/environ`, "utf8").split("\0").includes(marker)) continue;
      process.kill(Number(d), "SIGKILL");
      n++;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return n;
}

/**
 * `pulumi up`, with the stand-ins holding the create requests of `hold` (a latency fault), SIGKILLed once
 * `killWhen` holds for the creates that reached them; returns, once the stand-ins have carried out every
 * create they got, how many creates reached them.
 */
async function killedUp(
  e: E2eStack,
  remotes: Record<string, Remote>,
  hold: Remote[],
  killWhen: (reached: Record<string, number>) => boolean,
): Promise<Record<string, number>> {
  for (const r of hold) await e.sb.admin(r.service).fault({ route: r.create, delayMs: HOLD_MS, count: 10 });
  const log = path.join(e.work, "up.log");
  const fd = openSync(log, "w");
  // output to a file, not a pipe: nothing here waits on what the killed process leaves behind
  const up: ChildProcess = spawn(
    "pulumi",
    ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", e.name],
    {
      cwd: ROOT,
      env: { ...process.env, ...e.env, [MARKER]: String(process.pid) },
      stdio: ["ignore", fd, fd],
    },
  );
  closeSync(fd);
  try {
    await step(
      `${e.name}: pulumi up to its kill point`,
      () =>
        until(async () => {
          if (up.exitCode !== null)
            throw new Error(`pulumi up ended (${up.exitCode}):\n${readFileSync(log, "utf8")}`);
          return killWhen((await creates(e, remotes)).reached);
        }),
      BUDGET.killPoint,
    );
    up.kill("SIGKILL");
  } finally {
    for (const service of e.services) await e.sb.admin(service).clearFaults();
  }
  await step(
    `${e.name}: the stand-ins carry out the held creates`,
    async () => {
      await until(() => up.signalCode !== null);
      await until(async () => (await creates(e, remotes)).served);
      if (killSurvivors()) console.log(`${e.name}: processes outlived the killed pulumi (ended by the test)`);
      await until(async () => (await creates(e, remotes)).served);
    },
    BUDGET.settle,
  );
  expect(up.signalCode).toBe("SIGKILL");
  return (await creates(e, remotes)).reached;
}

/** `sophia recover --json` on the stack; its exit code and report. */
async function recover(
  e: E2eStack,
  ...flags: string[]
): Promise<{ code: number | null; report: RecoverReport }> {
  const r = await step(
    `${e.name}: ${["sophia recover", ...flags].join(" ")}`,
    () => runSophia(["recover", "--stack", e.name, "--json", ...flags], { cwd: e.work, env: e.env }),
    BUDGET.recover,
  );
  let report: RecoverReport;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`sophia recover printed no report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  // no secret value anywhere in what it printed
  for (const secret of Object.values(SAAS_SECRETS)) expect(r.stdout + r.stderr).not.toContain(secret);
  return { code: r.code, report };
}

/** The stack's lock files in the file backend (not the blob store's .attrs beside them). */
function locks(e: E2eStack): string[] {
  try {
    return readdirSync(
      path.join(e.backendDir, ".pulumi", "locks", "organization", "sophia-ai", e.name),
    ).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
}

/**
 * After a killed `up`: the lock and pending creates are there; `sophia recover --up` clears them and
 * converges with one object per generated name (`expected`), and a preview then has no changes.
 */
async function recoversFrom(
  e: E2eStack,
  remotes: Record<string, Remote>,
  expected: Record<string, string[]> | ((kinds: Record<string, string[]>) => void),
): Promise<RecoverReport> {
  expect(locks(e)).toHaveLength(1);
  const pending = (await e.stack.exportStack()).deployment.pending_operations ?? [];
  expect(pending.length).toBeGreaterThan(0);

  const { code, report } = await recover(e, "--up");
  expect([code, report.error]).toEqual([0, null]);
  expect(report.steps.map((s) => `${s.step}:${s.status}`)).toEqual(["lock:done", "refresh:done", "up:done"]);
  expect(report.steps[0].detail).toMatch(
    /^cleared 1 lock\(s\) a dead update left: pid \d+ on .*: that process is gone$/,
  );
  expect(report.steps[1].detail).toMatch(
    new RegExp(`^cleared ${pending.length} pending operation\\(s\\): creating `),
  );
  expect([report.consistent, report.converged]).toEqual([true, true]);
  expect(locks(e)).toEqual([]);

  const now = await held(e, remotes);
  if (typeof expected === "function") expected(now);
  else expect(now).toEqual(expected);
  await step(
    `${e.name}: preview after recovery`,
    () => e.stack.preview({ expectNoChanges: true }),
    BUDGET.preview,
  );
  return report;
}

/** The names the program gives the Airbyte pipeline's objects. */
const airbyteNames = (e: E2eStack) => ({
  sources: [`sophia-${e.name}-gong`],
  destinations: [`sophia-${e.name}-postgres`, `sophia-${e.name}-redis`],
  connections: [`sophia-${e.name}-gong-to-postgres`],
});

/**
 * Each resource of the stack's state: its id and a fingerprint of its inputs and outputs (what a failing
 * assertion may print instead of the values, which hold secrets).
 */
async function fingerprints(stack: Stack): Promise<Record<string, string>> {
  const resources: { urn: string; id?: string; inputs?: unknown; outputs?: unknown }[] = (
    await stack.exportStack()
  ).deployment.resources;
  const fp = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 12);
  return Object.fromEntries(resources.map((r) => [r.urn, `${r.id ?? "-"} ${fp([r.inputs, r.outputs])}`]));
}

afterAll(async () => {
  killSurvivors();
  const violations: unknown[] = [];
  for (const e of opened) {
    if (locks(e).length) await e.stack.cancel(); // a failed test's killed update
    violations.push(...(await closeE2eStack(e)));
  }
  console.log(formatStepTimings("recover.e2e"));
  expect(violations).toEqual([]);
});

test("killed when the first create reached Airbyte: recover --up adopts what it made, no duplicate", async () => {
  const e = await newStack("first", AIRBYTE);
  const { sources, destinations, connections } = AIRBYTE;
  const reached = await killedUp(
    e,
    AIRBYTE,
    [sources, destinations, connections],
    (c) => c[sources.create] + c[destinations.create] >= 1,
  );
  expect(reached[connections.create]).toBe(0);
  // the creates the stand-in held were carried out after the kill: objects the state does not record
  const orphans = Object.values(await held(e, AIRBYTE)).flat();
  expect(orphans.length).toBe(reached[sources.create] + reached[destinations.create]);

  const report = await recoversFrom(e, AIRBYTE, airbyteNames(e));
  expect(report.changes.filter((c) => c.interruptedCreate).length).toBeGreaterThanOrEqual(orphans.length);
});

/**
 * The Airbyte pipeline's `up`, killed once `count` requests of `hold` (held by the stand-in) arrived,
 * which must be after the creates in `reached`; then recovered and checked.
 */
async function airbyteKilledAt(suffix: string, hold: Remote, count: number, reached: number[]) {
  const e = await newStack(suffix, AIRBYTE);
  const got = await killedUp(e, AIRBYTE, [hold], (c) => c[hold.create] >= count);
  expect(Object.values(got)).toEqual(reached); // sources, destinations, connections
  await recoversFrom(e, AIRBYTE, airbyteNames(e));
  return e;
}

test("killed with half the creates done (the source made, both destinations held): recover --up converges", async () => {
  await airbyteKilledAt("half", AIRBYTE.destinations, 2, [1, 2, 0]);
});

test("killed at the last create (the connection held): recover --up converges; then recover is a no-op", async () => {
  const e = await airbyteKilledAt("last", AIRBYTE.connections, 1, [1, 2, 1]);

  // On a healthy stack: nothing to clear, nothing to change; only reads reach the vendor.
  const admin = e.sb.admin("airbyte");
  const before = await fingerprints(e.stack);
  const logged = (await admin.requests()).length;
  const { code, report } = await recover(e);
  expect([code, report.error, report.consistent, report.converged]).toEqual([0, null, true, true]);
  expect(report.steps.map((s) => `${s.step}:${s.status}:${s.detail}`)).toEqual([
    "lock:ok:none held",
    "refresh:ok:no pending operations; read every resource from its vendor (same 6)",
    "preview:ok:no changes: the stack is consistent and its vendors hold what the program declares",
  ]);
  expect(report.changes).toEqual([]);
  const writes = (await admin.requests())
    .slice(logged)
    .filter((r) => r.method !== "GET" && r.route !== "POST /applications/token");
  expect(writes).toEqual([]);
  expect(await fingerprints(e.stack)).toEqual(before);
  expect(await held(e, AIRBYTE)).toEqual(airbyteNames(e));
});

test("OpenRouter keys and Lambda SSH keys killed mid-create: recover --up leaves one of each, none twice", async () => {
  const e = await newStack("keys", KEYS);
  const { openrouterKeys, lambdaSshKeys } = KEYS;
  await killedUp(
    e,
    KEYS,
    [openrouterKeys, lambdaSshKeys],
    (c) => c[openrouterKeys.create] + c[lambdaSshKeys.create] >= 3,
  );
  // every create that reached the stand-ins was held, so none is in the state: all are orphans
  const orphans = Object.values(await held(e, KEYS)).flat();
  expect(orphans.length).toBeGreaterThanOrEqual(3);
  // a key's string (OpenRouter) or a generated private key (Lambda) is returned once: an orphan cannot be
  // adopted, so its provider deletes it and creates the key again
  const report = await recoversFrom(e, KEYS, (now) => {
    expect(now.lambdaSshKeys).toEqual([`sophia-${e.name}-ci`, `sophia-${e.name}-ops`]);
    // OpenRouter's remote name carries the keepers' tag: `<name>#<hash>`
    expect(now.openrouterKeys.map((n) => n.replace(/#[0-9a-f]+$/, ""))).toEqual([
      `sophia-${e.name}-app`,
      `sophia-${e.name}-portkey`,
    ]);
  });
  expect(report.changes.filter((c) => c.interruptedCreate).length).toBeGreaterThanOrEqual(orphans.length);
});
