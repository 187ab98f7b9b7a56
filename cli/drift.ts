// `sophia drift`: a refresh preview (never writes state) that lists each drifted resource and property,
// filters accepted drift through an ignore file, alerts Slack once per distinct drift, and writes
// Prometheus metrics.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { CliError, EXIT, mask, openStack, postSlack, progress, table } from "./common";

export interface DriftedProperty {
  path: string;
  old: unknown;
  new: unknown;
}

export interface DriftedResource {
  urn: string;
  type: string;
  name: string;
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

/** Runs a refresh preview and returns what changed outside Pulumi. Never writes state. */
export async function detectDrift(stack: Stack): Promise<DriftedResource[]> {
  const events: EngineEvent[] = [];
  await stack.previewRefresh({ onEvent: (e) => events.push(e) });
  const out: DriftedResource[] = [];
  for (const e of events) {
    const m = e.resOutputsEvent?.metadata;
    if (!m || m.op === "same" || m.type === "pulumi:pulumi:Stack") continue;
    const olds = (m.old?.outputs ?? {}) as Record<string, unknown>;
    const news = (m.new?.outputs ?? {}) as Record<string, unknown>;
    const gone = m.op === "delete" || m.op === "discard" || !m.new;
    out.push({
      urn: m.urn,
      type: m.type,
      name: m.urn.split("::").pop() ?? m.urn,
      kind: gone ? "delete" : "update",
      properties: gone ? [] : diffPaths(olds, news).filter((p) => !p.path.startsWith("__")),
    });
  }
  return out.filter((r) => r.kind === "delete" || r.properties.length > 0);
}

export function loadIgnoreFile(file: string | undefined): IgnoreRule[] {
  if (!file) return [];
  if (!existsSync(file)) throw new CliError(`ignore file ${file} does not exist`);
  const doc = parseYaml(readFileSync(file, "utf8"));
  const rules = Array.isArray(doc) ? doc : doc?.ignore;
  if (!Array.isArray(rules))
    throw new CliError(`ignore file ${file}: expected a list of rules (or {ignore: [...]})`);
  return rules.map((r: any, i: number) => {
    for (const field of ["match", "property", "reason", "expires"]) {
      if (typeof r?.[field] !== "string" || !r[field]) {
        throw new CliError(`ignore file ${file}: rule ${i + 1} needs "${field}" (a non-empty string)`);
      }
    }
    if (!/^\d{4}-\d\d-\d\d$/.test(r.expires) || Number.isNaN(Date.parse(r.expires))) {
      throw new CliError(
        `ignore file ${file}: rule ${i + 1} "expires" must be a date like 2026-12-31; got "${r.expires}"`,
      );
    }
    return r as IgnoreRule;
  });
}

export interface DriftReport {
  stack: string;
  drifted: DriftedResource[];
  ignored: { urn: string; path: string; reason: string }[];
  expiredRules: IgnoreRule[];
}

/** Splits drift into what is reported and what an unexpired ignore rule accepts. */
export function applyIgnores(
  stack: string,
  found: DriftedResource[],
  rules: IgnoreRule[],
  now = new Date(),
): DriftReport {
  const today = now.toISOString().slice(0, 10);
  const live = rules.filter((r) => r.expires >= today);
  const expiredRules = rules.filter((r) => r.expires < today);
  const ignored: DriftReport["ignored"] = [];
  const drifted: DriftedResource[] = [];
  for (const res of found) {
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
  return { stack, drifted, ignored, expiredRules };
}

/** A stable identity per distinct drift: resource, property and the drifted value. */
export function fingerprints(report: DriftReport): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of report.drifted) {
    const items = r.kind === "delete" ? [{ path: "(deleted)", new: null }] : r.properties;
    for (const p of items) {
      const id = createHash("sha256")
        .update(`${r.urn}\n${p.path}\n${JSON.stringify(p.new)}`)
        .digest("hex")
        .slice(0, 16);
      out.set(id, `${r.name} ${p.path}`);
    }
  }
  return out;
}

/** The drifts not alerted yet, according to the state file. */
export function unalerted(stateFile: string, current: Map<string, string>): Map<string, string> {
  const seen: string[] = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, "utf8")).alerted ?? [])
    : [];
  return new Map([...current].filter(([id]) => !seen.includes(id)));
}

/**
 * Records the current drifts as alerted, once the alert went out. Drifts that went away are forgotten,
 * so one that comes back is alerted again.
 */
export function recordAlerted(stateFile: string, current: Map<string, string>): void {
  mkdirSync(path.dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ alerted: [...current.keys()] }, null, 1));
}

export function prometheus(
  report: DriftReport | undefined,
  stack: string,
  ok: boolean,
  now = new Date(),
): string {
  const l = `{stack="${stack.replace(/"/g, '\\"')}"}`;
  const lines = [
    "# HELP sophia_drift_check_success Whether the last drift check ran to completion (1) or failed (0).",
    "# TYPE sophia_drift_check_success gauge",
    `sophia_drift_check_success${l} ${ok ? 1 : 0}`,
    "# HELP sophia_drift_last_run_timestamp_seconds When the last drift check ran.",
    "# TYPE sophia_drift_last_run_timestamp_seconds gauge",
    `sophia_drift_last_run_timestamp_seconds${l} ${Math.floor(now.getTime() / 1000)}`,
  ];
  if (report) {
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
    );
  }
  return `${lines.join("\n")}\n`;
}

/** `sophia drift`. */
export async function driftCommand(o: {
  stack: string;
  json?: boolean;
  ignoreFile?: string;
  slackWebhook?: string;
  alertState?: string;
  metricsFile?: string;
}) {
  const rules = loadIgnoreFile(o.ignoreFile);
  const metrics = (text: string) => o.metricsFile && writeFileSync(o.metricsFile, text);
  let report: ReturnType<typeof applyIgnores>;
  try {
    progress(`refresh preview of ${o.stack} (state is not written)`);
    const stack = await openStack(o.stack);
    report = applyIgnores(o.stack, await detectDrift(stack), rules);
  } catch (err) {
    metrics(prometheus(undefined, o.stack, false));
    throw err;
  }
  metrics(prometheus(report, o.stack, true));
  const webhook = o.slackWebhook ?? process.env.SLACK_WEBHOOK_URL;
  const stateFile = o.alertState ?? path.resolve(".sophia", `drift-alerts-${o.stack}.json`);
  let alerted = 0;
  if (webhook) {
    // Alert once per distinct drift: only what the last alert did not already report.
    const current = fingerprints(report);
    const fresh = unalerted(stateFile, current);
    if (fresh.size > 0) {
      await postSlack(
        webhook,
        `:warning: Drift in stack *${o.stack}*:\n${[...fresh.values()].map((d) => `• ${d}`).join("\n")}`,
      );
      alerted = fresh.size;
    }
    recordAlerted(stateFile, current);
  }
  if (o.json) {
    console.log(JSON.stringify({ ...report, alerted }, null, 2));
  } else if (report.drifted.length === 0) {
    console.log(
      `No drift in ${o.stack}${report.ignored.length ? ` (${report.ignored.length} accepted by the ignore file)` : ""}.`,
    );
  } else {
    const rows = report.drifted.flatMap((r) =>
      r.kind === "delete"
        ? [[r.name, r.type, "(deleted outside Pulumi)", "", ""]]
        : r.properties.map((p) => [r.name, r.type, p.path, JSON.stringify(p.old), JSON.stringify(p.new)]),
    );
    console.log(table(["RESOURCE", "TYPE", "PROPERTY", "STATE", "LIVE"], rows));
  }
  for (const r of report.expiredRules)
    process.stderr.write(`warning: ignore rule for ${r.match} ${r.property} expired on ${r.expires}\n`);
  process.exitCode = report.drifted.length ? EXIT.drift : EXIT.ok;
}
