// `sophia secrets audit`: the age of every credential the program mints (rotated by `sophia secrets rotate`,
// ./rotate) and of every credential a vendor issues (./vendorCredentials), which is rotated at the vendor.
// Also the rotation config both read, and when a credential counts as due.
import { CARRIERS, ROTATED_SERVICES, type RotatedService } from "../../integrations/credentials";
import { REGISTRY } from "../../integrations/registry";
import { rotationStatus } from "../../integrations/rotation";
import { mintedServices } from "../../integrations/spec";
import { STACK } from "../../integrations/stack/keys";
import { CliError, EXIT, openStack, stackConfig, table, type StackConfig as Values } from "../common";
import { flagsOf } from "../integrations";
import { parseSetAt, SET_AT_KEY, vendorCredentialsOf } from "./vendorCredentials";

/** Days before rotationMaxAgeDays from which a credential is "due" (the program's preview warns from then). */
export const DUE_WITHIN_DAYS = 14;

/** A service's entry in the `rotation` config. */
export interface RotationEntry {
  epoch?: number;
  rotatedAt?: string;
}

export interface AuditRow {
  service: RotatedService;
  epoch: number;
  rotatedAt: string | null;
  ageDays: number | null;
  maxAgeDays: number;
  status: "ok" | "due" | "overdue";
  syncedTo: string[];
}

function rotationConfig(values: Values): Record<string, RotationEntry> {
  try {
    return JSON.parse(values.get(STACK.rotation.name)?.value ?? "{}");
  } catch {
    throw new CliError(`the stack's ${STACK.rotation.name} config is not valid JSON`);
  }
}

export const maxAgeDaysOf = (values: Values) =>
  Number(values.get(STACK.rotationMaxAgeDays.name)?.value ?? STACK.rotationMaxAgeDays.defaultValue);

/** Every credential the stack mints, with its age and status, from the stack's config. */
export function audit(values: Values, now = new Date()): AuditRow[] {
  const flags = flagsOf(values, REGISTRY);
  // the carriers and the services the program mints for them, as the program decides it
  const carriers = REGISTRY.filter((s) => s.carriesCredentials && s.enabled(flags)).map((s) => s.name);
  const rotation = rotationConfig(values);
  const maxAgeDays = maxAgeDaysOf(values);
  const mints = mintedServices(REGISTRY, flags, (k) => Boolean(values.get(k.name)?.value));
  const minted = ROTATED_SERVICES.filter((s) => mints.includes(s));
  return minted.map((service) => {
    const r = rotation[service] ?? {};
    const s = rotationStatus(r.rotatedAt, maxAgeDays, DUE_WITHIN_DAYS, now);
    return {
      service,
      epoch: r.epoch ?? 0,
      rotatedAt: r.rotatedAt ?? null,
      ageDays: s.ageDays ?? null,
      maxAgeDays,
      status: s.status,
      syncedTo: carriers.flatMap((c) => CARRIERS[service].map((n) => `${c}:${n}`)),
    };
  });
}

export interface VendorAuditRow {
  /** Its entry in credentialsSetAt. */
  credential: string;
  what: string;
  /** The config keys that hold it. */
  keys: string[];
  /** When it was last set (credentialsSetAt), null when never recorded (which counts as due). */
  setAt: string | null;
  ageDays: number | null;
  maxAgeDays: number;
  status: "ok" | "due" | "overdue";
  /** Where it is rotated at its vendor. */
  rotateAt: string;
}

/**
 * Every vendor-issued credential the stack's config holds, aged from when it was last set (credentialsSetAt,
 * recorded by import-env or by hand) against the same maximum age as the minted ones.
 */
export function auditVendorCredentials(values: Values, now = new Date()): VendorAuditRow[] {
  let setAt: Record<string, string>;
  try {
    setAt = parseSetAt(values.get(SET_AT_KEY)?.value);
  } catch (err) {
    throw new CliError(`the stack's ${(err as Error).message}`);
  }
  const maxAgeDays = maxAgeDaysOf(values);
  return vendorCredentialsOf((k) => values.get(k)?.value).map((c) => {
    const s = rotationStatus(setAt[c.id], maxAgeDays, DUE_WITHIN_DAYS, now);
    return {
      credential: c.id,
      what: c.what,
      keys: c.keys,
      setAt: setAt[c.id] ?? null,
      ageDays: s.ageDays ?? null,
      maxAgeDays,
      status: s.status,
      rotateAt: c.rotateAt,
    };
  });
}

/** What `sophia secrets audit --json` prints. */
export interface AuditReport {
  stack: string;
  /** The credentials the program mints (rotated by `secrets rotate`). */
  credentials: AuditRow[];
  /** The credentials vendors issue (rotated at the vendor, then set with import-env). */
  vendorCredentials: VendorAuditRow[];
}

const age = (days: number | null) => (days === null ? "?" : String(days));

/** The audit as people read it: the minted credentials, then the vendors', with how to rotate those due. */
export function renderAudit(report: AuditReport): string {
  const out: string[] = [];
  const rows = report.credentials;
  const vendor = report.vendorCredentials;
  if (rows.length === 0)
    out.push(
      `${report.stack} mints no credentials (no Snowflake, GitHub, Vercel or Estuary integration, no Gong webhook).`,
    );
  else
    out.push(
      table(
        ["SERVICE", "EPOCH", "ROTATED", "AGE (DAYS)", "MAX", "STATUS", "SYNCED TO"],
        rows.map((r) => [
          r.service,
          String(r.epoch),
          r.rotatedAt ?? "never recorded",
          age(r.ageDays),
          String(r.maxAgeDays),
          r.status,
          r.syncedTo.join(", ") || "-",
        ]),
      ),
    );
  if (vendor.length) {
    out.push(
      "",
      `Issued by vendors (aged from ${SET_AT_KEY}, which import-env records; each is rotated at its vendor):`,
      table(
        ["CREDENTIAL", "SET", "AGE (DAYS)", "MAX", "STATUS", "KEYS"],
        vendor.map((r) => [
          r.credential,
          r.setAt ?? "never recorded",
          age(r.ageDays),
          String(r.maxAgeDays),
          r.status,
          r.keys.join(", "),
        ]),
      ),
    );
    const todo = vendor.filter((r) => r.status !== "ok");
    if (todo.length)
      out.push("", "To rotate:", ...todo.map((r) => `  ${r.credential} (${r.status}): ${r.rotateAt}`));
  }
  return out.join("\n");
}

/** `sophia secrets audit`. */
export async function auditCommand(o: { stack: string; json?: boolean }) {
  const values = await stackConfig(await openStack(o.stack));
  const now = new Date();
  const report: AuditReport = {
    stack: o.stack,
    credentials: audit(values, now),
    vendorCredentials: auditVendorCredentials(values, now),
  };
  console.log(o.json ? JSON.stringify(report, null, 2) : renderAudit(report));
  process.exitCode = [...report.credentials, ...report.vendorCredentials].some((r) => r.status === "overdue")
    ? EXIT.overdue
    : EXIT.ok;
}
