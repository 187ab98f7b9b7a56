// Shared by every `sophia` command: exit codes, output (JSON for machines, tables for people), masking,
// progress on stderr, and opening a stack through the Automation API.
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { ensureEngine, localEnv, ROOT } from "../scripts/lib";

import { CliError } from "./exit";

export { CliError, EXIT, progress } from "./exit";

/** A fixed-width table; cells are strings already masked by the caller. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? "").padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const SECRETISH =
  /(password|passwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credential|passphrase)/i;

/** A value for display: secrets and credential-named values are masked. */
export function mask(key: string, value: unknown, secret = false): string {
  if (secret || SECRETISH.test(key) || value === "[secret]") return "[secret]";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The environment every CLI command gives the engine for `stackName` (see openStack). */
export function stackEnv(stackName: string): Record<string, string> {
  const envVars: Record<string, string> = {
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  // the sandbox's published passphrase whatever the backend: Pulumi.sandbox.yaml's salt is made with it
  if (stackName === "sandbox") Object.assign(envVars, localEnv({ stackName }));
  return envVars;
}

/**
 * Writes `text` to `file`, readable by its owner only (0600). Refuses an existing file unless `force`;
 * then writes a new 0600 file beside it and renames it over, so the old file's mode never carries over.
 */
export function writePrivate(file: string, text: string, force: boolean): void {
  const tmp = force ? path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`) : file;
  let fd: number;
  try {
    fd = openSync(tmp, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new CliError(`${file} exists; pass --force to overwrite it`);
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  if (tmp !== file) renameSync(tmp, file);
}

/**
 * One line for a failed engine command. The Automation API puts the command's whole stdout and stderr in
 * its error's message; this keeps the first `error:` the engine gave (a resource's diagnostic comes before
 * the command's summary; the first item of an "N errors occurred" list, with how many more there were).
 */
export function engineMessage(err: unknown): string {
  const result = (err as { commandResult?: { stdout?: string; stderr?: string } } | undefined)?.commandResult;
  if (!result) return String((err as Error)?.message ?? err);
  const lines = `${result.stdout ?? ""}\n${result.stderr ?? ""}`
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("Command failed with exit code"));
  const generic = /^(update failed|preview failed|an error occurred|\d+ errors? occurred:?)$/i;
  const errors = lines
    .filter((l) => l.startsWith("error: "))
    .map((l) => l.slice("error: ".length).trim())
    .filter((l) => l && !generic.test(l));
  const bullet = /^(\*|\d+\))\s+/;
  const bullets = lines.filter((l) => bullet.test(l)).map((l) => l.replace(bullet, ""));
  let first = errors[0] ?? bullets[0] ?? lines[0] ?? "the engine failed";
  if (!errors.length && bullets.length > 1) first += ` (and ${bullets.length - 1} more)`;
  return first.length > 400 ? `${first.slice(0, 397)}...` : first;
}

/**
 * Opens a stack of this project. The sandbox stack uses the local defaults (the file backend in
 * .pulumi-state/ unless PULUMI_BACKEND_URL names another, the published passphrase); other stacks use the
 * backend you are logged in to and your secrets provider settings, as `pulumi` itself would.
 */
export async function openStack(stackName: string): Promise<Stack> {
  ensureEngine({ quiet: true });
  try {
    return await LocalWorkspace.selectStack({ stackName, workDir: ROOT }, { envVars: stackEnv(stackName) });
  } catch (err) {
    const text = String((err as Error).message ?? err);
    if (/PULUMI_ACCESS_TOKEN must be set|not logged in/i.test(text))
      throw new CliError(
        `not logged in to a state backend: run \`pulumi login\` (Pulumi Cloud, s3://..., postgres://...) or set PULUMI_BACKEND_URL (README, "Pointing a stack at real accounts")`,
      );
    if (/no stack named|not found/i.test(text))
      throw new CliError(
        `stack "${stackName}" does not exist in this backend (create it with \`pulumi stack init ${stackName}\`)`,
      );
    throw new CliError(`cannot open stack "${stackName}": ${engineMessage(err)}`);
  }
}

/** A stack's config as stackConfig reads it: key → value (secrets decrypted: never print them). */
export type StackConfig = Map<string, { value: string; secret: boolean }>;

/**
 * The stack's config: the project's keys without their namespace (as the program reads them), other
 * namespaces' keys in full (github:owner). Secret values are decrypted: never print them.
 */
export async function stackConfig(stack: Stack): Promise<StackConfig> {
  const all = await stack.getAllConfig();
  const out: StackConfig = new Map();
  for (const [k, v] of Object.entries(all)) {
    const key = k.startsWith("sophia-ai:") ? k.slice("sophia-ai:".length) : k;
    out.set(key, { value: v.value, secret: Boolean(v.secret) });
  }
  return out;
}

export async function postSlack(webhookUrl: string, text: string): Promise<void> {
  const res = await fetch(webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok)
    throw new CliError(`Slack webhook answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
}
