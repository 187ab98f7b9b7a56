// `sophia backup` / `sophia restore`: the stack's deployment as `pulumi stack export` writes it. Secret
// values stay encrypted with the stack's secrets provider, so a backup is only as readable as the stack.
// A backup goes back into the stack it was taken from (created if missing), never under another name.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { LocalWorkspace, type Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { ESTUARY } from "../integrations/estuary/keys";
import { STACK } from "../integrations/stack/keys";
import { ensureEngine, ROOT } from "../scripts/lib";
import { CliError, EXIT, engineMessage, openStack, progress, stackEnv, writePrivate } from "./common";

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

/** The project's name, from Pulumi.yaml. */
function projectName(): string {
  const m = /^name:\s*["']?([^\s"'#]+)/m.exec(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
  if (!m) throw new CliError("Pulumi.yaml has no project name");
  return m[1];
}

/** A stack export (`pulumi stack export`), as far as backup and restore read it. */
export interface StackExport {
  version: number;
  deployment: { resources?: ({ urn?: unknown } | null)[] };
}

/** A backup file's deployment, checked to be a stack export. */
export function readBackup(file: string): StackExport {
  let deployment: Partial<StackExport> | null;
  try {
    deployment = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliError(`${file} is not a stack export (${(err as Error).message})`, EXIT.usage);
  }
  if (deployment?.version === undefined || !deployment.deployment) {
    throw new CliError(`${file} is not a stack export (no "version"/"deployment")`, EXIT.usage);
  }
  return deployment as StackExport;
}

/**
 * The stack and project a backup was taken from, as its resources' URNs name them
 * (`urn:pulumi:<stack>::<project>::...`); undefined for a backup with no resources.
 */
export function backupOrigin(
  deployment: StackExport,
  file: string,
): { stack: string; project: string } | undefined {
  const origins = new Set<string>();
  for (const r of deployment.deployment.resources ?? []) {
    const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(String(r?.urn ?? ""));
    if (!m)
      throw new CliError(`${file} is not a stack export: ${JSON.stringify(r?.urn)} is not a resource URN`);
    origins.add(`${m[1]}::${m[2]}`);
  }
  if (origins.size > 1)
    throw new CliError(`${file} holds resources of more than one stack (${[...origins].join(", ")})`);
  const [origin] = origins;
  if (!origin) return undefined;
  const [stack, project] = origin.split("::");
  return { stack, project };
}

/**
 * Refuses, before anything is created, a backup of another project or of another stack. A restore under
 * another name is not a restore: every object name (namePrefix, estuaryPrefix) and some defaults
 * (protectData in production) follow the stack's name, so the next `up` would replace or unprotect what the
 * state holds, and the original stack, if it still exists, would manage the same resources.
 */
export function checkOrigin(
  deployment: StackExport,
  file: string,
  stackName: string,
  project = projectName(),
): void {
  const origin = backupOrigin(deployment, file);
  if (!origin) return;
  if (origin.project !== project)
    throw new CliError(`${file} is a backup of project "${origin.project}", not of ${project}`, EXIT.usage);
  const wanted = stackName.split("/").pop();
  if (origin.stack !== wanted) {
    throw new CliError(
      `${file} holds the state of stack "${origin.stack}", not "${wanted}": restore it with --stack ${origin.stack}. ` +
        `Nothing was created. A restore under another name is refused: object names and defaults follow the stack's name ` +
        `(${STACK.namePrefix.name}, ${ESTUARY.estuaryPrefix.name}, ${STACK.protectData.name}), so that stack would replace or unprotect ${origin.stack}'s resources. ` +
        `To rename the stack, restore it as ${origin.stack}, pin ${STACK.namePrefix.name} (sophia-${origin.stack}) and those defaults in ` +
        `Pulumi.${origin.stack}.yaml, then run \`pulumi stack rename ${wanted} --stack ${origin.stack}\`.`,
      EXIT.usage,
    );
  }
}

/**
 * Imports a backup into its own stack in the current backend, creating the stack if missing. Whatever
 * fails after that leaves nothing behind: a stack created here is removed again, and the stack's config
 * file (Pulumi.<stack>.yaml, where creating a stack may write a passphrase salt) is put back as it was.
 */
export async function restore(stackName: string, file: string, force: boolean) {
  const deployment = readBackup(file);
  checkOrigin(deployment, file, stackName);
  const count = deployment.deployment.resources?.length ?? 0;
  ensureEngine({ quiet: true });

  const opts = { envVars: stackEnv(stackName) };
  const configFile = path.join(ROOT, `Pulumi.${stackName.split("/").pop()}.yaml`);
  const configBefore = existsSync(configFile) ? readFileSync(configFile) : undefined;
  const fail = (err: unknown) =>
    err instanceof CliError
      ? err
      : new CliError(`could not restore ${file} into ${stackName}: ${engineMessage(err)}`);

  let stack: Stack | undefined;
  try {
    stack = await LocalWorkspace.selectStack({ stackName, workDir: ROOT }, opts);
  } catch (err) {
    if (!(err instanceof StackNotFoundError)) throw fail(err);
  }
  if (stack) {
    try {
      const existing = (await stack.exportStack()).deployment?.resources?.length ?? 0;
      if (existing > 0 && !force) {
        throw new CliError(
          `stack ${stackName} already has ${existing} resources; pass --force to replace its state`,
        );
      }
      progress(`importing ${count} resources into ${stackName}`);
      await stack.importStack(deployment);
    } catch (err) {
      throw fail(err);
    }
    return { stack: stackName, file, resources: count, created: false };
  }

  let created: Stack | undefined;
  try {
    progress(`creating ${stackName}`);
    created = await LocalWorkspace.createStack({ stackName, workDir: ROOT }, opts);
    progress(`importing ${count} resources into ${stackName}`);
    await created.importStack(deployment);
    return { stack: stackName, file, resources: count, created: true };
  } catch (err) {
    if (created) {
      await created.workspace
        .removeStack(stackName, { force: true, preserveConfig: true })
        .catch((rm) => progress(`could not remove the stack created for the restore: ${engineMessage(rm)}`));
    }
    if (configBefore === undefined) rmSync(configFile, { force: true });
    else if (!existsSync(configFile) || !readFileSync(configFile).equals(configBefore))
      writeFileSync(configFile, configBefore);
    throw fail(err);
  }
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
