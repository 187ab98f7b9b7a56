// The stacks the engine-heavy parts of `npm run bench` run: a local Pulumi program (bench/programs/<name>/,
// or the project itself) driven through the `pulumi` CLI as a user runs it, state on a file backend in a
// temporary directory, passphrase secrets. Its stack file (Pulumi.bench-*.yaml) is git-ignored and removed.
import { readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { localEnv, ROOT } from "../scripts/lib";
import type { CliRun } from "../tests/helpers/cli";
import { run } from "./lib";

export type Program = "floor" | "providers";

/** One resource of a `pulumi stack export`. */
export interface StateResource {
  urn: string;
  type: string;
  custom?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface CliStack {
  name: string;
  /** The program's directory (where Pulumi.yaml is). */
  dir: string;
  env: Record<string, string>;
  pulumi(args: string[], env?: Record<string, string>): Promise<CliRun>;
  up(env?: Record<string, string>): Promise<CliRun>;
  refresh(): Promise<CliRun>;
  destroy(): Promise<CliRun>;
  /** The resources of `pulumi stack export`, and the export's size in bytes. */
  exported(): Promise<{ resources: StateResource[]; bytes: number }>;
  /** Removes the stack (whatever it still holds) and its stack file. */
  remove(): Promise<void>;
}

const APPLY = ["--yes", "--skip-preview", "--non-interactive", "--suppress-progress"];

/** Drives an existing stack `name` of the program in `dir` with the given backend environment. */
export function cliStack(dir: string, name: string, env: Record<string, string>): CliStack {
  const pulumi = (args: string[], extra: Record<string, string> = {}) =>
    run("pulumi", [...args, "--stack", name], { cwd: dir, env: { ...env, ...extra } });
  return {
    name,
    dir,
    env,
    pulumi,
    up: (extra) => pulumi(["up", ...APPLY], extra),
    refresh: () => pulumi(["refresh", ...APPLY]),
    destroy: () => pulumi(["destroy", ...APPLY]),
    async exported() {
      const text = (await pulumi(["stack", "export"])).stdout;
      const doc = JSON.parse(text) as { deployment?: { resources?: StateResource[] } };
      return { resources: doc.deployment?.resources ?? [], bytes: Buffer.byteLength(text) };
    },
    async remove() {
      await pulumi(["stack", "rm", "--yes", "--force"]).catch(() => undefined);
      rmSync(path.join(dir, `Pulumi.${name}.yaml`), { force: true });
    },
  };
}

/** How a program's TypeScript is loaded (its Pulumi.yaml's runtime options): the --require hooks of nodeargs. */
export function loaderOf(dir: string): { typescript: boolean; requires: string[] } {
  const doc = parseYaml(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as {
    runtime?: string | { options?: { typescript?: boolean; nodeargs?: string } };
  };
  const options = typeof doc.runtime === "object" ? (doc.runtime.options ?? {}) : {};
  const args = (options.nodeargs ?? "").split(/\s+/).filter(Boolean);
  // the language host runs node in the program's directory: a relative hook is relative to it
  const requires = args.flatMap((a, i) =>
    ["--require", "-r"].includes(args[i - 1]) ? [path.resolve(dir, a)] : [],
  );
  return { typescript: options.typescript !== false, requires };
}

/** Node arguments that load TypeScript as the project's program does (its nodeargs' hooks). */
export function projectLoaderArgs(): string[] {
  const l = loaderOf(ROOT);
  if (l.typescript)
    throw new Error(
      "Pulumi.yaml's runtime.options.typescript is not false: the project loads its TypeScript through nodeargs' --require ./bin/ts-hook.js, and the bench loads it the same way",
    );
  return l.requires.flatMap((r) => ["-r", r]);
}

/** Refuses a bench program that would start differently from the project's own program. */
function assertLoadsLikeTheProject(dir: string): void {
  const [mine, project] = [loaderOf(dir), loaderOf(ROOT)];
  if (JSON.stringify(mine) !== JSON.stringify(project))
    throw new Error(
      `${path.relative(ROOT, dir)}/Pulumi.yaml loads TypeScript as ${JSON.stringify(mine)}, the project's Pulumi.yaml as ${JSON.stringify(project)}: make their runtime options match, or the figures compare different start-ups`,
    );
}

/**
 * Creates the stack `name` of bench/programs/<program> on the file backend in `backendDir`, with
 * `plain` and `secrets` (stored as secrets) set in the project's namespace.
 */
export async function programStack(
  program: Program,
  name: string,
  backendDir: string,
  plain: Record<string, string>,
  secrets: Record<string, string> = {},
): Promise<CliStack> {
  const dir = path.join(ROOT, "bench", "programs", program);
  assertLoadsLikeTheProject(dir);
  const stack = cliStack(dir, name, localEnv({ stackName: name, backendDir }));
  await run("pulumi", ["stack", "init", name, "--secrets-provider", "passphrase", "--non-interactive"], {
    cwd: dir,
    env: stack.env,
  });
  try {
    await stack.pulumi([
      "config",
      "set-all",
      ...Object.entries(plain).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`]),
      ...Object.entries(secrets).flatMap(([k, v]) => ["--secret", `${k}=${v}`]),
    ]);
  } catch (err) {
    await stack.remove();
    throw err;
  }
  return stack;
}

/** The dynamic resources of a state (those a pulumi.dynamic provider manages). */
export const dynamicResources = (resources: StateResource[]): StateResource[] =>
  resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"));
