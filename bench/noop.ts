// `npm run bench -- noop`: where a no-op `up` of this project's own program (index.ts, with the sandbox's
// SaaS integrations against the stand-ins: tests/helpers/e2eStack.ts's saasConfig) spends its time, against
// the floor program with as many resources. Variants, interleaved run by run: as configured (Pulumi.yaml:
// types stripped by bin/ts-hook.js), and PULUMI_SKIP_CHECKPOINTS=true (no intermediate checkpoint writes).
// bench/timing-preload.js, preloaded into the node processes, reports
// node's boot, the language host's set-up, the program's require (compile, module bodies),
// closure serialization and CPU. Goal: the project's no-op up ≤ 1.3× the floor's.
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "../scripts/lib";
import {
  closeE2eStack,
  type E2eStack,
  openE2eStack,
  SAAS_SECRETS,
  SAAS_SERVICES,
  saasConfig,
  setStackConfig,
} from "../tests/helpers/e2eStack";
import {
  boundFigure,
  type Figure,
  median,
  printFigure,
  RUNS,
  ratioFigure,
  round,
  timed,
  traffic,
  writeResults,
} from "./lib";
import { type CliStack, cliStack, programStack } from "./stacks";

const GOAL_RATIO = 1.3;
const PRELOAD = path.join(ROOT, "bench", "timing-preload.js");

interface Variant {
  name: string;
  stack: "project" | "floor";
  env: Record<string, string>;
}

/** The variants measured. (Until 2026-11 the program ran under ts-node, which type-checked it at every run.) */
const VARIANTS: Variant[] = [
  { name: "floor", stack: "floor", env: {} },
  { name: "project", stack: "project", env: {} },
  { name: "project, no checkpoints", stack: "project", env: { PULUMI_SKIP_CHECKPOINTS: "true" } },
];

/** One no-op up, in seconds: its wall time and the parts bench/timing-preload.js saw. */
interface Timing {
  wall: number;
  nodeBoot: number;
  hostSetup: number;
  programLoad: number;
  serialize: number;
  programAlive: number;
  programCpu: number;
  providerStartsAt: number;
  outsideProgram: number;
}

interface Line {
  role: string;
  event: string;
  bootMs: number;
  startedAt: number;
  aliveMs: number;
  programRequireAtMs?: number;
  programLoadMs?: number;
  serialize: { firstStartMs?: number; lastEndMs?: number };
  cpuMs: number;
}

function timingOf(wall: number, file: string): Timing {
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
  const find = (role: string, event: string) => lines.find((l) => l.role === role && l.event === event);
  const start = find("program", "start");
  const exit = find("program", "exit");
  const provider = find("provider", "start");
  if (!start || !exit) throw new Error(`no timing of the program in ${file}`);
  const s = exit.serialize;
  return {
    wall,
    nodeBoot: start.bootMs / 1000,
    hostSetup: ((exit.programRequireAtMs ?? 0) - start.bootMs) / 1000,
    programLoad: (exit.programLoadMs ?? 0) / 1000,
    serialize: s.firstStartMs === undefined ? 0 : ((s.lastEndMs ?? 0) - s.firstStartMs) / 1000,
    programAlive: exit.aliveMs / 1000,
    programCpu: exit.cpuMs / 1000,
    providerStartsAt: provider ? (provider.startedAt - start.startedAt) / 1000 : Number.NaN,
    outsideProgram: wall - exit.aliveMs / 1000,
  };
}

async function noopUp(s: CliStack, v: Variant, i: number): Promise<Timing> {
  const file = path.join(tmpdir(), `bench-noop-${process.pid}-${i}-${v.name.replace(/\W+/g, "-")}.jsonl`);
  rmSync(file, { force: true });
  try {
    const env = { ...v.env, NODE_OPTIONS: `--require ${PRELOAD}`, BENCH_TIMING_FILE: file };
    const { seconds } = await timed(() => s.up(env));
    return timingOf(seconds, file);
  } finally {
    rmSync(file, { force: true });
  }
}

/** The project's stack with the sandbox's SaaS integrations, up; and the floor with as many resources. */
async function openStacks(): Promise<{ e: E2eStack; project: CliStack; floor: CliStack; resources: number }> {
  const e = await openE2eStack("bench-noop", SAAS_SERVICES);
  try {
    await setStackConfig(
      e,
      saasConfig(e.sb, "https://hooks.sophia-ai.example/api/webhooks/gong"),
      SAAS_SECRETS,
    );
    const project = cliStack(ROOT, e.name, e.env);
    console.log("  creating the project's stack (the sandbox's SaaS integrations)");
    await project.up();
    const { resources: all } = await project.exported();
    const resources = all.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length;
    const floor = await programStack("floor", `bench-noopfloor-${process.pid}`, e.backendDir, {
      benchResources: String(resources),
    });
    await floor.up();
    return { e, project, floor, resources };
  } catch (err) {
    await closeE2eStack(e);
    throw err;
  }
}

const BREAKDOWN: (keyof Timing)[] = [
  "wall",
  "nodeBoot",
  "hostSetup",
  "programLoad",
  "serialize",
  "programAlive",
  "programCpu",
  "providerStartsAt",
  "outsideProgram",
];

export async function noopBench(): Promise<Figure[]> {
  const { e, project, floor, resources } = await openStacks();
  console.log(
    `noop: no-op up of the project's program (${resources} resources) against the floor, ${RUNS} runs`,
  );
  const samples = Object.fromEntries(VARIANTS.map((v) => [v.name, [] as Timing[]]));
  const requests: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 ? [...VARIANTS].reverse() : VARIANTS;
      for (const v of order) {
        await traffic(e.sb, SAAS_SERVICES);
        samples[v.name].push(await noopUp(v.stack === "project" ? project : floor, v, i));
        if (v.stack === "project") requests.push((await traffic(e.sb, SAAS_SERVICES)).total);
      }
      console.log(
        `  run ${i + 1}/${RUNS}: ${VARIANTS.map((v) => `${v.name} ${round(samples[v.name][i].wall, 1)} s`).join(", ")}`,
      );
    }
  } finally {
    await project.destroy().catch(() => undefined);
    await floor.remove();
    await closeE2eStack(e);
  }
  const walls = (name: string) => samples[name].map((t) => t.wall);
  const figures = [
    ratioFigure(
      `no-op up, the project's program (${resources} resources)`,
      "s",
      walls("project"),
      { name: "floor", samples: walls("floor") },
      GOAL_RATIO,
    ),
    boundFigure("no-op up, the project's program: API requests", "requests", requests, 0),
  ];
  figures.forEach(printFigure);
  const breakdown = Object.fromEntries(
    VARIANTS.map((v) => [
      v.name,
      Object.fromEntries(BREAKDOWN.map((k) => [k, round(median(samples[v.name].map((t) => t[k])), 2)])),
    ]),
  );
  console.log("  medians, seconds:");
  console.log(`    ${"".padEnd(26)}${BREAKDOWN.map((k) => k.padStart(17)).join("")}`);
  for (const v of VARIANTS)
    console.log(
      `    ${v.name.padEnd(26)}${BREAKDOWN.map((k) => String(breakdown[v.name][k]).padStart(17)).join("")}`,
    );
  writeResults("noop", RUNS, figures, {
    resources,
    breakdownMedianSeconds: breakdown,
    legend: {
      nodeBoot: "node's own start, before any module",
      hostSetup: "the language host until it requires the program (the sdk and the --require hooks)",
      programLoad:
        "the program's require: TypeScript compile (and type-check), module bodies, resource declarations",
      serialize: "first to last closure serialization of the dynamic providers",
      programAlive: "the program's process from start to exit",
      providerStartsAt: "when the dynamic provider host starts, after the program's start",
      outsideProgram:
        "wall time outside the program's process (CLI start, state load, engine's end, checkpoint)",
    },
  });
  return figures;
}
