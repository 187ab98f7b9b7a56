// Benchmark: create and refresh 60 Gong permission profiles through the real engine against the Gong
// stand-in enforcing Gong's documented 3 requests per second. 60 objects need at least 60 requests, so
// 20 s is the floor for each operation; the goal is within 1.25x of it with no failed resource. The
// client spaces its requests 350 ms apart; a 429 that arrival jitter might still provoke would be waited
// out (Retry-After) and retried, and counted in rateLimited.
//
//   npm run bench:gong            (prints a JSON line; writes bench/results/gong-pacing.json)
//
// Times are reported as ratios to the floor measured in the same run, never asserted by a test.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { GongPermissionProfile } from "../providers/gong/permissionProfile";
import { GONG_SANDBOX } from "../sandbox/gong";
import { startSandbox } from "../sandbox/index";
import { ensureEngine, localEnv, ROOT } from "../scripts/lib";

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 60);
const RATE = 3; // Gong's documented limit, requests per second
const FLOOR_S = OBJECTS / RATE;

/** The Gong stand-in's admin API (`/__admin`): its settings, request log and objects. */
type Admin = (p: string, init?: RequestInit) => Promise<unknown>;

async function main() {
  ensureEngine({ quiet: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-sandbox-"));
  const backendDir = mkdtempSync(path.join(tmpdir(), "bench-state-"));
  const sandbox = await startSandbox({ dataDir, ephemeral: true, only: ["gong"] });
  const gong = sandbox.services.gong;
  const admin: Admin = (p, init) =>
    fetch(`http://127.0.0.1:${gong.port}/__admin${p}`, init).then((r) => (r.status === 204 ? [] : r.json()));
  // The stand-in's defaults are Gong's limits (3 per rolling second); raise the daily cap out of the way.
  await admin("/settings", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ dailyLimit: 100_000 }),
  });
  const stackName = `bench-gong-${process.pid}`;
  const stack = await profilesStack(stackName, backendDir);
  try {
    await stack.setAllConfig({
      gongApiUrl: { value: gong.url },
      gongAccessKey: { value: GONG_SANDBOX.accessKey, secret: true },
      gongAccessKeySecret: { value: GONG_SANDBOX.accessKeySecret, secret: true },
    });
    const report = await measure(stack, admin);
    const out = path.join(ROOT, "bench", "results");
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, "gong-pacing.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report));
  } finally {
    // Gong cannot delete profiles: destroy leaves them in the (throwaway) stand-in.
    await stack.destroy().catch(() => undefined);
    await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(backendDir, { recursive: true, force: true });
  }
}

/** A throwaway stack (state in `backendDir`) whose program declares OBJECTS Gong permission profiles. */
function profilesStack(stackName: string, backendDir: string): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack(
    {
      stackName,
      projectName: "sophia-ai",
      program: async () => {
        for (let i = 0; i < OBJECTS; i++) {
          new GongPermissionProfile(`profile-${i}`, {
            workspaceId: GONG_SANDBOX.workspaceId,
            name: `bench-profile-${String(i).padStart(2, "0")}`,
            permissions: { callsAccess: { permissionLevel: "all" }, deleteCalls: false },
          });
        }
        return {};
      },
    },
    { workDir: ROOT, envVars: localEnv({ stackName, backendDir }), secretsProvider: "passphrase" },
  );
}

async function timed<T>(f: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const t = process.hrtime.bigint();
  const result = await f();
  return { result, seconds: Number(process.hrtime.bigint() - t) / 1e9 };
}

/** The requests the stand-in logged since the last call (the log is cleared), by outcome. */
async function statuses(admin: Admin) {
  const log = (await admin("/requests")) as { status: number }[];
  await admin("/requests", { method: "DELETE" });
  return {
    requests: log.length,
    rateLimited: log.filter((r) => r.status === 429).length,
    failed: log.filter((r) => r.status >= 400 && r.status !== 429).length,
  };
}

/** Creates, refreshes and updates (a no-op) the profiles, each timed and its requests counted: the report. */
async function measure(stack: Stack, admin: Admin) {
  await statuses(admin);
  const create = await timed(() => stack.up({ parallel: 16 }));
  const createLog = await statuses(admin);
  const refresh = await timed(() => stack.refresh({ parallel: 16 }));
  const refreshLog = await statuses(admin);
  // The engine's own share: a no-op up of the same 60 resources sends no request at all.
  const noop = await timed(() => stack.up({ parallel: 16 }));
  const noopLog = await statuses(admin);
  const profiles = ((await admin("/objects/profiles")) as { name: string }[]).filter((p) =>
    p.name.startsWith("bench-profile-"),
  ).length;

  return {
    benchmark: "gong-pacing",
    at: new Date().toISOString(),
    objects: OBJECTS,
    limitPerSecond: RATE,
    floorSeconds: FLOOR_S,
    create: {
      ratioToFloor: +(create.seconds / FLOOR_S).toFixed(3),
      seconds: +create.seconds.toFixed(1),
      created: create.result.summary.resourceChanges?.create ?? 0,
      result: create.result.summary.result,
      ...createLog,
    },
    refresh: {
      ratioToFloor: +(refresh.seconds / FLOOR_S).toFixed(3),
      seconds: +refresh.seconds.toFixed(1),
      result: refresh.result.summary.result,
      ...refreshLog,
    },
    engineOnly: { seconds: +noop.seconds.toFixed(1), ...noopLog },
    /** create and refresh without the engine's fixed cost (the no-op up), against the same floor */
    pacedRatioToFloor: {
      create: +((create.seconds - noop.seconds) / FLOOR_S).toFixed(3),
      refresh: +((refresh.seconds - noop.seconds) / FLOOR_S).toFixed(3),
    },
    profilesInGong: profiles,
    goal: "ratioToFloor <= 1.25, failed 0 (a 429 is waited out and retried; rateLimited counts them)",
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
