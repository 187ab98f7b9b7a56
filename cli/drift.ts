// `sophia drift`: a refresh preview (never writes state) that lists each drifted resource and property,
// filters accepted drift through an ignore file, alerts Slack once per distinct drift, and writes
// Prometheus metrics.
//
// One vendor that cannot be read fails the engine's refresh preview as a whole, yet the engine still reads
// every other resource and reports each one in its events: the command reads the events, not the exit
// status. Each resource is attributed to its integration (its component, else its type), so the report
// says per integration what drifted and what could not be read, with the vendor's own message.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { SLACK_WEBHOOK_ENV } from "./ci/incidents";
import { CliError, EXIT, engineMessage, mask, openStack, postSlack, progress, table } from "./common";

export interface DriftedProperty {
  path: string;
  old: unknown;
  new: unknown;
}

export interface DriftedResource {
  urn: string;
  type: string;
  name: string;
  /** The integration the resource belongs to (see integrationOf). */
  integration: string;
  /** "update": the live object differs; "delete": it is gone. */
  kind: "update" | "delete";
  properties: DriftedProperty[];
}

export interface IgnoreRule {
  /** A URN, or a type pattern where * matches any run of characters (e.g. "pulumi-nodejs:dynamic/airbyte:*"). */
  match: string;
  /** A property path; drift at or below it is accepted. "*" accepts every property. */
  property: string;
  reason: string;
  /** YYYY-MM-DD; the rule stops applying after this day. */
  expires: string;
}

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);

/** Every leaf path where a and b differ, with both values (secrets masked). */
export function diffPaths(a: unknown, b: unknown, prefix = ""): DriftedProperty[] {
  const isObj = (v: unknown) => v !== null && typeof v === "object";
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    return keys.flatMap((k) =>
      diffPaths(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        prefix ? (Array.isArray(a) ? `${prefix}[${k}]` : `${prefix}.${k}`) : k,
      ),
    );
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const leaf = prefix.split(/[.[]/).pop() ?? prefix;
  const show = (v: unknown) => (v === undefined ? null : mask(leaf, v) === "[secret]" ? "[secret]" : v);
  return [{ path: prefix, old: show(a), new: show(b) }];
}

/** A resource the refresh could not read, and why (the provider's message, one line). */
export interface UnreadableResource {
  urn: string;
  type: string;
  name: string;
  integration: string;
  error: string;
}

/** What one refresh preview found: drift among the resources read, and the resources it could not read. */
export interface RefreshOutcome {
  drifted: DriftedResource[];
  unreadable: UnreadableResource[];
  /**
   * Every resource the refresh visited (read or not) that a vendor holds, with its integration: not the
   * stack, the program's components or the providers, unless they could not be read.
   */
  resources: { urn: string; type: string; integration: string }[];
}

/** Component types of the program (index.ts) and the integration each one is. */
const COMPONENTS: Record<string, string> = {
  "sophia:integrations:Airbyte": "airbyte",
  "sophia:integrations:Snowflake": "snowflake",
  "sophia:integrations:Aws": "aws",
  "sophia:integrations:Github": "github",
  "sophia:integrations:Vercel": "vercel",
  "sophia:integrations:Gong": "gong",
  "sophia:integrations:Estuary": "estuary",
  "sophia:integrations:OpenRouter": "openrouter",
  "sophia:integrations:Portkey": "portkey",
  "sophia:integrations:LambdaLabs": "lambda",
  "sophia:rotation:RotatedCredential": "rotation",
};

/**
 * The integration a resource belongs to: its outermost component of the program (from the parent types in
 * its URN), else its own type — `pulumi-nodejs:dynamic/<service>:X` is <service>, a native provider's
 * `<package>:...` and `pulumi:providers:<package>` are <package> (`random` is rotation's). The stack and
 * the shared dynamic-provider resource belong to "stack".
 */
export function integrationOf(urn: string, type?: string): string {
  const chain = (urn.split("::")[2] ?? type ?? "").split("$");
  for (const t of chain) if (COMPONENTS[t]) return COMPONENTS[t];
  const own = type ?? chain[chain.length - 1] ?? "";
  const dynamic = /^pulumi-nodejs:dynamic\/([\w-]+):/.exec(own);
  if (dynamic) return dynamic[1];
  const pkg = own.startsWith("pulumi:providers:") ? own.slice("pulumi:providers:".length) : own.split(":")[0];
  if (pkg === "random") return "rotation";
  if (!pkg || pkg === "pulumi" || pkg === "pulumi-nodejs") return "stack";
  return pkg;
}

/** The engine's closing line of a failed operation, which says nothing of why. */
const GENERIC = /^(preview failed|update failed|refresh failed)$/i;

/** One line of an engine diagnostic: colour and markup removed, "Preview failed: " and the like dropped. */
function oneLine(message: string): string {
  const text =
    message
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
      .replace(/\x1b\[[0-9;]*m|<\{%[^%]*%\}>/g, "")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)[0] ?? "";
  const line = text.replace(
    /^(error: )?(preview failed|refresh failed|reading resource[^:]*|refreshing [^:]*): /i,
    "",
  );
  return line.length > 400 ? `${line.slice(0, 397)}...` : line;
}

/**
 * Reads a refresh preview's engine events: drift among the resources read (`resOutputsEvent`), and the
 * resources whose read failed (an error diagnostic or `resOpFailedEvent` on the resource's URN), or that
 * the refresh began and never finished.
 */
export function readRefreshEvents(events: EngineEvent[]): RefreshOutcome {
  const visited = new Map<string, string>();
  const done = new Set<string>();
  const failed = new Map<string, string>();
  /** Error lines of the run as a whole (the engine's, not a resource's). */
  const general: string[] = [];
  const drifted: DriftedResource[] = [];
  for (const e of events) {
    const pre = e.resourcePreEvent?.metadata;
    if (pre) visited.set(pre.urn, pre.type);
    const d = e.diagnosticEvent;
    if (d?.severity === "error") {
      const line = oneLine(d.message);
      if (d.urn && !d.urn.includes("::pulumi:pulumi:Stack::")) {
        if (!failed.has(d.urn)) failed.set(d.urn, line);
      } else if (line && !GENERIC.test(line) && !general.includes(line)) general.push(line);
    }
    const f = e.resOpFailedEvent?.metadata;
    if (f && !failed.has(f.urn)) failed.set(f.urn, "the read failed");
    const m = e.resOutputsEvent?.metadata;
    if (!m) continue;
    visited.set(m.urn, m.type);
    done.add(m.urn);
    if (m.op === "same" || m.type === "pulumi:pulumi:Stack") continue;
    const olds = (m.old?.outputs ?? {}) as Record<string, unknown>;
    const news = (m.new?.outputs ?? {}) as Record<string, unknown>;
    const gone = m.op === "delete" || m.op === "discard" || !m.new;
    const r: DriftedResource = {
      urn: m.urn,
      type: m.type,
      name: m.urn.split("::").pop() ?? m.urn,
      integration: integrationOf(m.urn, m.type),
      kind: gone ? "delete" : "update",
      properties: gone ? [] : diffPaths(olds, news).filter((p) => !p.path.startsWith("__")),
    };
    if (r.kind === "delete" || r.properties.length > 0) drifted.push(r);
  }
  const unreadable: UnreadableResource[] = [];
  for (const [urn, type] of visited) {
    if (done.has(urn) && !failed.has(urn)) continue;
    if (type === "pulumi:pulumi:Stack") continue;
    unreadable.push({
      urn,
      type,
      name: urn.split("::").pop() ?? urn,
      integration: integrationOf(urn, type),
      error:
        failed.get(urn) ||
        `the refresh stopped before reading it${general.length ? `: ${general.join("; ")}` : ""}`,
    });
  }
  // what the vendors hold: not the stack, the program's components or the providers (unless unreadable)
  const managed = (urn: string, type: string) =>
    !/^(pulumi:pulumi:Stack|sophia:|pulumi:providers:)/.test(type) || unreadable.some((u) => u.urn === urn);
  const resources = [...visited]
    .filter(([urn, type]) => managed(urn, type))
    .map(([urn, type]) => ({ urn, type, integration: integrationOf(urn, type) }));
  return { drifted, unreadable, resources };
}

/**
 * Runs a refresh preview (never writes state) and reads what it found. A preview that failed only because
 * some resources could not be read is a result (`unreadable`), not an error; one that read nothing (the
 * stack, its passphrase, the engine) is an error carrying the engine's own error lines, not its output.
 */
export async function refreshPreview(stack: Pick<Stack, "previewRefresh">): Promise<RefreshOutcome> {
  const events: EngineEvent[] = [];
  try {
    await stack.previewRefresh({ onEvent: (e) => events.push(e) });
  } catch (err) {
    const outcome = readRefreshEvents(events);
    if (outcome.unreadable.length) return outcome;
    const errors = events
      .map((e) => e.diagnosticEvent)
      .filter((d) => d?.severity === "error")
      .map((d) => oneLine(d?.message ?? ""))
      .filter((l) => l && !GENERIC.test(l));
    throw new CliError(
      `the refresh preview failed: ${errors.length ? [...new Set(errors)].join("; ") : engineMessage(err)}`,
    );
  }
  return readRefreshEvents(events);
}

/** Runs a refresh preview and returns what changed outside Pulumi; fails if a resource could not be read. */
export async function detectDrift(stack: Stack): Promise<DriftedResource[]> {
  const outcome = await refreshPreview(stack);
  if (outcome.unreadable.length) {
    throw new CliError(
      `could not read ${outcome.unreadable.map((u) => `${u.name} (${u.integration}): ${u.error}`).join("; ")}`,
    );
  }
  return outcome.drifted;
}

export function loadIgnoreFile(file: string | undefined): IgnoreRule[] {
  if (!file) return [];
  if (!existsSync(file)) throw new CliError(`ignore file ${file} does not exist`);
  const doc = parseYaml(readFileSync(file, "utf8"));
  const rules = Array.isArray(doc) ? doc : doc?.ignore;
  if (!Array.isArray(rules))
    throw new CliError(`ignore file ${file}: expected a list of rules (or {ignore: [...]})`);
  return rules.map((r: unknown, i: number): IgnoreRule => {
    const rule = r as Partial<Record<keyof IgnoreRule, unknown>> | null;
    const text = (field: keyof IgnoreRule): string => {
      const v = rule?.[field];
      if (typeof v !== "string" || !v)
        throw new CliError(`ignore file ${file}: rule ${i + 1} needs "${field}" (a non-empty string)`);
      return v;
    };
    const [match, property, reason, expires] = [
      text("match"),
      text("property"),
      text("reason"),
      text("expires"),
    ];
    if (!/^\d{4}-\d\d-\d\d$/.test(expires) || Number.isNaN(Date.parse(expires))) {
      throw new CliError(
        `ignore file ${file}: rule ${i + 1} "expires" must be a date like 2026-12-31; got "${expires}"`,
      );
    }
    return { ...rule, match, property, reason, expires };
  });
}

/** Per integration: unreadable wins over drifted (what could not be read may hide drift). */
export interface IntegrationResult {
  integration: string;
  status: "clean" | "drifted" | "unreadable";
  /** Resources of the integration the refresh visited. */
  resources: number;
  /** Of those, drifted (not accepted by the ignore file). */
  drifted: number;
  /** Of those, could not be read. */
  unreadable: number;
  /** Why it could not be read: the vendor's message, one line. */
  error: string | null;
}

export interface DriftReport {
  stack: string;
  /** "unreadable" when any integration could not be read (any drift found elsewhere is still reported). */
  status: "clean" | "drifted" | "unreadable";
  integrations: IntegrationResult[];
  drifted: DriftedResource[];
  unreadable: UnreadableResource[];
  ignored: { urn: string; path: string; reason: string }[];
  expiredRules: IgnoreRule[];
}

/** Splits drift into what is reported and what an unexpired ignore rule accepts, and sums up per integration. */
export function applyIgnores(
  stack: string,
  found: RefreshOutcome | DriftedResource[],
  rules: IgnoreRule[],
  now = new Date(),
): DriftReport {
  const outcome: RefreshOutcome = Array.isArray(found)
    ? { drifted: found, unreadable: [], resources: found }
    : found;
  const today = now.toISOString().slice(0, 10);
  const live = rules.filter((r) => r.expires >= today);
  const expiredRules = rules.filter((r) => r.expires < today);
  const ignored: DriftReport["ignored"] = [];
  const drifted: DriftedResource[] = [];
  for (const res of outcome.drifted) {
    const applies = live.filter((r) => r.match === res.urn || glob(r.match).test(res.type));
    const accepted = (p: string) =>
      applies.find(
        (r) =>
          r.property === "*" ||
          p === r.property ||
          p.startsWith(`${r.property}.`) ||
          p.startsWith(`${r.property}[`),
      );
    if (res.kind === "delete") {
      const rule = applies.find((r) => r.property === "*");
      if (rule) ignored.push({ urn: res.urn, path: "*", reason: rule.reason });
      else drifted.push(res);
      continue;
    }
    const kept = res.properties.filter((p) => {
      const rule = accepted(p.path);
      if (rule) ignored.push({ urn: res.urn, path: p.path, reason: rule.reason });
      return !rule;
    });
    if (kept.length) drifted.push({ ...res, properties: kept });
  }
  const names = [...new Set(outcome.resources.map((r) => r.integration))].sort();
  const integrations = names.map((integration): IntegrationResult => {
    const mine = <T extends { integration: string }>(list: T[]) =>
      list.filter((x) => x.integration === integration);
    const unread = mine(outcome.unreadable);
    const errors = [...new Set(unread.map((u) => u.error))];
    const nDrifted = mine(drifted).length;
    return {
      integration,
      status: unread.length ? "unreadable" : nDrifted ? "drifted" : "clean",
      resources: mine(outcome.resources).length,
      drifted: nDrifted,
      unreadable: unread.length,
      error: errors.length
        ? `${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} other error${errors.length > 2 ? "s" : ""})` : ""}`
        : null,
    };
  });
  return {
    stack,
    status: outcome.unreadable.length ? "unreadable" : drifted.length ? "drifted" : "clean",
    integrations,
    drifted,
    unreadable: outcome.unreadable,
    ignored,
    expiredRules,
  };
}

const fingerprint = (...parts: string[]) =>
  createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 16);

/** Each distinct drift (resource, property, drifted value): its identity, its text and its resource. */
function driftIncidents(report: Pick<DriftReport, "drifted">): { id: string; text: string; urn: string }[] {
  return report.drifted.flatMap((r) =>
    (r.kind === "delete" ? [{ path: "(deleted)", new: null }] : r.properties).map((p) => ({
      id: fingerprint(r.urn, p.path, JSON.stringify(p.new)),
      text: `${r.name} ${p.path}`,
      urn: r.urn,
    })),
  );
}

/** A stable identity per distinct drift: resource, property and the drifted value. */
export function fingerprints(report: Pick<DriftReport, "drifted">): Map<string, string> {
  return new Map(driftIncidents(report).map((d) => [d.id, d.text]));
}

/**
 * A stable identity per integration that could not be read, and per HTTP status when the message names
 * one (a 503 that turns into a 401 is news; the same outage on the next run is not).
 */
export function unreadableFingerprints(report: Pick<DriftReport, "integrations">): Map<string, string> {
  return new Map(
    report.integrations
      .filter((i) => i.status === "unreadable")
      .map((i) => {
        const status =
          /\b(?:failed with|answered|status(?: code)?:?) (\d{3})\b/i.exec(i.error ?? "")?.[1] ?? "";
        return [fingerprint("unreadable", i.integration, status), `${i.integration}: ${i.error}`];
      }),
  );
}

interface AlertState {
  alerted: string[];
  /** id → resource URN of each alerted drift, to remember drift on resources a later run cannot read. */
  urns?: Record<string, string>;
}

const readAlertState = (stateFile: string): AlertState =>
  existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : { alerted: [] };

/** The drifts not alerted yet, according to the state file. */
export function unalerted(stateFile: string, current: Map<string, string>): Map<string, string> {
  const seen = readAlertState(stateFile).alerted ?? [];
  return new Map([...current].filter(([id]) => !seen.includes(id)));
}

/**
 * Records the current drifts (and unreadable integrations) as alerted, once the alert went out. Those that
 * went away are forgotten, so one that comes back is alerted again — except drift on a resource this run
 * could not read (`unread` URNs): it is unknown, not gone, and stays remembered.
 */
export function recordAlerted(
  stateFile: string,
  current: Map<string, string>,
  opts: { urns?: Map<string, string>; unread?: Set<string> } = {},
): void {
  const before = readAlertState(stateFile);
  const urns: Record<string, string> = {};
  for (const id of current.keys()) {
    const urn = opts.urns?.get(id);
    if (urn) urns[id] = urn;
  }
  const kept = (before.alerted ?? []).filter((id) => {
    const urn = before.urns?.[id];
    if (current.has(id) || !urn || !opts.unread?.has(urn)) return false;
    urns[id] = urn;
    return true;
  });
  mkdirSync(path.dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ alerted: [...current.keys(), ...kept], urns }, null, 1));
}

export function prometheus(
  report: DriftReport | undefined,
  stack: string,
  ok: boolean,
  now = new Date(),
): string {
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  const l = `{stack="${esc(stack)}"}`;
  const complete = ok && (report?.unreadable.length ?? 0) === 0;
  const lines = [
    "# HELP sophia_drift_check_success Whether the last drift check ran to completion and read every resource (1), or failed or could not read some integration (0).",
    "# TYPE sophia_drift_check_success gauge",
    `sophia_drift_check_success${l} ${complete ? 1 : 0}`,
    "# HELP sophia_drift_last_run_timestamp_seconds When the last drift check ran.",
    "# TYPE sophia_drift_last_run_timestamp_seconds gauge",
    `sophia_drift_last_run_timestamp_seconds${l} ${Math.floor(now.getTime() / 1000)}`,
  ];
  if (report) {
    const per = (i: IntegrationResult) => `{stack="${esc(stack)}",integration="${esc(i.integration)}"}`;
    lines.push(
      "# HELP sophia_drift_resources Resources whose live state differs from the stack's state (not ignored).",
      "# TYPE sophia_drift_resources gauge",
      `sophia_drift_resources${l} ${report.drifted.length}`,
      "# HELP sophia_drift_properties Drifted properties (not ignored).",
      "# TYPE sophia_drift_properties gauge",
      `sophia_drift_properties${l} ${report.drifted.reduce((n, r) => n + Math.max(1, r.properties.length), 0)}`,
      "# HELP sophia_drift_ignored_properties Drifted properties accepted by the ignore file.",
      "# TYPE sophia_drift_ignored_properties gauge",
      `sophia_drift_ignored_properties${l} ${report.ignored.length}`,
      "# HELP sophia_drift_unreadable_resources Resources the last drift check could not read.",
      "# TYPE sophia_drift_unreadable_resources gauge",
      `sophia_drift_unreadable_resources${l} ${report.unreadable.length}`,
      "# HELP sophia_drift_integration_readable Whether every resource of the integration could be read (1) or not (0).",
      "# TYPE sophia_drift_integration_readable gauge",
      ...report.integrations.map((i) => `sophia_drift_integration_readable${per(i)} ${i.unreadable ? 0 : 1}`),
      "# HELP sophia_drift_integration_resources Drifted resources of the integration (not ignored).",
      "# TYPE sophia_drift_integration_resources gauge",
      ...report.integrations.map((i) => `sophia_drift_integration_resources${per(i)} ${i.drifted}`),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** What to do next, in words: how to repair drift, and what an unreadable integration means. */
export function advice(report: DriftReport): string[] {
  const out: string[] = [];
  const unread = report.integrations.filter((i) => i.status === "unreadable").map((i) => i.integration);
  if (unread.length) {
    out.push(
      `Drift in ${unread.join(", ")} is unknown: ${unread.length > 1 ? "they" : "it"} could not be read. \`sophia check --stack ${report.stack} --only ${unread.join(",")}\` tells an outage (retry later) from a credential or permission problem.`,
    );
  }
  if (report.drifted.length) {
    const keep =
      "To keep a change instead, declare it in the program or the stack's config, or accept it in an --ignore-file rule.";
    const plain = "a plain `pulumi up` compares with the stack's state only and leaves the drift in place";
    out.push(
      unread.length
        ? `To repair: \`pulumi up --refresh --stack ${report.stack}${report.drifted.map((r) => ` --target '${r.urn}'`).join("")}\` reads the drifted resources and puts back what the program declares (without --target it fails while ${unread.join(", ")} cannot be read; ${plain}). ${keep}`
        : `To repair: \`pulumi up --refresh --stack ${report.stack}\` reads the live state and puts back what the program declares (${plain}). ${keep}`,
    );
  }
  return out;
}

/** The report for people: drifted properties, then one line per integration, then what to do. */
export function renderDrift(report: DriftReport): string {
  const parts: string[] = [];
  if (report.drifted.length) {
    const rows = report.drifted.flatMap((r) =>
      r.kind === "delete"
        ? [[r.name, r.type, "(deleted outside Pulumi)", "", ""]]
        : r.properties.map((p) => [r.name, r.type, p.path, JSON.stringify(p.old), JSON.stringify(p.new)]),
    );
    parts.push(table(["RESOURCE", "TYPE", "PROPERTY", "STATE", "LIVE"], rows));
  }
  if (report.status !== "clean") {
    const result = (i: IntegrationResult) =>
      i.status === "unreadable"
        ? `could not be read (${i.unreadable} of ${i.resources}${i.drifted ? `; ${i.drifted} drifted` : ""}): ${i.error}`
        : i.status === "drifted"
          ? `drifted (${i.drifted} of ${i.resources})`
          : "no drift";
    parts.push(
      table(
        ["INTEGRATION", "RESOURCES", "RESULT"],
        report.integrations.map((i) => [i.integration, String(i.resources), result(i)]),
      ),
    );
  }
  const accepted = report.ignored.length ? ` (${report.ignored.length} accepted by the ignore file)` : "";
  const unread = report.integrations.filter((i) => i.status === "unreadable").map((i) => i.integration);
  if (report.status === "clean") parts.push(`No drift in ${report.stack}${accepted}.`);
  else
    parts.push(
      [
        report.drifted.length
          ? `Drift in ${report.stack}: ${report.drifted.length} resource(s)${accepted}.`
          : `No drift in what could be read of ${report.stack}${accepted}.`,
        unread.length ? ` Could not read: ${unread.join(", ")}.` : "",
      ].join(""),
      ...advice(report),
    );
  return parts.join("\n\n");
}

/** The Slack text of the incidents not alerted yet. */
function alertText(stack: string, drift: string[], unreadable: string[]): string {
  const head = unreadable.length
    ? `:warning: Drift check of stack *${stack}*${drift.length ? ": drift, and" : ":"} could not read every integration`
    : `:warning: Drift in stack *${stack}*`;
  return [
    `${head}:`,
    ...drift.map((d) => `• ${d}`),
    ...unreadable.map((u) => `• could not read ${u}`),
    ...(drift.length
      ? [`Repair: \`pulumi up --refresh --stack ${stack}\` (a plain \`pulumi up\` leaves drift in place)`]
      : []),
  ].join("\n");
}

/**
 * `sophia drift`. Exit 0 no drift, 3 drift, 8 an integration could not be read (8 wins over 3). `open` is
 * how the stack is opened (tests pass a stand-in).
 */
export async function driftCommand(
  o: {
    stack: string;
    json?: boolean;
    ignoreFile?: string;
    slackWebhook?: string;
    alertState?: string;
    metricsFile?: string;
  },
  open: (stack: string) => Promise<Pick<Stack, "previewRefresh">> = openStack,
) {
  const rules = loadIgnoreFile(o.ignoreFile);
  const metrics = (text: string) => o.metricsFile && writeFileSync(o.metricsFile, text);
  let report: DriftReport;
  try {
    progress(`refresh preview of ${o.stack} (state is not written)`);
    const stack = await open(o.stack);
    report = applyIgnores(o.stack, await refreshPreview(stack), rules);
  } catch (err) {
    metrics(prometheus(undefined, o.stack, false));
    throw err;
  }
  metrics(prometheus(report, o.stack, true));
  const webhook = o.slackWebhook ?? process.env[SLACK_WEBHOOK_ENV];
  const stateFile = o.alertState ?? path.resolve(".sophia", `drift-alerts-${o.stack}.json`);
  let alerted = 0;
  if (webhook) {
    // Alert once per distinct incident: only what the last alert did not already report.
    const drift = fingerprints(report);
    const unreadable = unreadableFingerprints(report);
    const current = new Map([...drift, ...unreadable]);
    const fresh = unalerted(stateFile, current);
    if (fresh.size > 0) {
      await postSlack(
        webhook,
        alertText(
          o.stack,
          [...fresh].filter(([id]) => drift.has(id)).map(([, t]) => t),
          [...fresh].filter(([id]) => unreadable.has(id)).map(([, t]) => t),
        ),
      );
      alerted = fresh.size;
    }
    recordAlerted(stateFile, current, {
      urns: new Map(driftIncidents(report).map((d) => [d.id, d.urn])),
      unread: new Set(report.unreadable.map((u) => u.urn)),
    });
  }
  if (o.json) console.log(JSON.stringify({ ...report, alerted, advice: advice(report) }, null, 2));
  else console.log(renderDrift(report));
  for (const r of report.expiredRules)
    process.stderr.write(`warning: ignore rule for ${r.match} ${r.property} expired on ${r.expires}\n`);
  process.exitCode = report.unreadable.length
    ? EXIT.driftUnreadable
    : report.drifted.length
      ? EXIT.drift
      : EXIT.ok;
}
