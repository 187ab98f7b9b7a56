// `sophia secrets rotate`: the blue/green rotation of every credential the program mints (README,
// "Rotating credentials"); ./audit says which are due. A rotation is recorded in the stack's config only
// when it happened: whatever fails puts the config back as it was and says so, per service.

import type { Stack } from "@pulumi/pulumi/automation";
import { ROTATED_SERVICES, type RotatedService } from "../../integrations/credentials";
import { rotationStatus, slotGenerations } from "../../integrations/rotation";
import { STACK } from "../../integrations/stack/keys";
import { redactCredentials } from "../../scripts/backend";
import { CliError, EXIT, engineMessage, openStack, progress, stackConfig } from "../common";
import { DUE_WITHIN_DAYS, maxAgeDaysOf, type RotationEntry } from "./audit";
import { credentialSlots, type StateDeployment } from "./state";

export type { RotationEntry } from "./audit";

/** The stack operations rotation needs; the real one drives the Automation API (tests may pass another). */
export interface RotationDriver {
  rotation(): Promise<Record<string, RotationEntry>>;
  /**
   * Writes the service's rotation entry. An undefined epoch or rotatedAt removes that key (both: the whole
   * entry), so an entry is put back exactly as it was read.
   */
  setRotation(
    service: RotatedService,
    epoch: number | undefined,
    rotatedAt: string | undefined,
  ): Promise<void>;
  /** Applies only the service's credential and what depends on it. Throws NotApplied if it changed nothing. */
  applyService(service: RotatedService): Promise<void>;
  /** Checks that the service's current credential works; resolves to a description, rejects with the failure. */
  verify(service: RotatedService): Promise<string>;
  /** Whether the stack holds the service's credential; a driver without it is taken to hold them all. */
  deployed?(service: RotatedService): Promise<boolean>;
}

/** Thrown by a driver's applyService that refused before changing anything. */
export class NotApplied extends Error {}

export type RotationResult =
  /** the new credential is current and verified; the rotation is recorded */
  | "rotated"
  /** the new credential failed its check; the previous one is current again (exit 6) */
  | "reverted"
  /** the rotation could not be carried out; `error` says why and `detail` what state the stack is in (exit 7) */
  | "failed"
  /** --dry-run: would be rotated */
  | "would-rotate"
  /** --due: not due yet */
  | "skipped-not-due"
  /** the stack holds no credential of this service (with --service all or --due) */
  | "skipped-not-deployed";

export interface RotationOutcome {
  service: RotatedService;
  fromEpoch: number;
  /** The epoch in the stack's config afterwards (fromEpoch unless rotated). */
  toEpoch: number;
  status: RotationResult;
  detail: string;
  /** Why a rotation failed (status "failed" only). */
  error?: string;
}

function reason(err: unknown): string {
  if (err instanceof CliError) return err.message;
  const message = engineMessage(err);
  // the engine itself died (a runner cancelled, the OOM killer): its command line says nothing useful
  const killed = /Command was killed with (SIG[A-Z]+)/.exec(message);
  return killed ? `pulumi was killed (${killed[1]}) before the update finished` : message;
}

/**
 * What to do when the stack could not be applied again: a lock means another update is running, or one
 * that was killed left it behind (README, "Rotating credentials": after a killed update).
 */
const applyByHand = (why: string) =>
  /currently locked/.test(why)
    ? "once no other update is running (a killed one leaves its lock behind), run `pulumi cancel`, `pulumi refresh --clear-pending-creates`, then rotate again"
    : "run `pulumi up`";

/** One service's rotation in progress: the entry it started from and the epochs it moves between. */
interface Attempt {
  driver: RotationDriver;
  service: RotatedService;
  /** The service's rotation entry as it was read, put back exactly on failure. */
  prev: RotationEntry | undefined;
  fromEpoch: number;
  toEpoch: number;
}

/** `toEpoch`: where the config is left (the epoch it started at, unless it could not be put back). */
const failedAt = (
  a: Pick<Attempt, "service" | "fromEpoch">,
  error: string,
  detail: string,
  toEpoch = a.fromEpoch,
): RotationOutcome => ({
  service: a.service,
  fromEpoch: a.fromEpoch,
  toEpoch,
  status: "failed",
  detail,
  error,
});

const byHand = (a: Attempt) =>
  `set rotation.${a.service} back to ${JSON.stringify(a.prev ?? {})} and run \`pulumi up\``;

/**
 * Rotates one service: moves its epoch (the older slot is regenerated and becomes current), applies only
 * what depends on it, and verifies the new credential. On a failed check the epoch is moved back, which
 * makes the untouched previous slot current again, so consumers return to a credential that works. When
 * the rotation cannot be applied at all, the service's rotation config is put back exactly as it was
 * (epoch and rotatedAt): a rotation is recorded only once it happened.
 */
export async function rotateService(
  driver: RotationDriver,
  service: RotatedService,
  now = new Date(),
): Promise<RotationOutcome> {
  let prev: RotationEntry | undefined;
  try {
    prev = (await driver.rotation())[service];
  } catch (err) {
    return failedAt(
      { service, fromEpoch: 0 },
      `could not read the stack's rotation config: ${reason(err)}`,
      "nothing was changed",
    );
  }
  if (prev?.epoch !== undefined && (!Number.isInteger(prev.epoch) || prev.epoch < 0)) {
    return failedAt(
      { service, fromEpoch: 0 },
      `${STACK.rotation.name}.${service}.epoch is ${JSON.stringify(prev.epoch)}, not a whole number`,
      "nothing was changed",
    );
  }
  const fromEpoch = prev?.epoch ?? 0;
  const a: Attempt = { driver, service, prev, fromEpoch, toEpoch: fromEpoch + 1 };

  let applying = false;
  try {
    await driver.setRotation(service, a.toEpoch, now.toISOString());
    applying = true;
    await driver.applyService(service);
  } catch (err) {
    // An apply that failed part-way may have changed the credential or its carriers: apply the old epoch
    // again so the stack matches its config, as after a failed check.
    return undoApply(a, reason(err), applying && !(err instanceof NotApplied));
  }

  let verifyError: string;
  try {
    const detail = await driver.verify(service);
    return { service, fromEpoch, toEpoch: a.toEpoch, status: "rotated", detail };
  } catch (err) {
    verifyError = reason(err);
  }
  return revert(a, verifyError);
}

/**
 * Puts the service's rotation config back as it was read and, with `reapply`, applies it again. Resolves
 * to the step that failed and why, or null when all went well.
 */
async function putBack(
  a: Attempt,
  reapply: boolean,
): Promise<{ failed: "config" | "apply"; why: string } | null> {
  try {
    await a.driver.setRotation(a.service, a.prev?.epoch, a.prev?.rotatedAt);
  } catch (err) {
    return { failed: "config", why: reason(err) };
  }
  if (!reapply) return null;
  try {
    await a.driver.applyService(a.service);
  } catch (err) {
    return { failed: "apply", why: reason(err) };
  }
  return null;
}

/** After the new epoch could not be set or applied (`why`): the config put back, and applied if it was. */
async function undoApply(a: Attempt, why: string, reapply: boolean): Promise<RotationOutcome> {
  const undo = await putBack(a, reapply);
  if (undo?.failed === "config")
    return failedAt(
      a,
      why,
      `the rotation config could not be put back (${undo.why}): ${byHand(a)}`,
      a.toEpoch,
    );
  if (undo)
    return failedAt(
      a,
      why,
      `the rotation config is as it was (epoch ${a.fromEpoch}), but applying it again failed too (${undo.why}): ${applyByHand(undo.why)}`,
    );
  return failedAt(
    a,
    why,
    reapply
      ? `put back: epoch ${a.fromEpoch} is current again and applied`
      : `nothing applied: the rotation config is as it was (epoch ${a.fromEpoch})`,
  );
}

/**
 * After the new credential failed its check: back to the old epoch, so the untouched previous slot is
 * current again (its keepers never changed) and the slot that failed is regenerated once more rather than kept.
 */
async function revert(a: Attempt, verifyError: string): Promise<RotationOutcome> {
  const error = `the new credential failed its check (${verifyError})`;
  const undo = await putBack(a, true);
  if (undo?.failed === "config")
    return failedAt(a, error, `and moving the epoch back failed (${undo.why}): ${byHand(a)}`, a.toEpoch);
  if (undo)
    return failedAt(
      a,
      error,
      `the rotation config is back at epoch ${a.fromEpoch}, but applying it failed (${undo.why}): ${applyByHand(undo.why)}`,
    );
  return {
    service: a.service,
    fromEpoch: a.fromEpoch,
    toEpoch: a.fromEpoch,
    status: "reverted",
    detail: verifyError,
  };
}

export interface RotateOptions {
  /** The service was named (--service gong): one the stack does not hold fails instead of being skipped. */
  named?: boolean;
  /** Only services that audit reports as due or overdue (never recorded counts as due). */
  due?: { maxAgeDays: number };
  /** Report what would be rotated; change nothing. */
  dryRun?: boolean;
  now?: Date;
  onStart?: (service: RotatedService) => void;
}

/**
 * Rotates each service in turn and reports every one of them: a failure does not stop the others. Services
 * the stack holds no credential of are skipped (or fail, when named); with `due`, those not due are skipped.
 */
export async function rotateServices(
  driver: RotationDriver,
  services: readonly RotatedService[],
  o: RotateOptions = {},
): Promise<RotationOutcome[]> {
  const now = o.now ?? new Date();
  const outcomes: RotationOutcome[] = [];
  for (const service of services) {
    let entry: RotationEntry = {};
    let deployed = true;
    try {
      deployed = driver.deployed ? await driver.deployed(service) : true;
      if (o.due || o.dryRun || !deployed) entry = (await driver.rotation())[service] ?? {};
    } catch (err) {
      outcomes.push({
        service,
        fromEpoch: 0,
        toEpoch: 0,
        status: "failed",
        detail: "nothing was changed",
        error: `could not read the stack: ${reason(err)}`,
      });
      continue;
    }
    const epoch = entry.epoch ?? 0;
    const skip = (status: RotationResult, detail: string, error?: string) =>
      outcomes.push({
        service,
        fromEpoch: epoch,
        toEpoch: epoch,
        status,
        detail,
        ...(error ? { error } : {}),
      });
    if (!deployed) {
      const missing = `the stack has no credential for ${service}: deploy it first`;
      if (o.named) skip("failed", "nothing was changed", missing);
      else skip("skipped-not-deployed", `the stack holds no ${service} credential`);
      continue;
    }
    let why = "";
    if (o.due) {
      const s = rotationStatus(entry.rotatedAt, o.due.maxAgeDays, DUE_WITHIN_DAYS, now);
      const age = s.ageDays === undefined ? "never recorded" : `${s.ageDays} days old`;
      if (s.status === "ok") {
        skip(
          "skipped-not-due",
          `${age}; due from day ${o.due.maxAgeDays - DUE_WITHIN_DAYS + 1}, maximum ${o.due.maxAgeDays}`,
        );
        continue;
      }
      why = `${s.status}, ${age}`;
    }
    if (o.dryRun) {
      outcomes.push({
        service,
        fromEpoch: epoch,
        toEpoch: epoch,
        status: "would-rotate",
        detail: `would move epoch ${epoch} → ${epoch + 1}${why ? ` (${why})` : ""}`,
      });
      continue;
    }
    o.onStart?.(service);
    outcomes.push(await rotateService(driver, service, now));
  }
  return outcomes;
}

/** The URNs of a service's RandomPassword slots in a deployment: what a rotation targets. */
function credentialUrns(deployment: StateDeployment, service: RotatedService): string[] {
  return credentialSlots(deployment, service).flatMap((r) => (r.urn ? [r.urn] : []));
}

function stackDriver(stack: Stack): RotationDriver {
  return {
    async rotation() {
      const v = (await stackConfig(stack)).get(STACK.rotation.name)?.value;
      return v ? JSON.parse(v) : {};
    },
    async setRotation(service, epoch, rotatedAt) {
      const key = `${STACK.rotation.name}.${service}`;
      if (epoch === undefined && rotatedAt === undefined) {
        await stack.removeConfig(key, true);
        return;
      }
      if (epoch === undefined) await stack.removeConfig(`${key}.epoch`, true);
      else await stack.setConfig(`${key}.epoch`, { value: String(epoch) }, true);
      if (rotatedAt === undefined) await stack.removeConfig(`${key}.rotatedAt`, true);
      else await stack.setConfig(`${key}.rotatedAt`, { value: rotatedAt }, true);
    },
    async deployed(service) {
      return credentialUrns((await stack.exportStack()).deployment, service).length > 0;
    },
    async applyService(service) {
      const targets = credentialUrns((await stack.exportStack()).deployment, service);
      if (targets.length === 0)
        throw new NotApplied(`the stack has no credential for ${service}: deploy it first`);
      await stack.up({
        target: targets,
        targetDependents: true,
        onOutput: process.env.SOPHIA_QUIET ? undefined : (s) => process.stderr.write(redactCredentials(s)),
      });
    },
    async verify(service) {
      const { ROTATION_CHECKS, currentCredential } = await import("./rotationChecks");
      const check = ROTATION_CHECKS[service];
      if (!check) throw new Error(`no live check of ${service} credentials can run from here`);
      const values = await stackConfig(stack);
      const rotation: Record<string, RotationEntry> = JSON.parse(
        values.get(STACK.rotation.name)?.value || "{}",
      );
      // Exported with secrets shown (the Automation API's export): the value stays in memory, never printed.
      const deployment = (await stack.exportStack()).deployment;
      const epoch = rotation[service]?.epoch ?? 0;
      const current = currentCredential(deployment, service, epoch);
      return check({
        get: (k) => values.get(k)?.value ?? "",
        current,
        slot: slotGenerations(epoch).current,
        resources: deployment?.resources ?? [],
        signal: AbortSignal.timeout(30_000),
      });
    },
  };
}

/** What `sophia secrets rotate --json` prints: one document, also when something failed. */
export interface RotateReport {
  stack: string;
  due: boolean;
  dryRun: boolean;
  outcomes: RotationOutcome[];
  /** null when every selected service ended rotated, skipped or would-rotate. */
  error: string | null;
}

function renderOutcome(r: RotationOutcome): string {
  switch (r.status) {
    case "rotated":
      return `${r.service}: rotated (epoch ${r.fromEpoch} → ${r.toEpoch}); new credential verified: ${r.detail}`;
    case "reverted":
      return `${r.service}: the new credential failed its check (${r.detail}); reverted: the previous credential is current again and still works (epoch ${r.toEpoch})`;
    case "failed":
      return `${r.service}: FAILED, not rotated: ${r.error}; ${r.detail}`;
    case "would-rotate":
      return `${r.service}: ${r.detail} (dry run)`;
    case "skipped-not-due":
      return `${r.service}: not due (${r.detail})`;
    case "skipped-not-deployed":
      return `${r.service}: skipped: ${r.detail}`;
  }
}

/** `sophia secrets rotate`. */
export async function rotateCommand(o: {
  stack: string;
  service?: string;
  due?: boolean;
  dryRun?: boolean;
  json?: boolean;
}) {
  const report: RotateReport = {
    stack: o.stack,
    due: Boolean(o.due),
    dryRun: Boolean(o.dryRun),
    outcomes: [],
    error: null,
  };
  try {
    if (o.service === undefined && !o.due)
      throw new CliError(
        "say which credentials to rotate: --service <name>, --service all, or --due",
        EXIT.usage,
      );
    const service = o.service ?? "all";
    if (service !== "all" && !(ROTATED_SERVICES as readonly string[]).includes(service)) {
      throw new CliError(
        `--service must be one of ${ROTATED_SERVICES.join(", ")} or all; got "${service}"`,
        EXIT.usage,
      );
    }
    const stack = await openStack(o.stack);
    const due = o.due ? { maxAgeDays: maxAgeDaysOf(await stackConfig(stack)) } : undefined;
    report.outcomes = await rotateServices(
      stackDriver(stack),
      service === "all" ? ROTATED_SERVICES : [service as RotatedService],
      {
        named: service !== "all",
        due,
        dryRun: o.dryRun,
        onStart: (s) => progress(`rotating ${s}`),
      },
    );
  } catch (err) {
    const error = err instanceof CliError ? err : new CliError(reason(err));
    report.error = error.message;
    if (o.json) console.log(JSON.stringify(report, null, 2));
    throw error;
  }
  const failed = report.outcomes.filter((r) => r.status === "failed");
  if (failed.length) report.error = failed.map((r) => `${r.service}: ${r.error}`).join("; ");
  if (o.json) console.log(JSON.stringify(report, null, 2));
  else if (report.outcomes.every((r) => r.status.startsWith("skipped")))
    console.log(
      `Nothing to rotate in ${o.stack}:\n${report.outcomes.map((r) => `  ${renderOutcome(r)}`).join("\n")}`,
    );
  else for (const r of report.outcomes) console.log(renderOutcome(r));
  process.exitCode = failed.length
    ? EXIT.rotationFailed
    : report.outcomes.some((r) => r.status === "reverted")
      ? EXIT.rotationCheckFailed
      : EXIT.ok;
}
