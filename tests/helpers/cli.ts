// Runs the `sophia` CLI as a user would (bin/sophia in a child process), asynchronously: tests that host the
// stand-ins in their own process must keep serving while the CLI runs.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { ROOT, SANDBOX_PASSPHRASE } from "../../scripts/lib";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `env` is laid over this process's environment with progress silenced (SOPHIA_QUIET=1); a key set to
 * undefined is removed.
 */
export function runSophia(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, SOPHIA_QUIET: "1", ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(ROOT, "bin", "sophia"), ...args], { cwd: opts.cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment of a stack on a file backend in `dir`, with the sandbox's published passphrase. */
export const fileBackend = (dir: string) => ({
  PULUMI_BACKEND_URL: `file://${dir}`,
  PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
});
