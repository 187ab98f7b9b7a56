// Incident memory for the scheduled workflows, kept where GitHub's ephemeral runners can find it again:
// one GitHub issue per open incident, labelled `sophia-incident`, its key (`<kind>/<stack>`, e.g.
// check/staging) and the findings already sent to Slack in a marker at the top of its body.
//
// - A failing run with no open incident opens one (an issue) and tells Slack, once.
// - A failing run with an incident open tells Slack only about findings it has not been told about (a
//   second integration failing), and comments on the issue; the same failure again says nothing.
// - A passing run closes the open incident and tells Slack it is resolved, once.
// - A finding that went away is forgotten, so it is news again if it comes back; closing the issue by hand
//   ends the incident, and the next failure opens a new one.
//
// Slack is told after the issue exists and before the issue records it as told: a failure in between
// repeats an alert on the next run rather than losing one.
import { envName } from "../../integrations/keys";
import { STACK } from "../../integrations/stack/keys";
import { isSafeUrl } from "../../providers/http/client";
import { CliError, EXIT } from "../exit";
import type { GithubRest, Issue } from "./github";

export const INCIDENT_LABEL = "sophia-incident";
const MARKER = /^<!-- sophia-incident (\{.*?\}) -->/;

export interface Finding {
  /** stable identity: the same problem on the next run has the same id */
  id: string;
  /** one line for people; never a secret */
  text: string;
}

export interface Outcome {
  kind: string;
  stack: string;
  status: "ok" | "failing";
  findings: Finding[];
}

interface Meta {
  key: string;
  opened: string;
  /** ids of the findings Slack has been told about */
  alerted: string[];
}

export interface IncidentResult {
  action: "none" | "opened" | "updated" | "unchanged" | "resolved";
  issue?: { number: number; url: string };
  /** findings Slack was told about in this run (or 1 for a resolution) */
  alerted: number;
  /** why Slack was not told, when it was not */
  note?: string;
}

export const incidentKey = (o: { kind: string; stack: string }) => `${o.kind}/${o.stack}`;

const slackEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const mdCode = (s: string) => `\`${s.replace(/`/g, "'").replace(/\s+/g, " ").slice(0, 500)}\``;

function metaOf(issue: Issue): Meta | undefined {
  const m = MARKER.exec(issue.body ?? "");
  if (!m) return undefined;
  try {
    const meta = JSON.parse(m[1]) as Partial<Meta> | null;
    return typeof meta?.key === "string" && Array.isArray(meta.alerted) ? (meta as Meta) : undefined;
  } catch {
    return undefined;
  }
}

/** The open incident of `key`, if any (the oldest, should there be two). */
export async function findIncident(
  gh: GithubRest,
  key: string,
): Promise<{ issue: Issue; meta: Meta } | undefined> {
  const issues = await gh.list<Issue>(`${gh.repoPath}/issues`, {
    labels: INCIDENT_LABEL,
    state: "open",
    sort: "created",
    direction: "asc",
  });
  for (const issue of issues) {
    if (issue.pull_request) continue; // the issues endpoint lists pull requests too
    const meta = metaOf(issue);
    if (meta?.key === key) return { issue, meta };
  }
  return undefined;
}

function issueBody(o: Outcome, meta: Meta, run: string | undefined): string {
  const shown = o.findings.slice(0, 50);
  return [
    `<!-- sophia-incident ${JSON.stringify(meta)} -->`,
    `**sophia ${o.kind}** is failing on stack **${o.stack}** since ${meta.opened}.`,
    "",
    `Findings of the last failing run${run ? ` ([run](${run}))` : ""}:`,
    ...shown.map((f) => `- ${mdCode(f.text)}`),
    ...(o.findings.length > shown.length ? [`- … and ${o.findings.length - shown.length} more`] : []),
    "",
    "This issue is the incident's memory for the scheduled workflows (README, Delivery): Slack was told when",
    "it opened and is told about each new finding and when it resolves; the workflow closes it when the",
    "command passes again. Close it by hand to end the incident: the next failure opens a new one.",
  ].join("\n");
}

export type Notifier = (text: string) => Promise<void>;

/** Where the workflows find the Slack webhook: slackWebhookUrl's variable, which sync-github pushes. */
export const SLACK_WEBHOOK_ENV = envName(STACK.slackWebhookUrl);

/** A Slack incoming webhook as a notifier (https, or this machine for the stand-in). */
export function slackNotifier(webhook: string | undefined): Notifier | undefined {
  if (!webhook) return undefined;
  if (!isSafeUrl(webhook))
    throw new CliError(`${SLACK_WEBHOOK_ENV} must be an https URL (or this machine)`, EXIT.usage);
  return async (text) => {
    const res = await fetch(webhook, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(10_000),
    });
    // never echo the webhook URL: it is the credential
    if (!res.ok) throw new CliError(`Slack answered ${res.status} to the alert`);
  };
}

/** What recording one outcome works with. */
interface Recording {
  gh: GithubRest;
  notify: Notifier | undefined;
  o: Outcome;
  runUrl: string | undefined;
  /** The command and stack, for Slack. */
  what: string;
  /** A link to the run, for Slack ("" without one). */
  runLink: string;
}

/** Records `o` in the incident memory and tells Slack what is news. */
export async function recordOutcome(
  gh: GithubRest,
  notify: Notifier | undefined,
  o: Outcome,
  opts: { runUrl?: string; now?: Date } = {},
): Promise<IncidentResult> {
  const key = incidentKey(o);
  const now = (opts.now ?? new Date()).toISOString().replace(/\.\d+Z$/, "Z");
  const open = await findIncident(gh, key);
  const r: Recording = {
    gh,
    notify,
    o,
    runUrl: opts.runUrl,
    what: `*sophia ${o.kind}* on *${slackEscape(o.stack)}*`,
    runLink: opts.runUrl ? ` · <${opts.runUrl}|run>` : "",
  };
  if (o.status === "ok") return open ? resolveIncident(r, open) : { action: "none", alerted: 0 };
  if (open) return recordFailing(r, open, false);
  const meta: Meta = { key, opened: now, alerted: [] };
  const created = await gh.call<Issue>("POST", `${gh.repoPath}/issues`, {
    title: `Incident: sophia ${o.kind} failing on ${o.stack}`,
    body: issueBody(o, meta, opts.runUrl),
    labels: [INCIDENT_LABEL],
  });
  return recordFailing(r, { issue: created.data, meta }, true);
}

/** A passing run: closes the open incident and tells Slack, if Slack had been told of it. */
async function resolveIncident(
  { gh, notify, o, runUrl, what, runLink }: Recording,
  { issue, meta }: { issue: Issue; meta: Meta },
): Promise<IncidentResult> {
  await gh.call("PATCH", `${gh.repoPath}/issues/${issue.number}`, {
    state: "closed",
    state_reason: "completed",
  });
  await gh.call("POST", `${gh.repoPath}/issues/${issue.number}/comments`, {
    body: `Resolved: \`sophia ${o.kind}\` passes on ${o.stack} again${runUrl ? ` ([run](${runUrl}))` : ""}.`,
  });
  const result = { action: "resolved" as const, issue: { number: issue.number, url: issue.html_url } };
  if (!meta.alerted.length) return { ...result, alerted: 0, note: "Slack had not been told of it" };
  if (!notify) return { ...result, alerted: 0, note: `${SLACK_WEBHOOK_ENV} is not set` };
  await notify(
    `:white_check_mark: ${what} passes again; incident <${issue.html_url}|#${issue.number}> (open since ${meta.opened}) is closed${runLink}`,
  );
  return { ...result, alerted: 1 };
}

/**
 * A failing run on the incident `issue` (just `opened`, or open already): Slack hears of the findings it
 * has not been told about, an incident open already gets them as a comment, and the issue's body records
 * the findings and what Slack has been told.
 */
async function recordFailing(
  r: Recording,
  { issue, meta }: { issue: Issue; meta: Meta },
  opened: boolean,
): Promise<IncidentResult> {
  const { gh, o, runUrl } = r;
  const news = o.findings.filter((f) => !meta.alerted.includes(f.id));
  const current = o.findings.map((f) => f.id);
  let told = meta.alerted.filter((id) => current.includes(id)); // forget what went away
  let alerted = 0;
  let note: string | undefined;
  if (news.length) {
    if (!r.notify) note = `${SLACK_WEBHOOK_ENV} is not set`;
    else {
      await r.notify(alertText(r, issue, meta, news, opened));
      alerted = news.length;
      told = [...told, ...news.map((f) => f.id)];
    }
    if (!opened) {
      await gh.call("POST", `${gh.repoPath}/issues/${issue.number}/comments`, {
        body: [
          `New finding(s)${runUrl ? ` ([run](${runUrl}))` : ""}:`,
          ...news.slice(0, 50).map((f) => `- ${mdCode(f.text)}`),
        ].join("\n"),
      });
    }
  }
  const nextMeta: Meta = { ...meta, alerted: told };
  const body = issueBody(o, nextMeta, runUrl);
  const changed = opened || JSON.stringify(nextMeta) !== JSON.stringify(meta) || news.length > 0;
  if (changed) await gh.call("PATCH", `${gh.repoPath}/issues/${issue.number}`, { body });
  return {
    action: opened ? "opened" : changed ? "updated" : "unchanged",
    issue: { number: issue.number, url: issue.html_url },
    alerted,
    ...(note ? { note } : {}),
  };
}

/** Slack's message about new findings: a new incident, or news in one open already. */
function alertText(r: Recording, issue: Issue, meta: Meta, news: Finding[], opened: boolean): string {
  const head = opened
    ? `:rotating_light: ${r.what} is failing: incident <${issue.html_url}|#${issue.number}>`
    : `:rotating_light: ${r.what}: ${news.length} new finding(s) in incident <${issue.html_url}|#${issue.number}> (open since ${meta.opened})`;
  const lines = news.slice(0, 10).map((f) => `• ${slackEscape(f.text.slice(0, 300))}`);
  if (news.length > 10) lines.push(`• … and ${news.length - 10} more (see the incident)`);
  return `${head}${r.runLink}\n${lines.join("\n")}`;
}
