// `sophia backup` / `sophia restore`: the stack's deployment as `pulumi stack export` writes it. Secret
// values stay encrypted with the stack's secrets provider, so a backup is only as readable as the stack.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { ensureEngine, ROOT } from "../scripts/lib";
import { CliError, EXIT, openStack, progress, stackEnv, writePrivate } from "./common";

const execFileAsync = promisify(execFile);
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A decrypted secret in a deployment is an object with Pulumi's secret signature and a `plaintext` field. */
export function holdsPlaintextSecret(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(holdsPlaintextSecret);
  if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (SECRET_SIG in o && "plaintext" in o) return true;
    return Object.values(o).some(holdsPlaintextSecret);
  }
  return false;
}

export async function backup(stackName: string, file: string, force: boolean) {
  const stack = await openStack(stackName);
  progress(`exporting ${stackName}`);
  // Not stack.exportStack(): the Automation API exports with --show-secrets. The CLI's own export keeps
  // every secret encrypted with the stack's secrets provider.
  const ws = stack.workspace as LocalWorkspace;
  const out = await execFileAsync(
    ws.pulumiCommand.command,
    ["stack", "export", "--stack", stackName, "--non-interactive"],
    {
      cwd: ws.workDir,
      env: { ...process.env, ...ws.envVars },
      maxBuffer: 512 * 1024 * 1024,
    },
  );
  const deployment = JSON.parse(out.stdout);
  if (holdsPlaintextSecret(deployment))
    throw new CliError("refusing to write a backup that holds decrypted secrets");
  writePrivate(file, JSON.stringify(deployment, null, 2), force);
  return { stack: stackName, file, resources: deployment.deployment?.resources?.length ?? 0 };
}

export async function restore(stackName: string, file: string, force: boolean) {
  ensureEngine({ quiet: true });
  const deployment = JSON.parse(readFileSync(file, "utf8"));
  if (deployment?.version === undefined || !deployment.deployment) {
    throw new CliError(`${file} is not a stack export (no "version"/"deployment")`);
  }
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, workDir: ROOT },
    { envVars: stackEnv(stackName) },
  );
  const current = await stack.exportStack();
  const existing = current.deployment?.resources?.length ?? 0;
  if (existing > 0 && !force) {
    throw new CliError(
      `stack ${stackName} already has ${existing} resources; pass --force to replace its state`,
    );
  }
  progress(`importing ${deployment.deployment.resources?.length ?? 0} resources into ${stackName}`);
  await stack.importStack(deployment);
  return { stack: stackName, file, resources: deployment.deployment.resources?.length ?? 0 };
}

/** `sophia backup`. */
export async function backupCommand(o: { stack: string; file: string; force?: boolean; json?: boolean }) {
  const summary = await backup(o.stack, o.file, Boolean(o.force));
  console.log(
    o.json ? JSON.stringify(summary) : `Backed up ${summary.resources} resources of ${o.stack} to ${o.file}.`,
  );
}

/** `sophia restore`. */
export async function restoreCommand(o: { stack: string; file: string; force?: boolean; json?: boolean }) {
  if (!existsSync(o.file)) throw new CliError(`backup file ${o.file} does not exist`, EXIT.usage);
  const summary = await restore(o.stack, o.file, Boolean(o.force));
  console.log(o.json ? JSON.stringify(summary) : `Restored ${summary.resources} resources into ${o.stack}.`);
}
