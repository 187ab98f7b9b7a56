// `npm run bench -- gong` (also `npm run bench:gong`): create, refresh and no-op `up` of 60 Gong permission
// profiles (BENCH_OBJECTS) through the real engine against the Gong stand-in enforcing Gong's documented 3
// requests per second. 60 objects need at least 60 requests, so 20 s is the floor of create and refresh;
// goal: ≤ 1.15× it, with no 429. The client paces itself to the limit (providers/gong/client.ts); a 429
// would be waited out (Retry-After) and retried, and is counted. Each run has a fresh
// stand-in (Gong cannot delete a profile) and a fresh stack.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { GongPermissionProfile } from "../providers/gong/permissionProfile";
import { GONG_SANDBOX } from "../sandbox/gong";
import { ensureEngine, localEnv, ROOT } from "../scripts/lib";
import { startTestSandbox, type TestSandbox } from "../tests/helpers/sandbox";
import {
  boundFigure,
  type Figure,
  printFigure,
  RUNS,
  ratioFigure,
  round,
  timed,
  traffic,
  writeResults,
} from "./lib";

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 60);
const RATE = 3; // Gong's documented limit, requests per second
const FLOOR_S = OBJECTS / RATE;
const GOAL_RATIO = 1.15;

/** A throwaway stack (state in `backendDir`) whose inline program declares OBJECTS permission profiles. */
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

interface GongRun {
  create: number;
  refresh: number;
  noop: number;
  rateLimited: number;
  failed: number;
  requests: { create: number; refresh: number; noop: number };
}

/** Creates, refreshes and updates (a no-op) the profiles on a fresh stand-in, each timed and counted. */
async function measure(stack: Stack, sb: TestSandbox): Promise<GongRun> {
  await traffic(sb, ["gong"]);
  const create = await timed(() => stack.up({ parallel: 16 }));
  const created = await traffic(sb, ["gong"]);
  const refresh = await timed(() => stack.refresh({ parallel: 16 }));
  const refreshed = await traffic(sb, ["gong"]);
  // the engine's own share: a no-op up of the same resources sends no request at all
  const noop = await timed(() => stack.up({ parallel: 16 }));
  const noopHeard = await traffic(sb, ["gong"]);
  const made = create.result.summary.resourceChanges?.create ?? 0;
  if (made < OBJECTS) throw new Error(`gong: up created ${made} resources, not ${OBJECTS}`);
  return {
    create: create.seconds,
    refresh: refresh.seconds,
    noop: noop.seconds,
    rateLimited: created.rateLimited + refreshed.rateLimited,
    failed: created.failed + refreshed.failed,
    requests: { create: created.total, refresh: refreshed.total, noop: noopHeard.total },
  };
}

async function oneRun(i: number): Promise<GongRun> {
  const sb = await startTestSandbox(["gong"]);
  const backendDir = mkdtempSync(path.join(tmpdir(), "bench-gong-"));
  const stackName = `bench-gong-${process.pid}-${i}`;
  try {
    // the stand-in's defaults are Gong's limits (3 per rolling second); the daily cap is moved out of the way
    await sb.admin("gong").settings({ dailyLimit: 100_000 });
    const stack = await profilesStack(stackName, backendDir);
    await stack.setAllConfig({
      gongApiUrl: { value: sb.url("gong") },
      gongAccessKey: { value: GONG_SANDBOX.accessKey, secret: true },
      gongAccessKeySecret: { value: GONG_SANDBOX.accessKeySecret, secret: true },
    });
    try {
      const r = await measure(stack, sb);
      console.log(
        `  run ${i + 1}/${RUNS}: create ${round(r.create, 1)} s, refresh ${round(r.refresh, 1)} s, no-op up ${round(r.noop, 1)} s, ${r.rateLimited} × 429`,
      );
      return r;
    } finally {
      // Gong cannot delete profiles: destroy leaves them in the (throwaway) stand-in
      await stack.destroy().catch(() => undefined);
      await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    }
  } finally {
    rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    rmSync(backendDir, { recursive: true, force: true });
    await sb.close();
  }
}

export async function gongBench(): Promise<Figure[]> {
  console.log(
    `gong: ${OBJECTS} permission profiles under ${RATE} requests/s (floor ${FLOOR_S} s), ${RUNS} runs`,
  );
  ensureEngine({ quiet: true });
  const runs: GongRun[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await oneRun(i));
  const floor = { name: `the ${FLOOR_S} s rate-limit floor`, samples: runs.map(() => FLOOR_S) };
  const pick = (k: "create" | "refresh" | "noop") => runs.map((r) => r[k]);
  const figures = [
    ratioFigure(`create ${OBJECTS} profiles`, "s", pick("create"), floor, GOAL_RATIO),
    ratioFigure(`refresh ${OBJECTS} profiles`, "s", pick("refresh"), floor, GOAL_RATIO),
    boundFigure(
      "429 answers (create and refresh)",
      "requests",
      runs.map((r) => r.rateLimited),
      0,
    ),
    boundFigure(
      "failed requests (create and refresh)",
      "requests",
      runs.map((r) => r.failed),
      0,
    ),
  ];
  figures.forEach(printFigure);
  writeResults("gong", RUNS, figures, {
    objects: OBJECTS,
    limitPerSecond: RATE,
    /** the engine's own share: a no-op up of the same resources (no request), per run */
    noopUpSeconds: pick("noop").map((x) => round(x, 1)),
    /** create and refresh without the engine's fixed cost (the no-op up), against the same floor */
    pacedRatioToFloor: runs.map((r) => ({
      create: round((r.create - r.noop) / FLOOR_S),
      refresh: round((r.refresh - r.noop) / FLOOR_S),
    })),
    requests: runs.map((r) => r.requests),
  });
  return figures;
}
