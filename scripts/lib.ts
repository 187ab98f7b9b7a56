// Shared by `npm run sandbox`, the end-to-end tests and (later) the operations CLI: finding the engine and
// opening a stack through the Automation API with the project's local defaults.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";

export const ROOT = path.resolve(__dirname, "..");

/**
 * The sandbox stack's passphrase. It protects only the sandbox's stand-in credentials and is published on
 * purpose so the sandbox works on a fresh clone; real stacks use their own secrets provider, never this.
 */
export const SANDBOX_PASSPHRASE = "sophia-sandbox";

/** Builds or finds the Pulumi engine (scripts/engine.sh) and puts it first on PATH; returns its directory. */
export function ensureEngine(opts: { quiet?: boolean } = {}): string {
  const out = execFileSync("bash", [path.join(ROOT, "scripts", "engine.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", opts.quiet ? "pipe" : "inherit"],
  });
  const bin = out.trim().split("\n").pop() ?? "";
  if (!process.env.PATH?.split(path.delimiter).includes(bin)) {
    process.env.PATH = `${bin}${path.delimiter}${process.env.PATH ?? ""}`;
  }
  return bin;
}

export interface LocalStackOptions {
  stackName: string;
  /** Directory of the file state backend (default .pulumi-state/ in the project). */
  backendDir?: string;
  passphrase?: string;
}

export function localEnv(o: LocalStackOptions): Record<string, string> {
  const backendDir = o.backendDir ?? path.join(ROOT, ".pulumi-state");
  mkdirSync(backendDir, { recursive: true });
  return {
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: o.passphrase ?? SANDBOX_PASSPHRASE,
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
}

/** Selects (creating if needed) a stack of this project on a local file backend. */
export async function localStack(o: LocalStackOptions): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack(
    { stackName: o.stackName, workDir: ROOT },
    { envVars: localEnv(o), secretsProvider: "passphrase" },
  );
}
