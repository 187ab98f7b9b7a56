// `npm run bench -- engine`: N (BENCH_RESOURCES, default 200) resources of this project's real providers
// (bench/programs/providers: Portkey configs and guardrails, OpenRouter keys, against stand-ins that answer
// at once) against the floor of N resources of a dynamic provider that does nothing (bench/programs/floor),
// both local programs on the same engine, timed op by op in pairs (the order alternates between runs):
// `up` from empty, a no-op `up`, `refresh`, `destroy`. Goal: each ≤ 1.3× the floor.
// The stand-ins' request logs give the API economy: a no-op `up` makes no request; a refresh one read per
// resource, plus the few requests a provider process shares between resources (a token per service, a
// collection listing such as Portkey's listConfigs, which every config read needs for name and status).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { OPENROUTER_SANDBOX } from "../sandbox/openrouter";
import { PORTKEY_SANDBOX } from "../sandbox/portkey";
import { ensureEngine } from "../scripts/lib";
import { startTestSandbox, type TestSandbox } from "../tests/helpers/sandbox";
import {
  boundFigure,
  type Figure,
  printFigure,
  RUNS,
  ratioFigure,
  round,
  type Traffic,
  timed,
  traffic,
  writeResults,
} from "./lib";
import { type CliStack, type Program, programStack } from "./stacks";

export const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 200);
/** The stand-ins the providers program talks to. */
export const SERVICES = ["portkey", "openrouter"];

const OPS = ["up", "no-op up", "refresh", "destroy"] as const;
type Op = (typeof OPS)[number];
const GOAL_RATIO = 1.3;

/** The floor and providers programs, each a stack of `n` resources, and the stand-ins they use. */
export interface Pair {
  sb: TestSandbox;
  stacks: Record<Program, CliStack>;
  close(): Promise<void>;
}

export async function openPair(n: number, tag: string): Promise<Pair> {
  ensureEngine({ quiet: true });
  const sb = await startTestSandbox(SERVICES);
  const backendDir = mkdtempSync(path.join(tmpdir(), `bench-${tag}-`));
  const opened: CliStack[] = [];
  const close = async () => {
    for (const s of opened) await s.remove();
    rmSync(backendDir, { recursive: true, force: true });
    await sb.close();
  };
  try {
    const name = (p: Program) => `bench-${tag}-${p}-${process.pid}`;
    const floor = await programStack("floor", name("floor"), backendDir, { benchResources: String(n) });
    opened.push(floor);
    const providers = await programStack(
      "providers",
      name("providers"),
      backendDir,
      { benchResources: String(n), portkeyApiUrl: sb.url("portkey"), openrouterApiUrl: sb.url("openrouter") },
      { portkeyApiKey: PORTKEY_SANDBOX.apiKey, openrouterManagementKey: OPENROUTER_SANDBOX.managementKey },
    );
    opened.push(providers);
    return { sb, stacks: { floor, providers }, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function apply(s: CliStack, op: Op) {
  if (op === "refresh") return s.refresh();
  if (op === "destroy") return s.destroy();
  return s.up();
}

/** The objects the providers program made in the stand-ins: one per resource after `up`. */
async function objectsIn(sb: TestSandbox): Promise<number> {
  const kinds: [string, string][] = [
    ["portkey", "configs"],
    ["portkey", "guardrails"],
    ["openrouter", "keys"],
  ];
  const counts = await Promise.all(
    kinds.map(([s, k]) =>
      sb
        .admin(s)
        .objects(k)
        .then((o) => o.length),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

type Samples = Record<Program, Record<Op, number[]>>;

/** One paired run: each op on both stacks, floor first on even runs; the providers' traffic per op. */
async function pairedRun(pair: Pair, i: number, times: Samples): Promise<Record<Op, Traffic>> {
  const order: Program[] = i % 2 ? ["providers", "floor"] : ["floor", "providers"];
  const heard = {} as Record<Op, Traffic>;
  for (const op of OPS) {
    for (const p of order) {
      await traffic(pair.sb, SERVICES);
      const { seconds } = await timed(() => apply(pair.stacks[p], op));
      times[p][op].push(seconds);
      if (p === "providers") heard[op] = await traffic(pair.sb, SERVICES);
    }
    if (op === "up" && (await objectsIn(pair.sb)) !== RESOURCES)
      throw new Error(`up made ${await objectsIn(pair.sb)} objects in the stand-ins, not ${RESOURCES}`);
  }
  console.log(
    `  run ${i + 1}/${RUNS}: ${OPS.map((op) => `${op} ${round(times.providers[op][i], 1)} s / ${round(times.floor[op][i], 1)} s`).join(", ")}`,
  );
  return heard;
}

/** API economy: a no-op up makes no request; a refresh one read per resource, a few shared by all. */
function economy(heard: Record<Op, Traffic>[]): Figure[] {
  const noop = heard.map((h) => h["no-op up"].total);
  const reads = heard.map((h) => (h.refresh.total - h.refresh.shared) / RESOURCES);
  const shared = heard.map((h) => h.refresh.shared);
  const tokens = heard.map((h) => h.refresh.tokens);
  return [
    boundFigure("no-op up: API requests", "requests", noop, 0),
    boundFigure("refresh: requests per resource (shared requests apart)", "requests", reads, 1, {
      name: "one read per resource",
      samples: heard.map(() => 1),
    }),
    // a token and a listing per service, each at most twice (a slow refresh may outlive a shared listing)
    boundFigure("refresh: shared requests (tokens, listings)", "requests", shared, 4 * SERVICES.length),
    boundFigure("refresh: token requests", "requests", tokens, SERVICES.length),
  ];
}

export async function engineBench(): Promise<Figure[]> {
  console.log(`engine: ${RESOURCES} resources, providers program against the floor, ${RUNS} paired runs`);
  const pair = await openPair(RESOURCES, "engine");
  const perOp = (): Record<Op, number[]> => ({ up: [], "no-op up": [], refresh: [], destroy: [] });
  const times: Samples = { floor: perOp(), providers: perOp() };
  const heard: Record<Op, Traffic>[] = [];
  try {
    for (let i = 0; i < RUNS; i++) heard.push(await pairedRun(pair, i, times));
  } finally {
    await pair.close();
  }
  const figures = [
    ...OPS.map((op) =>
      ratioFigure(
        `${op}, ${RESOURCES} resources`,
        "s",
        times.providers[op],
        { name: "floor", samples: times.floor[op] },
        GOAL_RATIO,
      ),
    ),
    ...economy(heard),
  ];
  figures.forEach(printFigure);
  writeResults("engine", RUNS, figures, {
    resources: RESOURCES,
    program: "bench/programs/providers: Portkey configs, Portkey guardrails, OpenRouter keys in turn",
    floor: "bench/programs/floor: create returns an id, diff no change, read the props",
    /** The providers' requests per op in the last run, by route. */
    requestsByOp: heard.at(-1),
  });
  return figures;
}
