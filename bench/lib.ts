// What every part of `npm run bench` shares: medians, figures (a measurement against its floor from the
// same run, and whether it meets its goal), printing them, and writing bench/results/<part>.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import * as path from "node:path";
import { ROOT } from "../scripts/lib";
import { type CliRun, runProcess } from "../tests/helpers/cli";
import type { TestSandbox } from "../tests/helpers/sandbox";

/** Paired runs per figure (BENCH_RUNS; default 5). */
export const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));

export const RESULTS_DIR = path.join(ROOT, "bench", "results");

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

export async function timed<T>(f: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const t = process.hrtime.bigint();
  const result = await f();
  return { result, seconds: Number(process.hrtime.bigint() - t) / 1e9 };
}

/** One reported figure: the median of its samples, the floor's, their ratio, and the goal. */
export interface Figure {
  name: string;
  unit: "s" | "bytes" | "requests" | "checks";
  median: number;
  samples: number[];
  /** The floor measured in the same run (its median), when the figure is a ratio to one. */
  floor?: { name: string; median: number; samples: number[] };
  ratio?: number;
  goal: string;
  met: boolean;
}

/** A figure whose goal is a ratio to a floor: median(samples) / median(floor) ≤ maxRatio. */
export function ratioFigure(
  name: string,
  unit: Figure["unit"],
  samples: number[],
  floor: { name: string; samples: number[] },
  maxRatio: number,
): Figure {
  const m = median(samples);
  const f = median(floor.samples);
  const ratio = m / f;
  return {
    name,
    unit,
    median: round(m),
    samples: samples.map((x) => round(x)),
    floor: { name: floor.name, median: round(f), samples: floor.samples.map((x) => round(x)) },
    ratio: round(ratio, 3),
    goal: `≤ ${maxRatio}× ${floor.name}`,
    met: ratio <= maxRatio,
  };
}

/** A figure whose goal is a bound on the value itself (its floor, if any, is reported beside it). */
export function boundFigure(
  name: string,
  unit: Figure["unit"],
  samples: number[],
  max: number,
  floor?: { name: string; samples: number[] },
): Figure {
  const m = median(samples);
  const f = floor && median(floor.samples);
  return {
    name,
    unit,
    median: round(m),
    samples: samples.map((x) => round(x)),
    ...(floor && f !== undefined
      ? {
          floor: { name: floor.name, median: round(f), samples: floor.samples.map((x) => round(x)) },
          ratio: round(m / f, 3),
        }
      : {}),
    goal: `≤ ${max} ${unit}`,
    met: m <= max,
  };
}

export function printFigure(f: Figure): void {
  const value = `${f.median} ${f.unit}`;
  const vs = f.floor ? `  (${f.ratio}× ${f.floor.name}: ${f.floor.median} ${f.unit})` : "";
  console.log(`  ${f.met ? "MET   " : "MISSED"} ${f.name}: ${value}${vs}  goal ${f.goal}`);
}

/**
 * Writes bench/results/<part>.json: the date, the load average (1, 5, 15 min) when the part ended, the
 * run count, the figures, and whatever else the part reports. Returns the file's path.
 */
export function writeResults(part: string, runs: number, figures: Figure[], extra: object = {}): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${part}.json`);
  const body = {
    part,
    date: new Date().toISOString(),
    loadAverage: loadavg().map((x) => round(x, 2)),
    runs,
    goalsMet: figures.every((f) => f.met),
    figures,
    ...extra,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/**
 * Runs a command without blocking this process (the stand-ins answer from its event loop); rejects on a
 * non-zero exit unless `allowFail`, with the end of its output.
 */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; allowFail?: boolean } = {},
): Promise<CliRun> {
  const r = await runProcess(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env });
  if (r.code === 0 || opts.allowFail) return r;
  const tail = (r.stdout + r.stderr).split("\n").slice(-25).join("\n");
  throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}:\n${tail}`);
}

/** What the stand-ins heard since the last call (their logs are then cleared), by route and outcome. */
export interface Traffic {
  total: number;
  /** "<service> <METHOD> <route>" → requests */
  byRoute: Record<string, number>;
  /** Requests to a token endpoint (an OAuth exchange, a refresh). */
  tokens: number;
  /**
   * Requests a provider process makes once for many resources: tokens, and GETs of a whole collection
   * (a route with no path parameter, like Portkey's listConfigs that every config read shares).
   */
  shared: number;
  rateLimited: number;
  failed: number;
}

const TOKEN_ROUTE = /token|oauth/i;

export async function traffic(sb: TestSandbox, services: string[]): Promise<Traffic> {
  const out: Traffic = { total: 0, byRoute: {}, tokens: 0, shared: 0, rateLimited: 0, failed: 0 };
  for (const s of services) {
    const admin = sb.admin(s);
    const log = await admin.requests();
    await admin.reset();
    for (const r of log) {
      const key = `${s} ${r.route}`;
      out.byRoute[key] = (out.byRoute[key] ?? 0) + 1;
      out.total++;
      if (TOKEN_ROUTE.test(r.route)) out.tokens++;
      if (TOKEN_ROUTE.test(r.route) || (r.method === "GET" && !r.route.includes("{"))) out.shared++;
      if (r.status === 429) out.rateLimited++;
      else if (r.status >= 400) out.failed++;
    }
  }
  return out;
}
