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
 * Runs `command` to its end, collecting its output. `env` is laid over this process's environment; a key
 * set to undefined is removed. `onStart` gets the child's pid (to kill it mid-run).
 */
export function runProcess(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; onStart?: (pid: number) => void } = {},
): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env });
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
    if (child.pid) opts.onStart?.(child.pid);
  });
}

/** bin/sophia with `args`, progress silenced (SOPHIA_QUIET=1) unless `env` says otherwise. */
export function runSophia(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; onStart?: (pid: number) => void } = {},
): Promise<CliRun> {
  return runProcess("bash", [path.join(ROOT, "bin", "sophia"), ...args], {
    ...opts,
    env: { SOPHIA_QUIET: "1", ...opts.env },
  });
}

/** The environment of a stack on a file backend in `dir`, with the sandbox's published passphrase. */
export const fileBackend = (dir: string) => ({
  PULUMI_BACKEND_URL: `file://${dir}`,
  PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
});
