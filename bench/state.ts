// `npm run bench -- state`: state bytes per dynamic resource (compact JSON of each resource in `pulumi
// stack export`) of the providers program at 25 and at N (BENCH_RESOURCES, default 200) resources, beside
// the floor program's; whether it grows linearly (the same bytes per resource at both sizes); the largest
// resource and its type. Goal: ≤ 4 KiB per dynamic resource. Also the `__provider` every resource class
// in providers/ registers (bench/providerSizes.ts: a reference to its provider, providers/reference.ts),
// which each resource stores twice (inputs and outputs). Bytes do not vary between runs: one run.
import * as path from "node:path";
import { ROOT } from "../scripts/lib";
import { openPair, RESOURCES } from "./engine";
import { boundFigure, type Figure, printFigure, ratioFigure, round, run, writeResults } from "./lib";
import { dynamicResources, type Program, projectLoaderArgs, type StateResource } from "./stacks";

const KIB4 = 4096;
const SMALL = 25;

interface Measured {
  resources: number;
  /** the whole export (pretty-printed, as `pulumi stack export` writes it) */
  exportBytes: number;
  meanBytes: number;
  largest: { bytes: number; type: string; urn: string };
  /** mean bytes per resource type, and the share of it that is its `__provider` (inputs and outputs) */
  byType: Record<string, { count: number; meanBytes: number; providerBytes: number }>;
}

const bytesOf = (r: StateResource) => Buffer.byteLength(JSON.stringify(r));
const providerBytes = (r: StateResource) =>
  Buffer.byteLength(JSON.stringify(r.inputs?.__provider ?? "")) +
  Buffer.byteLength(JSON.stringify(r.outputs?.__provider ?? ""));

function measure(resources: StateResource[], exportBytes: number): Measured {
  const dyn = dynamicResources(resources);
  const sizes = dyn.map(bytesOf);
  const at = sizes.indexOf(Math.max(...sizes));
  const byType: Measured["byType"] = {};
  for (const [i, r] of dyn.entries()) {
    const t = byType[r.type] ?? { count: 0, meanBytes: 0, providerBytes: 0 };
    byType[r.type] = t;
    t.meanBytes += (sizes[i] - t.meanBytes) / ++t.count;
    t.providerBytes = providerBytes(r);
  }
  for (const t of Object.values(byType)) t.meanBytes = Math.round(t.meanBytes);
  return {
    resources: dyn.length,
    exportBytes,
    meanBytes: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length),
    largest: { bytes: sizes[at], type: dyn[at].type, urn: dyn[at].urn },
    byType,
  };
}

/** Both programs at `n` resources: up, export, destroy. */
async function statesAt(n: number): Promise<Record<Program, Measured>> {
  const pair = await openPair(n, `state${n}`);
  try {
    const out = {} as Record<Program, Measured>;
    for (const p of ["floor", "providers"] as Program[]) {
      const s = pair.stacks[p];
      await s.up();
      const { resources, bytes } = await s.exported();
      out[p] = measure(resources, bytes);
      if (out[p].resources !== n) throw new Error(`${p}: ${out[p].resources} dynamic resources, not ${n}`);
      await s.destroy();
    }
    return out;
  } finally {
    await pair.close();
  }
}

interface ProviderSize {
  file: string;
  exportName: string;
  type: string;
  providerBytes: number;
}

/** The `__provider` of every resource class, measured under mocks in a process of its own. */
async function providerSizes(): Promise<ProviderSize[]> {
  const script = path.join(ROOT, "bench", "providerSizes.ts");
  const { stdout } = await run(process.execPath, [...projectLoaderArgs(), script]);
  return JSON.parse(stdout.trim().split("\n").pop() ?? "[]") as ProviderSize[];
}

export async function stateBench(): Promise<Figure[]> {
  console.log(`state: bytes per dynamic resource at ${SMALL} and ${RESOURCES} resources`);
  const small = await statesAt(SMALL);
  const large = await statesAt(RESOURCES);
  const sizes = await providerSizes();
  if (!sizes.length) throw new Error("bench/providerSizes.ts found no dynamic resource class in providers/");
  const biggest = sizes.reduce((a, b) => (b.providerBytes > a.providerBytes ? b : a));
  const floorOf = (m: Record<Program, Measured>) => ({
    name: "floor resource",
    samples: [m.floor.meanBytes],
  });
  const figures = [
    boundFigure(`bytes per resource at ${SMALL}`, "bytes", [small.providers.meanBytes], KIB4, floorOf(small)),
    boundFigure(
      `bytes per resource at ${RESOURCES}`,
      "bytes",
      [large.providers.meanBytes],
      KIB4,
      floorOf(large),
    ),
    ratioFigure(
      `linear growth: bytes per resource at ${RESOURCES} against at ${SMALL}`,
      "bytes",
      [large.providers.meanBytes],
      { name: `at ${SMALL}`, samples: [small.providers.meanBytes] },
      1.1,
    ),
    boundFigure(
      `largest resource (${large.providers.largest.type})`,
      "bytes",
      [large.providers.largest.bytes],
      KIB4,
    ),
    boundFigure(
      `largest __provider ×2, inputs and outputs (${biggest.type})`,
      "bytes",
      [2 * biggest.providerBytes],
      KIB4,
    ),
  ];
  figures.forEach(printFigure);
  for (const s of [...sizes].sort((a, b) => b.providerBytes - a.providerBytes))
    console.log(`    ${s.type.padEnd(46)} provider ${round(s.providerBytes / 1024, 1)} KiB  (${s.file})`);
  writeResults("state", 1, figures, {
    at: { [SMALL]: small, [RESOURCES]: large },
    exportGrowthBytesPerResource: round(
      (large.providers.exportBytes - small.providers.exportBytes) / (RESOURCES - SMALL),
    ),
    providers: sizes,
  });
  return figures;
}
