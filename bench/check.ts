// `npm run bench -- check`: `sophia check` of a stack that enables every integration with a probe, each
// probe slowed down (every request to an HTTP stand-in waits BENCH_PROBE_DELAY_MS, default 1000, through
// the stand-ins' fault API; PostgreSQL and Redis are reached through a proxy that holds each connection as
// long), against the slowest single probe (`sophia check --only <name>`, each one measured in the same
// run). The probes run in parallel, so the whole check should take little more than its slowest probe:
// goal ≤ 1.2×. Both the command's wall time and its report's own duration (the probing phase) are given.
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ensureEngine, localEnv, localStack, ROOT } from "../scripts/lib";
import { startTestSandbox, type TestSandbox } from "../tests/helpers/sandbox";
import { testServices } from "../tests/helpers/services";
import { HTTP_INTEGRATIONS, standInConfig } from "../tests/helpers/standInConfig";
import {
  boundFigure,
  type Figure,
  median,
  printFigure,
  RUNS,
  ratioFigure,
  round,
  run,
  timed,
  writeResults,
} from "./lib";

const DELAY_MS = Number(process.env.BENCH_PROBE_DELAY_MS ?? 1000);
const GOAL_RATIO = 1.2;

/** A TCP proxy to 127.0.0.1:`port` that holds each connection `delayMs` before opening it. */
async function delayingProxy(
  port: number,
  delayMs: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((client) => {
    client.pause();
    client.on("error", () => undefined);
    setTimeout(() => {
      const upstream = net.connect(port, "127.0.0.1", () => {
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return { port: address.port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The test PostgreSQL and Redis servers (scripts/services.sh), or undefined where they cannot run. */
function databases(): Record<string, string> | undefined {
  try {
    return testServices();
  } catch {
    return undefined;
  }
}

/** Every integration on, pointed at the stand-ins (and the proxies), with the logins they accept. */
function stackValues(
  sb: TestSandbox,
  pg?: number,
  redis?: number,
): { plain: Record<string, string>; secret: Record<string, string> } {
  const http = standInConfig(sb);
  const enabled = HTTP_INTEGRATIONS.map((s) => [`${s}Enabled`, "true"]);
  const plain: Record<string, string> = {
    ...Object.fromEntries(enabled),
    ...http.plain,
    // without the test servers, PostgreSQL and Redis are left out (redisEnabled false; postgres points nowhere)
    postgresHost: "127.0.0.1",
    postgresPort: String(pg ?? 1),
    postgresDatabase: "sophia_test",
    postgresSchema: "gong",
    postgresUser: "sophia_writer",
    postgresSslMode: "disable",
    redisEnabled: String(redis !== undefined),
    redisHost: "127.0.0.1",
    redisPort: String(redis ?? 1),
    redisSsl: "false",
  };
  const secret = {
    ...http.secret,
    postgresPassword: "sophia-test-writer",
    redisPassword: "sophia-test-redis",
  };
  return { plain, secret };
}

interface Checked {
  wall: number;
  /** the report's durationMs, in seconds: the probing phase */
  probing: number;
  checks: { integration: string; status: string; latencyMs: number | null; error: string | null }[];
}

/** The environment everything in this part runs with: the stack's backend, the GitHub stand-in. */
interface Frame {
  stackName: string;
  env: Record<string, string>;
}

async function sophiaCheck(f: Frame, only?: string): Promise<Checked> {
  const args = [
    path.join(ROOT, "bin", "sophia"),
    "check",
    "--stack",
    f.stackName,
    "--json",
    "--timeout",
    "60000",
  ];
  const { result, seconds } = await timed(() =>
    run("bash", only ? [...args, "--only", only] : args, { env: f.env, allowFail: true }),
  );
  const report = JSON.parse(result.stdout) as { durationMs: number; checks: Checked["checks"] };
  return { wall: seconds, probing: report.durationMs / 1000, checks: report.checks };
}

interface CheckRun {
  all: Checked;
  singles: Record<string, Checked>;
}

/** The probe slowest alone in a run: the one whose check's probing phase took longest. */
const slowestOf = (r: CheckRun, names: string[]) =>
  names.reduce((a, b) => (r.singles[b].probing > r.singles[a].probing ? b : a));

/** One run: every probe together, and each alone (the order alternates between runs). */
async function oneRun(f: Frame, names: string[], i: number): Promise<CheckRun> {
  const singles: Record<string, Checked> = {};
  const alone = async () => {
    for (const n of names) singles[n] = await sophiaCheck(f, n);
  };
  if (i % 2) await alone();
  const all = await sophiaCheck(f);
  if (!(i % 2)) await alone();
  const slowest = slowestOf({ all, singles }, names);
  console.log(
    `  run ${i + 1}/${RUNS}: every probe ${round(all.wall, 2)} s (probing ${round(all.probing, 2)} s); slowest alone: ${slowest} ${round(singles[slowest].wall, 2)} s (probing ${round(singles[slowest].probing, 2)} s)`,
  );
  return { all, singles };
}

function figuresOf(runs: CheckRun[], names: string[]): Figure[] {
  const compared = (k: "wall" | "probing", name: string, floor: string) =>
    ratioFigure(
      name,
      "s",
      runs.map((r) => r.all[k]),
      { name: floor, samples: runs.map((r) => r.singles[slowestOf(r, names)][k]) },
      GOAL_RATIO,
    );
  return [
    compared(
      "wall",
      `sophia check, ${names.length} probes each delayed ${DELAY_MS} ms (wall)`,
      "sophia check --only <the slowest probe> (wall)",
    ),
    compared("probing", "its probing phase (the report's durationMs)", "the slowest probe's alone"),
    boundFigure(
      "checks that did not pass",
      "checks",
      runs.map((r) => r.all.checks.filter((c) => c.status !== "pass").length),
      0,
    ),
  ];
}

export async function checkBench(): Promise<Figure[]> {
  ensureEngine({ quiet: true });
  const db = databases();
  const sb = await startTestSandbox(); // every stand-in: each integration with an HTTP probe has one
  const proxies = db
    ? await Promise.all(
        [db.SOPHIA_TEST_PG_PORT, db.SOPHIA_TEST_REDIS_PORT].map((p) => delayingProxy(Number(p), DELAY_MS)),
      )
    : [];
  const backendDir = mkdtempSync(path.join(tmpdir(), "bench-check-"));
  const stackName = `bench-check-${process.pid}`;
  const f: Frame = {
    stackName,
    env: { ...localEnv({ stackName, backendDir }), GITHUB_API_URL: sb.url("github") },
  };
  try {
    const stack = await localStack({ stackName, backendDir });
    const { plain, secret } = stackValues(sb, proxies[0]?.port, proxies[1]?.port);
    await stack.setAllConfig({
      ...Object.fromEntries(Object.entries(plain).map(([k, value]) => [k, { value }])),
      ...Object.fromEntries(Object.entries(secret).map(([k, value]) => [k, { value, secret: true }])),
    });
    for (const s of Object.keys(sb.sandbox.services))
      await sb.admin(s).fault({ route: "*", delayMs: DELAY_MS });
    const warm = await sophiaCheck(f); // warms caches; tells which integrations the stack enables
    const names = warm.checks.map((c) => c.integration);
    console.log(
      `check: ${names.length} probes (${names.join(", ")}), each delayed ${DELAY_MS} ms, ${RUNS} runs`,
    );
    const runs: CheckRun[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await oneRun(f, names, i));
    const figures = figuresOf(runs, names);
    figures.forEach(printFigure);
    writeResults("check", RUNS, figures, {
      delayMs: DELAY_MS,
      databases: db ? "PostgreSQL and Redis through a delaying proxy" : "not available: left out",
      aloneMedianSeconds: Object.fromEntries(
        names.map((n) => [n, round(median(runs.map((r) => r.singles[n].wall)))]),
      ),
      lastRun: runs.at(-1)?.all.checks,
    });
    return figures;
  } finally {
    await run("pulumi", ["stack", "rm", stackName, "--yes", "--force"], { env: f.env, allowFail: true });
    rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    rmSync(backendDir, { recursive: true, force: true });
    await Promise.all(proxies.map((p) => p.close()));
    await sb.close();
  }
}
