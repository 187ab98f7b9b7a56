// `sophia ci watch <kind> --stack S`: runs one sophia command as a scheduled job would (check, drift,
// secrets audit, secrets rotate --due) or a deploy (ci deploy), reads its JSON report and exit code into
// findings, keeps the incident memory (cli/ci/incidents.ts) and tells Slack once per incident. Its exit code
// is the command's, so the job fails exactly when the command did; a command that could not run at all
// (bad credentials, a missing stack) is a finding of its own.
//
// The command runs as a child process without SLACK_WEBHOOK_URL and GITHUB_TOKEN: the commands' own Slack
// posts (check, drift) would alert on every run, and the GitHub provider must never pick up the workflow's
// token.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "../../scripts/lib";
import type { CheckReport } from "../check";
import type { DriftReport } from "../drift";
import { CliError, EXIT } from "../exit";
import type { AuditReport } from "../secrets/audit";
import type { RotateReport } from "../secrets/rotate";
import { GithubRest, githubEnv } from "./github";
import {
  type Finding,
  type IncidentResult,
  type Outcome,
  recordOutcome,
  SLACK_WEBHOOK_ENV,
  slackNotifier,
} from "./incidents";
import { appendSummary, runUrl, setOutput } from "./output";
import type { OperationResult } from "./pulumi";

export const WATCHED = {
  check: { args: (s: string) => ["check", "--stack", s, "--json"], codes: [EXIT.ok, EXIT.checkFailed] },
  drift: {
    args: (s: string) => ["drift", "--stack", s, "--json"],
    codes: [EXIT.ok, EXIT.drift, EXIT.driftUnreadable],
  },
  audit: {
    args: (s: string) => ["secrets", "audit", "--stack", s, "--json"],
    codes: [EXIT.ok, EXIT.overdue],
  },
  rotate: {
    args: (s: string) => ["secrets", "rotate", "--stack", s, "--due", "--json"],
    codes: [EXIT.ok, EXIT.rotationCheckFailed, EXIT.rotationFailed],
  },
  deploy: { args: (s: string) => ["ci", "deploy", "--stack", s, "--json"], codes: [EXIT.ok, EXIT.error] },
} as const;

export type WatchKind = keyof typeof WATCHED;
export const WATCH_KINDS = Object.keys(WATCHED) as WatchKind[];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface WatchOutcome extends Outcome {
  /** the job's exit code: the command's */
  exitCode: number;
  /** audit only: a credential is due or overdue (the production workflow rotates only then) */
  due?: boolean;
}

const lastLine = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("…"))
    .pop() ?? "";

/** The `error` a command's JSON report carries ("" when none). */
function reportError(report: unknown): string {
  const error = (report as { error?: unknown } | null)?.error;
  return typeof error === "string" ? error : "";
}

/** Findings from a command's exit code and JSON report. */
export function outcomeOf(kind: WatchKind, stack: string, run: Run): WatchOutcome {
  const base = { kind, stack, exitCode: run.code };
  const couldNotRun = (why: string): WatchOutcome => ({
    ...base,
    exitCode: run.code || EXIT.error,
    status: "failing",
    findings: [
      {
        id: "could-not-run",
        text: `sophia ${WATCHED[kind].args(stack).join(" ")} could not run (exit ${run.code}): ${why}`,
      },
    ],
  });
  let report: unknown;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    return couldNotRun(lastLine(run.stderr) || "no report");
  }
  if (!(WATCHED[kind].codes as readonly number[]).includes(run.code)) {
    // rotate prints its report also when it stopped early; anything else failing this way did not run
    return couldNotRun(reportError(report) || lastLine(run.stderr) || "no report");
  }
  const { findings, due } = FINDINGS[kind](report);
  if (run.code !== EXIT.ok && findings.length === 0)
    return couldNotRun(reportError(report) || lastLine(run.stderr) || "failed");
  return {
    ...base,
    status: findings.length ? "failing" : "ok",
    findings,
    ...(due === undefined ? {} : { due }),
  };
}

/** What a command's report says: its findings, and (audit only) whether a credential is due. */
interface ReportFindings {
  findings: Finding[];
  due?: boolean;
}

/** Each kind's findings in its command's JSON report (whose type is that command's report). */
const FINDINGS: Record<WatchKind, (report: unknown) => ReportFindings> = {
  check: (report) => ({
    findings: (report as CheckReport).checks
      .filter((c) => c.status === "fail")
      .map((c) => ({ id: `${c.integration}:${c.stage}`, text: `${c.integration} (${c.stage}): ${c.error}` })),
  }),
  drift: (report) => {
    // the same identities `sophia drift` uses for its own alert memory: each drifted property, and each
    // integration that could not be read (per HTTP status)
    const { fingerprints, unreadableFingerprints } = require("../drift") as typeof import("../drift");
    const r = report as DriftReport;
    const findings: Finding[] = [];
    for (const [id, text] of fingerprints(r)) findings.push({ id, text: `drifted: ${text}` });
    for (const [id, text] of unreadableFingerprints({ integrations: r.integrations ?? [] }))
      findings.push({ id, text: `could not read ${text}` });
    return { findings };
  },
  audit: (report) => {
    const r = report as Partial<AuditReport>;
    const rows = r.credentials ?? [];
    const minted = rows
      .filter((c) => c.status === "overdue")
      .map((c) => ({
        id: `${c.service}:overdue`,
        text: `${c.service} credential overdue: ${c.ageDays ?? "?"} days old, at most ${c.maxAgeDays}`,
      }));
    // vendor-issued credentials: rotated by a person at the vendor (`due` is for what rotate can do)
    const vendor = (r.vendorCredentials ?? [])
      .filter((c) => c.status === "overdue")
      .map((c) => ({
        id: `vendor:${c.credential}:overdue`,
        text: `${c.what} overdue: ${c.ageDays ?? "?"} days old, at most ${c.maxAgeDays}; ${c.rotateAt}`,
      }));
    return { findings: [...minted, ...vendor], due: rows.some((c) => c.status !== "ok") };
  },
  rotate: (report) => ({
    findings: (report as RotateReport).outcomes
      .filter((r) => ["reverted", "failed"].includes(r.status))
      .map((r) => ({
        id: `${r.service}:${r.status}`,
        text: `${r.service} rotation ${r.status}: ${r.status === "failed" ? `${r.error}; ` : ""}${r.detail}`,
      })),
  }),
  deploy: (report) => {
    const r = report as OperationResult;
    if (r.status === "ok") return { findings: [] };
    const findings = r.violations.map((v) => ({
      id: `policy:${v.policy}:${v.resource ?? ""}`,
      text: `policy ${v.policy}: ${v.message}`,
    }));
    return { findings: findings.length ? findings : [{ id: "up", text: `up failed: ${r.error}` }] };
  },
};

/** Runs `bin/sophia args` with `env`, passing its stderr through; stdout is kept. */
export function runSophia(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(ROOT, "bin", "sophia"), ...args], {
      cwd: process.cwd(),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr = (stderr + d).slice(-20_000);
      process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? EXIT.error, stdout, stderr }));
  });
}

/** The environment the watched command gets: this one without the alerting and workflow credentials. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { [SLACK_WEBHOOK_ENV]: _s, GITHUB_TOKEN: _g, ...rest } = env;
  return rest;
}

/** `sophia ci watch`. */
export async function watchCommand(kind: string, o: { stack: string; json?: boolean }): Promise<void> {
  if (!(WATCH_KINDS as string[]).includes(kind))
    throw new CliError(`<kind> must be one of ${WATCH_KINDS.join(", ")}; got "${kind}"`, EXIT.usage);
  const k = kind as WatchKind;
  // Fail before running anything when the incident memory or Slack cannot be reached.
  const gh = new GithubRest(githubEnv());
  const notify = slackNotifier(process.env[SLACK_WEBHOOK_ENV]);
  const run = await runSophia(WATCHED[k].args(o.stack), childEnv());
  const outcome = outcomeOf(k, o.stack, run);
  setOutput("status", outcome.status);
  if (outcome.due !== undefined) setOutput("due", String(outcome.due));

  let incident: IncidentResult | undefined;
  let incidentError: string | undefined;
  try {
    incident = await recordOutcome(gh, notify, outcome, { runUrl: runUrl() });
  } catch (err) {
    incidentError = (err as Error).message;
  }
  const md = [
    `### sophia ${k} on \`${o.stack}\`: ${outcome.status === "ok" ? "✅ ok" : `❌ ${outcome.findings.length} finding(s)`}`,
    ...outcome.findings.slice(0, 30).map((f) => `- ${f.text.replace(/\n/g, " ")}`),
    incident?.issue ? `\nIncident: ${incident.issue.url} (${incident.action})` : "",
  ];
  appendSummary(md.join("\n"));
  if (o.json)
    console.log(
      JSON.stringify(
        { ...outcome, incident: incident ?? null, incidentError: incidentError ?? null },
        null,
        2,
      ),
    );
  else {
    console.log(`sophia ${k} on ${o.stack}: ${outcome.status}`);
    for (const f of outcome.findings) console.log(`  - ${f.text}`);
    if (incident)
      console.log(
        `incident: ${incident.action}${incident.issue ? ` ${incident.issue.url}` : ""}; Slack told of ${incident.alerted}${incident.note ? ` (${incident.note})` : ""}`,
      );
  }
  if (incidentError) {
    process.stderr.write(`error: the incident memory or Slack failed: ${incidentError}\n`);
    process.exitCode = outcome.exitCode || EXIT.error;
    return;
  }
  process.exitCode = outcome.status === "ok" ? EXIT.ok : outcome.exitCode || EXIT.error;
}
