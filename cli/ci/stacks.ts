// Which stacks a change touches, for the pull-request workflow: the stacks it previews and those it names
// in its comment. Decided here, not in YAML, so it is tested (tests/contract/delivery.test.ts).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../scripts/lib";
import { CliError, EXIT } from "../exit";
import { setOutput } from "./output";

/** The stacks the workflows deploy, in order of promotion (the sandbox is local only). */
export const DEPLOYED_STACKS = ["development", "staging", "production"] as const;

/**
 * Stacks whose credentials a pull request's code may not use: the `production` GitHub environment that
 * integrations/github.ts creates deploys from protected branches only, so a pull request's job cannot
 * enter it. Production is previewed by the production workflow (on main) before its reviewer-gated `up`.
 */
export const PROTECTED_STACKS: readonly string[] = ["production"];

/** Paths that make up the program: a change to any of them can change every stack. */
const PROGRAM = [
  "index.ts",
  "config.ts",
  "Pulumi.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "integrations/",
  "providers/",
  "policy/",
];

export interface StackPlan {
  /** every deployed stack the change can alter, in DEPLOYED_STACKS order */
  touched: string[];
  /** what the pull request previews: development always, and every touched stack it may enter */
  preview: string[];
  /** touched but not previewed here, with why */
  skipped: { stack: string; reason: string }[];
}

/** The plan for a change that alters `files` (paths relative to the repository root, `/`-separated). */
export function planFor(files: string[], stacks: readonly string[] = DEPLOYED_STACKS): StackPlan {
  const touched = new Set<string>();
  for (const f of files) {
    const own = /^Pulumi\.([^/]+)\.ya?ml$/.exec(f);
    if (own && stacks.includes(own[1])) touched.add(own[1]);
    if (PROGRAM.some((p) => (p.endsWith("/") ? f.startsWith(p) : f === p))) {
      for (const s of stacks) touched.add(s);
    }
  }
  const ordered = stacks.filter((s) => touched.has(s));
  const previewable = (s: string) => !PROTECTED_STACKS.includes(s);
  const preview = [...new Set(["development", ...ordered])].filter(
    (s) => stacks.includes(s) && previewable(s),
  );
  return {
    touched: ordered,
    preview: stacks.filter((s) => preview.includes(s)),
    skipped: ordered
      .filter((s) => !previewable(s))
      .map((stack) => ({
        stack,
        reason: `a pull request cannot use ${stack}'s credentials; the production workflow previews it before the reviewer approves its up`,
      })),
  };
}

/** Files changed between the merge base of `base` and `head`, and `head` (what a pull request changes). */
export function changedFiles(base: string, head: string, cwd = ROOT): string[] {
  const git = (...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" });
  for (const ref of [base, head]) {
    try {
      git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
    } catch {
      throw new CliError(
        `git does not know ${ref}; check out with fetch-depth: 0 so both ends of the change are here`,
        EXIT.usage,
      );
    }
  }
  return git("diff", "--name-only", "--no-renames", `${base}...${head}`)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** `sophia ci stacks`. */
export async function stacksCommand(o: { base: string; head: string; json?: boolean }): Promise<void> {
  const missing = DEPLOYED_STACKS.filter((s) => !existsSync(path.join(ROOT, `Pulumi.${s}.yaml`)));
  if (missing.length) throw new CliError(`no Pulumi.<stack>.yaml for ${missing.join(", ")}`);
  const files = changedFiles(o.base, o.head);
  const plan = planFor(files);
  setOutput("plan", JSON.stringify(plan));
  setOutput("preview", JSON.stringify(plan.preview));
  if (o.json) console.log(JSON.stringify({ files: files.length, ...plan }, null, 2));
  else {
    console.log(`${files.length} file(s) changed`);
    console.log(`touched: ${plan.touched.join(", ") || "(no stack)"}`);
    console.log(`preview: ${plan.preview.join(", ")}`);
    for (const s of plan.skipped) console.log(`not previewed here: ${s.stack} (${s.reason})`);
  }
}
