// Benchmark: how long `sophia` takes to start, against `pulumi --help` measured in the same run (the
// engine's CLI is the floor a user compares with). Goal: `sophia --help` and the start of every command
// under 0.5 s. Each command is run RUNS times, interleaved with the floor, and the medians are reported.
//
//   npm run bench:cli            (prints each figure; writes bench/results/cli-startup.json)
//
// "Start of a command" is `sophia <command> --help`: commander parses, the command is found, nothing of
// its implementation is loaded (cli/main.ts loads that when the action runs).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ensureEngine, ROOT } from "../scripts/lib";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SOPHIA = path.join(ROOT, "bin", "sophia");
const COMMANDS = [
  ["--help"],
  ["--version"],
  ["check", "--help"],
  ["drift", "--help"],
  ["secrets", "rotate", "--help"],
  ["secrets", "import-env", "--help"],
];

function seconds(cmd: string, args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", env: process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main() {
  const bin = ensureEngine({ quiet: true });
  const pulumi = path.join(bin, "pulumi");
  seconds(pulumi, ["--help"]); // warm the page cache for both
  seconds("bash", [SOPHIA, "--help"]);
  const floor: number[] = [];
  const samples = new Map<string, number[]>(COMMANDS.map((c) => [c.join(" "), []]));
  for (let i = 0; i < RUNS; i++) {
    floor.push(seconds(pulumi, ["--help"]));
    for (const c of COMMANDS) samples.get(c.join(" "))!.push(seconds("bash", [SOPHIA, ...c]));
  }
  const floorS = median(floor);
  const rows = [...samples].map(([command, xs]) => ({
    command: `sophia ${command}`,
    medianS: Number(median(xs).toFixed(3)),
    ratioToPulumiHelp: Number((median(xs) / floorS).toFixed(2)),
    underGoal: median(xs) < 0.5,
  }));
  const result = { runs: RUNS, pulumiHelpMedianS: Number(floorS.toFixed(3)), goalS: 0.5, rows };
  for (const r of rows)
    console.log(
      `${r.command.padEnd(34)} ${r.medianS.toFixed(3)} s  (${r.ratioToPulumiHelp}x pulumi --help)  ${r.underGoal ? "under" : "OVER"} the 0.5 s goal`,
    );
  console.log(`pulumi --help (floor)             ${floorS.toFixed(3)} s  (median of ${RUNS})`);
  mkdirSync(path.join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(
    path.join(ROOT, "bench", "results", "cli-startup.json"),
    `${JSON.stringify(result, null, 2)}\n`,
  );
}

main();
