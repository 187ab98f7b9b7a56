// `sophia recover`: brings a stack that an interrupted `pulumi up` left behind (a cancelled CI runner,
// `kill -9`, a lost machine) back to a state the next update can trust. Three steps, one line each:
//   lock     clear the lock a dead update left (never one a running update holds);
//   refresh  read every resource from its vendor and drop the pending operations (--clear-pending-creates);
//   preview  what the next `up` will do, per resource; with --up, that `up` itself.
// The creates the killed update left pending may have made their object at the vendor: the providers adopt
// (or delete and recreate) an object carrying the name the program gives it, so the next `up` converges
// without a duplicate.
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { CliError, EXIT, engineMessage, openStack, progress } from "./common";

export type StepName = "lock" | "refresh" | "preview" | "up";

export interface StepReport {
  step: StepName;
  /** ok: nothing to do; done: it changed something; failed: recovery stopped here; skipped: not reached. */
  status: "ok" | "done" | "failed" | "skipped";
  detail: string;
}

/** A resource the next `up` changes (preview), or the `up` changed (--up). */
export interface Change {
  op: OpType;
  name: string;
  type: string;
  urn: string;
  /** Its create was pending when the update was killed: the object may exist at the vendor already. */
  interruptedCreate: boolean;
}

export interface RecoverReport {
  stack: string;
  steps: StepReport[];
  changes: Change[];
  /** No lock, no pending operation, and the program previews (or applies) against the state. */
  consistent: boolean;
  /** The vendors hold what the program declares: the preview has no changes, or the `up` succeeded. */
  converged: boolean;
  /** The failed step's message, or null. */
  error: string | null;
}

type ChangeCounts = Partial<Record<OpType, number>>;
type Listen = { onEvent?: (e: EngineEvent) => void };

/** What recovery needs of a stack: a subset of the Automation API's Stack (a test can stand in for it). */
export interface RecoverTarget {
  name: string;
  exportStack(): Promise<{ deployment?: unknown }>;
  refresh(
    o: { clearPendingCreates: boolean } & Listen,
  ): Promise<{ summary: { resourceChanges?: ChangeCounts } }>;
  cancel(): Promise<void>;
  preview(o: Listen): Promise<{ changeSummary: ChangeCounts }>;
  up(o: Listen): Promise<{ summary: { resourceChanges?: ChangeCounts } }>;
}

/** One line of the engine's "currently locked" error: a DIY backend's lock file and what it records. */
export interface LockHolder {
  lock: string;
  user: string;
  host: string;
  pid: number;
  since: string;
}

/** A step's failure; `code` is the command's exit code. */
class StepFailed extends Error {
  constructor(
    readonly step: StepName,
    message: string,
    readonly code: number = EXIT.recoverFailed,
  ) {
    super(message);
  }
}

const SHOWN_OPS: OpType[] = ["create", "update", "replace", "delete", "import"];
const nameOf = (urn: string) => urn.split("::").pop() ?? urn;

/** The engine's whole output in a failed command's error (the Automation API's CommandError). */
function commandText(err: unknown): string {
  const r = (err as { commandResult?: { stdout?: string; stderr?: string } } | undefined)?.commandResult;
  return r ? `${r.stdout ?? ""}\n${r.stderr ?? ""}` : String((err as Error)?.message ?? err);
}

/**
 * The lock holders a DIY backend (file, S3, GCS, Azure, PostgreSQL) lists when it refuses an update:
 * `  <lock url>: created by user@host (pid N) at <time>`. Undefined when the error is not a lock.
 */
export function lockHolders(err: unknown): LockHolder[] | undefined {
  const text = commandText(err);
  if (!/currently locked by \d+ lock/.test(text)) return undefined;
  return [...text.matchAll(/^\s*(\S+): created by (.*)@([^@\s]+) \(pid (\d+)\) at (\S+)\s*$/gm)].map((m) => ({
    lock: m[1],
    user: m[2],
    host: m[3],
    pid: Number(m[4]),
    since: m[5],
  }));
}

/** Pulumi Cloud's answer while another update of the stack is in progress (or was killed and not cancelled). */
export const serviceBusy = (err: unknown) =>
  /Another update is currently in progress|\[409\] Conflict/i.test(commandText(err));

/**
 * The command line of process `pid` on this machine: undefined when there is none (or only its zombie),
 * null when this system cannot say what it runs (no /proc).
 */
export function processCommand(pid: number): string[] | null | undefined {
  if (existsSync("/proc/self")) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return undefined;
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    } catch {
      return undefined;
    }
  }
  try {
    process.kill(pid, 0);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM" ? null : undefined;
  }
}

/** dead: the update is gone; running: a pulumi on this machine holds it; unknown: it cannot be checked. */
export type HolderState = "dead" | "running" | "unknown";

/**
 * Whether the update holding a lock is dead. Only a holder on this machine can be checked: its pid is gone,
 * or is now another program (pids are reused). A holder elsewhere may be running.
 */
export function holderState(
  h: LockHolder,
  here = hostname(),
  command = processCommand,
): { state: HolderState; why: string } {
  const who = `pid ${h.pid} on ${h.host} (${h.user}), since ${h.since}`;
  if (h.host !== here) return { state: "unknown", why: `${who}: another machine, not checked from here` };
  const cmd = command(h.pid);
  if (cmd === undefined) return { state: "dead", why: `${who}: that process is gone` };
  if (cmd === null) return { state: "unknown", why: `${who}: that process exists, running what is unknown` };
  const program = path.basename(cmd[0] ?? "?");
  if (program !== "pulumi") return { state: "dead", why: `${who}: that pid is now ${program}, not pulumi` };
  return { state: "running", why: `${who}: still running (${cmd.slice(0, 3).join(" ")})` };
}

/**
 * Clears the stack's lock with `pulumi cancel` (on a DIY backend it deletes every lock file of the stack;
 * on Pulumi Cloud it cancels the update in progress), but only when every holder is dead, or `yes` says
 * the operator knows no update is running. Returns the step's detail; throws when it must not clear it.
 */
async function clearLock(stack: RecoverTarget, err: unknown, yes: boolean): Promise<string> {
  const holders = lockHolders(err);
  const judged = (holders ?? []).map((h) => holderState(h));
  // a pulumi still running on this machine is never cleared, not even with --yes
  const running = judged.find((j) => j.state === "running");
  if (running)
    throw new StepFailed(
      "lock",
      `held by a running update: ${running.why}; wait for it to end`,
      EXIT.recoverLocked,
    );
  const unknown = judged.find((j) => j.state === "unknown");
  const rerun = "if no update of this stack is running there, rerun with --yes";
  if (!yes && !holders)
    throw new StepFailed(
      "lock",
      `Pulumi Cloud reports an update in progress; ${rerun} to cancel it`,
      EXIT.recoverLocked,
    );
  if (!yes && unknown) throw new StepFailed("lock", `held by ${unknown.why}; ${rerun}`, EXIT.recoverLocked);
  progress(`clearing the lock of ${stack.name}`);
  try {
    await stack.cancel();
  } catch (e) {
    throw new StepFailed("lock", `\`pulumi cancel\` failed: ${engineMessage(e)}`);
  }
  if (!holders) return "cancelled the update Pulumi Cloud had in progress (--yes)";
  const how = (j: { state: HolderState; why: string }) => `${j.why}${j.state === "dead" ? "" : " (--yes)"}`;
  return `cleared ${holders.length} lock(s) a dead update left: ${judged.map(how).join("; ")}`;
}

/** The stack's pending operations: what the engine started and never saw finish. */
async function pendingOperations(stack: RecoverTarget): Promise<{ op: string; urn: string }[]> {
  const d = (await stack.exportStack()).deployment as
    | { pending_operations?: { type?: string; resource?: { urn?: string } }[] }
    | undefined;
  return (d?.pending_operations ?? []).map((p) => ({ op: String(p.type), urn: String(p.resource?.urn) }));
}

const counts = (c: ChangeCounts | undefined) =>
  Object.entries(c ?? {})
    .filter(([, n]) => n)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ") || "nothing";

/**
 * Steps 1 and 2: the refresh, which a DIY backend's lock (or Pulumi Cloud's update in progress) refuses
 * before it reads anything; then that lock is judged, cleared, and the refresh run again. The refresh
 * clears the pending operations; a create among them may have made its object at the vendor.
 */
async function lockAndRefresh(stack: RecoverTarget, yes: boolean, report: (s: StepReport) => void) {
  let pending: { op: string; urn: string }[];
  try {
    pending = await pendingOperations(stack);
  } catch (err) {
    throw new StepFailed("refresh", `cannot read the stack's state: ${engineMessage(err)}`);
  }
  const refresh = () => {
    progress(`refreshing ${stack.name} (clearing pending operations)`);
    return stack.refresh({ clearPendingCreates: true });
  };
  let result: Awaited<ReturnType<typeof refresh>>;
  try {
    result = await refresh();
    report({ step: "lock", status: "ok", detail: "none held" });
  } catch (err) {
    if (!lockHolders(err) && !serviceBusy(err)) {
      report({ step: "lock", status: "ok", detail: "none held" });
      throw new StepFailed("refresh", engineMessage(err));
    }
    report({ step: "lock", status: "done", detail: await clearLock(stack, err, yes) });
    try {
      result = await refresh();
    } catch (again) {
      throw new StepFailed("refresh", engineMessage(again));
    }
  }
  const left = await pendingOperations(stack).catch(() => [
    { op: "unknown", urn: "the state could not be read" },
  ]);
  if (left.length)
    throw new StepFailed(
      "refresh",
      `${left.length} pending operation(s) remain: ${left.map((p) => `${p.op} ${nameOf(p.urn)}`).join(", ")}`,
    );
  const cleared = pending.length
    ? `cleared ${pending.length} pending operation(s): ${pending.map((p) => `${p.op} ${nameOf(p.urn)}`).join(", ")}; `
    : "no pending operations; ";
  report({
    step: "refresh",
    status: pending.length ? "done" : "ok",
    detail: `${cleared}read every resource from its vendor (${counts(result.summary.resourceChanges)})`,
  });
  return new Set(pending.filter((p) => p.op === "creating").map((p) => p.urn));
}

/** Step 3: a preview (what the next `up` will do) or, with `up`, the update, each change named. */
async function converge(
  stack: RecoverTarget,
  up: boolean,
  interrupted: Set<string>,
  report: (s: StepReport) => void,
): Promise<{ changes: Change[]; converged: boolean }> {
  const changes: Change[] = [];
  const onEvent = (e: EngineEvent) => {
    const m = e.resourcePreEvent?.metadata;
    if (!m || !SHOWN_OPS.includes(m.op)) return;
    changes.push({
      op: m.op,
      name: nameOf(m.urn),
      type: m.type,
      urn: m.urn,
      interruptedCreate: interrupted.has(m.urn),
    });
  };
  const step: StepName = up ? "up" : "preview";
  progress(`${up ? "updating" : "previewing"} ${stack.name}`);
  let summary: ChangeCounts | undefined;
  try {
    summary = up
      ? (await stack.up({ onEvent })).summary.resourceChanges
      : (await stack.preview({ onEvent })).changeSummary;
  } catch (err) {
    throw new StepFailed(step, engineMessage(err));
  }
  if (up) {
    report({ step, status: changes.length ? "done" : "ok", detail: `converged (${counts(summary)})` });
    return { changes, converged: true };
  }
  report({
    step,
    status: "ok",
    detail: changes.length
      ? `the next \`up\` has changes (${counts(summary)}): run \`pulumi up\` (or \`sophia recover --up\`) to converge`
      : "no changes: the stack is consistent and its vendors hold what the program declares",
  });
  return { changes, converged: !changes.length };
}

/** Runs the steps in order, stopping at the first that fails; `report` hears of each step as it ends. */
export async function recover(
  stack: RecoverTarget,
  o: { yes?: boolean; up?: boolean },
  report: (s: StepReport) => void = () => {},
): Promise<RecoverReport & { code: number }> {
  const steps: StepReport[] = [];
  const record = (s: StepReport) => {
    steps.push(s);
    report(s);
  };
  const out = { stack: stack.name, steps, changes: [] as Change[], consistent: false, converged: false };
  try {
    const interrupted = await lockAndRefresh(stack, Boolean(o.yes), record);
    Object.assign(out, await converge(stack, Boolean(o.up), interrupted, record), { consistent: true });
    return { ...out, error: null, code: EXIT.ok };
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    record({ step: err.step, status: "failed", detail: err.message });
    const order: StepName[] = ["lock", "refresh", o.up ? "up" : "preview"];
    for (const s of order.filter((s) => !steps.some((r) => r.step === s)))
      steps.push({ step: s, status: "skipped", detail: `not run: ${err.step} failed` });
    return { ...out, error: `${err.step}: ${err.message}`, code: err.code };
  }
}

/** One line per step, and under the preview (or up) one line per changed resource. */
export function stepLine(s: StepReport): string {
  return `${s.step}: ${s.status === "failed" ? "FAILED: " : ""}${s.detail}`;
}

export function changeLine(c: Change): string {
  const why = c.interruptedCreate ? " (its create was interrupted: an object of its name is adopted)" : "";
  return `  ${c.op} ${c.name} (${c.type})${why}`;
}

export async function recoverCommand(o: { stack: string; json?: boolean; yes?: boolean; up?: boolean }) {
  const stack = await openStack(o.stack);
  const print = (s: StepReport) => {
    if (!o.json && s.status !== "failed") console.log(stepLine(s));
  };
  const { code, ...report } = await recover(stack, o, print);
  if (o.json) {
    console.log(JSON.stringify(report, null, 2));
    process.exitCode = code;
    return;
  }
  for (const c of report.changes) console.log(changeLine(c));
  if (report.error) throw new CliError(`recovery stopped at ${report.error}`, code);
}
