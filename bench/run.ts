// `npm run bench [-- part ...]`: each part prints its figures and writes bench/results/<part>.json. Every
// figure is measured against a floor from the same run (medians of BENCH_RUNS paired runs, default 5)
// and says whether it meets its goal; a missed goal is reported, not an error. Not part of `npm test`.
// The parts run one after another (the engine-heavy ones must not share the machine's cores).

import { checkBench } from "./check";
import { cliBench } from "./cli";
import { engineBench } from "./engine";
import { gongBench } from "./gong";
import type { Figure } from "./lib";
import { noopBench } from "./noop";
import { stateBench } from "./state";

const PARTS: Record<string, () => Promise<Figure[]>> = {
  cli: cliBench,
  check: checkBench,
  engine: engineBench,
  state: stateBench,
  noop: noopBench,
  gong: gongBench,
};

async function main() {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((p) => !(p in PARTS));
  if (unknown.length) {
    console.error(`unknown part(s): ${unknown.join(", ")} (parts: ${Object.keys(PARTS).join(", ")})`);
    process.exit(2);
  }
  const parts = asked.length ? asked : Object.keys(PARTS);
  const missed: string[] = [];
  for (const part of parts) {
    const figures = await PARTS[part]();
    missed.push(...figures.filter((f) => !f.met).map((f) => `${part}: ${f.name}`));
    console.log(`  → bench/results/${part}.json\n`);
  }
  console.log(missed.length ? `goals missed:\n  ${missed.join("\n  ")}` : "every goal met");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
