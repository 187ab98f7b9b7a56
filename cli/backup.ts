// `sophia backup` / `sophia restore`: the stack's deployment as `pulumi stack export` writes it. Secret
// values stay encrypted with the stack's secrets provider, so a backup is only as readable as the stack.
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { ensureEngine, localEnv, ROOT } from "../scripts/lib";
import { CliError, openStack, progress } from "./common";

export async function backup(stackName: string, file: string, force: boolean) {
  const stack = await openStack(stackName);
  progress(`exporting ${stackName}`);
  const deployment = await stack.exportStack();
  const text = JSON.stringify(deployment, null, 2);
  if (text.includes('"plaintext"')) {
    throw new CliError("refusing to write a backup that holds decrypted secrets");
  }
  let fd: number;
  try {
    fd = openSync(file, force ? "w" : "wx", 0o600);
  } catch (err: any) {
    if (err.code === "EEXIST") throw new CliError(`${file} exists; pass --force to overwrite it`);
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return { stack: stackName, file, resources: deployment.deployment?.resources?.length ?? 0 };
}

export async function restore(stackName: string, file: string, force: boolean) {
  ensureEngine({ quiet: true });
  const deployment = JSON.parse(readFileSync(file, "utf8"));
  if (deployment?.version === undefined || !deployment.deployment) {
    throw new CliError(`${file} is not a stack export (no "version"/"deployment")`);
  }
  const envVars: Record<string, string> = {
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  if (stackName === "sandbox" && !process.env.PULUMI_BACKEND_URL)
    Object.assign(envVars, localEnv({ stackName }));
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: ROOT }, { envVars });
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
