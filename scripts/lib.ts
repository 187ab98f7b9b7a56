// Shared by `npm run sandbox`, the end-to-end tests and (later) the operations CLI: finding the engine and
// opening a stack through the Automation API with the project's local defaults.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { backendEnv } from "./backend";

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
  /** Directory of a file state backend. */
  backendDir?: string;
  /** Any other backend (postgres://…, s3://…), when there is no backendDir. */
  backendUrl?: string;
  passphrase?: string;
}

/**
 * The backend of a local stack: backendDir, else backendUrl, else PULUMI_BACKEND_URL (so `npm run sandbox`
 * keeps the sandbox's state where the environment says), else the file backend in .pulumi-state/.
 */
export function localBackendUrl(o: LocalStackOptions): string {
  const url = o.backendDir ? undefined : o.backendUrl || process.env.PULUMI_BACKEND_URL;
  if (url) return url;
  const dir = o.backendDir ?? path.join(ROOT, ".pulumi-state");
  mkdirSync(dir, { recursive: true });
  return `file://${dir}`;
}

export function localEnv(o: LocalStackOptions): Record<string, string> {
  return {
    ...backendEnv(localBackendUrl(o)),
    PULUMI_CONFIG_PASSPHRASE: o.passphrase ?? SANDBOX_PASSPHRASE,
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
}

/** Selects (creating if needed) a stack of this project on the backend localBackendUrl chooses. */
export async function localStack(o: LocalStackOptions): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack(
    { stackName: o.stackName, workDir: ROOT },
    { envVars: localEnv(o), secretsProvider: "passphrase" },
  );
}
