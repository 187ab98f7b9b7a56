// `sophia ci preview` and `sophia ci deploy`: a preview or an up of one stack with the policy pack
// (policy/), through the Automation API like every other command. Each writes one result document (the
// pull-request comment and the incident memory read it) and a job summary, and fails (exit 1) when the
// engine failed or the policy pack reported any violation.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { redactCredentials } from "../../scripts/backend";
import { ROOT } from "../../scripts/lib";
import { engineMessage, openStack, progress } from "../common";
import { CliError, EXIT } from "../exit";
import { appendSummary } from "./output";

export const POLICY_PACK = path.join(ROOT, "policy");

export interface PolicyViolation {
  policy: string;
  pack: string;
  level: string;
  resource: string | null;
  message: string;
}

export interface OperationResult {
  stack: string;
  operation: "preview" | "up";
  status: "ok" | "failed";
  /** the commit the program was taken from */
  commit: string | null;
  /** resources per operation (create, update, replace, delete, same, ...) */
  changes: Record<string, number>;
  violations: PolicyViolation[];
  error: string | null;
  durationMs: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes in the engine's messages
const ANSI = /\u001b\[[0-9;]*m|<\{%[^%]*%\}>/g;
const plain = (s: string) => s.replace(ANSI, "").trim();

function headCommit(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

/** Runs a preview or an up of `stackName` with the policy pack; never throws for an engine failure. */
export async function runOperation(
  stackName: string,
  operation: "preview" | "up",
  opts: { log?: (text: string) => void } = {},
): Promise<OperationResult> {
  const started = Date.now();
  const violations: PolicyViolation[] = [];
  const result: OperationResult = {
    stack: stackName,
    operation,
    status: "failed",
    commit: headCommit(),
    changes: {},
    violations,
    error: null,
    durationMs: 0,
  };
  const onEvent = (e: EngineEvent) => {
    const p = e.policyEvent;
    if (!p) return;
    violations.push({
      policy: p.policyName,
      pack: p.policyPackName,
      level: p.enforcementLevel,
      resource: p.resourceUrn ?? null,
      message: plain(p.message),
    });
  };
  try {
    progress(`${operation} of ${stackName} with the policy pack`);
    const stack = await openStack(stackName);
    const common = { policyPacks: [POLICY_PACK], onEvent, onOutput: opts.log, color: "never" as const };
    if (operation === "preview") {
      const r = await stack.preview({ ...common, diff: false });
      result.changes = { ...(r.changeSummary ?? {}) };
    } else {
      const r = await stack.up(common);
      result.changes = { ...(r.summary.resourceChanges ?? {}) };
    }
  } catch (err) {
    result.error = err instanceof CliError ? err.message : engineMessage(err);
  }
  result.status = result.error === null && violations.length === 0 ? "ok" : "failed";
  if (result.status === "failed" && result.error === null)
    result.error = `${violations.length} policy violation(s)`;
  result.durationMs = Date.now() - started;
  return result;
}

const COUNTED = { create: "created", update: "updated", replace: "replaced", delete: "deleted" } as const;

/** One line: what changes, e.g. "2 to create, 1 to update" or "2 created" (or "no changes"). */
export function changeLine(r: OperationResult): string {
  const parts = (Object.keys(COUNTED) as (keyof typeof COUNTED)[])
    .filter((k) => r.changes[k])
    .map((k) => `${r.changes[k]} ${r.operation === "preview" ? `to ${k}` : COUNTED[k]}`);
  return parts.length ? parts.join(", ") : "no changes";
}

function summaryMarkdown(r: OperationResult): string {
  const icon = r.status === "ok" ? "✅" : "❌";
  const lines = [
    `### ${icon} ${r.operation} of \`${r.stack}\`: ${r.status === "ok" ? changeLine(r) : "failed"}`,
  ];
  if (r.error) lines.push("", `> ${r.error.replace(/\n/g, " ")}`);
  for (const v of r.violations)
    lines.push(
      `- policy \`${v.policy}\` (${v.level})${v.resource ? ` on \`${v.resource}\`` : ""}: ${v.message}`,
    );
  return lines.join("\n");
}

async function operationCommand(
  operation: "preview" | "up",
  o: { stack: string; result?: string; json?: boolean },
): Promise<void> {
  const log = process.env.SOPHIA_QUIET
    ? undefined
    : (t: string) => process.stderr.write(redactCredentials(t));
  const r = await runOperation(o.stack, operation, { log });
  if (o.result) {
    mkdirSync(path.dirname(path.resolve(o.result)), { recursive: true });
    writeFileSync(o.result, `${JSON.stringify(r, null, 2)}\n`);
  }
  appendSummary(summaryMarkdown(r));
  if (o.json) console.log(JSON.stringify(r, null, 2));
  else {
    console.log(`${operation} of ${o.stack}: ${r.status === "ok" ? changeLine(r) : `FAILED: ${r.error}`}`);
    for (const v of r.violations) console.log(`  policy ${v.policy} (${v.level}): ${v.message}`);
  }
  process.exitCode = r.status === "ok" ? EXIT.ok : EXIT.error;
}

/** `sophia ci preview`. */
export const previewCommand = (o: { stack: string; result?: string; json?: boolean }) =>
  operationCommand("preview", o);

/** `sophia ci deploy`. */
export const deployCommand = (o: { stack: string; result?: string; json?: boolean }) =>
  operationCommand("up", o);
