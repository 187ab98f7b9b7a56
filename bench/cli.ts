// `npm run bench -- cli` (also `npm run bench:cli`): how long `sophia` takes to start, against
// `pulumi --help` measured in the same run (the engine's CLI is the floor a user compares with). Goal:
// `sophia --help` and the start of every command under 0.5 s. Each command runs BENCH_RUNS times,
// interleaved with the floor; medians are reported.
//
// "Start of a command" is `sophia <command> --help`: commander parses, the command is found, nothing of
// its implementation is loaded (cli/main.ts loads that when the action runs).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ensureEngine, ROOT } from "../scripts/lib";
import { boundFigure, type Figure, printFigure, RUNS, writeResults } from "./lib";

const SOPHIA = path.join(ROOT, "bin", "sophia");
const GOAL_S = 0.5;
const COMMANDS = [
  ["--help"],
  ["--version"],
  ["check", "--help"],
  ["drift", "--help"],
  ["secrets", "rotate", "--help"],
  ["secrets", "import-env", "--help"],
];

/** Wall time of one run (nothing else runs in this process meanwhile, so spawnSync is fine). */
function seconds(cmd: string, args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", env: process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export async function cliBench(): Promise<Figure[]> {
  console.log(`cli: sophia's start-up against pulumi --help, ${RUNS} interleaved runs`);
  const pulumi = path.join(ensureEngine({ quiet: true }), "pulumi");
  seconds(pulumi, ["--help"]); // warm the page cache for both
  seconds("bash", [SOPHIA, "--help"]);
  const floor: number[] = [];
  const samples = COMMANDS.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) {
    floor.push(seconds(pulumi, ["--help"]));
    COMMANDS.forEach((c, j) => {
      samples[j].push(seconds("bash", [SOPHIA, ...c]));
    });
  }
  const figures = COMMANDS.map((c, j) =>
    boundFigure(`sophia ${c.join(" ")}`, "s", samples[j], GOAL_S, { name: "pulumi --help", samples: floor }),
  );
  figures.forEach(printFigure);
  writeResults("cli", RUNS, figures);
  return figures;
}
