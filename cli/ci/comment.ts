// `sophia ci pr-comment`: the pull request's previews as ONE comment, created on the first push and
// updated on every later one. The comment is found by a marker at the top of its body, written by the
// workflow's own identity (github-actions[bot]): a person who quotes the marker does not capture it.
// Exit 1 when any stack it had to preview failed or left no result, so the check fails with it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { CliError, EXIT } from "../exit";
import { GithubRest, githubEnv, type IssueComment } from "./github";
import { runUrl } from "./output";
import { changeLine, type OperationResult } from "./pulumi";
import type { StackPlan } from "./stacks";

export const COMMENT_MARKER = "<!-- sophia-ai:pulumi-preview -->";
/** GitHub refuses comments over 65536 characters. */
const MAX_BODY = 60_000;

/** Inline code that cannot break out of its span or mention anyone. */
const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/\s+/g, " ").trim().slice(0, 1000)}\``;

export interface CommentInput {
  plan: StackPlan;
  /** results by stack, as `sophia ci preview --result` wrote them */
  results: Record<string, OperationResult>;
  sha?: string;
  runUrl?: string;
}

/** The comment's body, and the stacks whose preview failed or is missing. */
export function renderComment(input: CommentInput): { body: string; failed: string[] } {
  const { plan, results } = input;
  const failed: string[] = [];
  const rows: string[] = [];
  const details: string[] = [];
  for (const stack of plan.preview) {
    const r = results[stack];
    if (!r) {
      failed.push(stack);
      rows.push(`| \`${stack}\` | ❌ no result | | the preview job did not finish; see the run |`);
      continue;
    }
    if (r.status !== "ok") failed.push(stack);
    const policy = r.violations.length ? `${r.violations.length} violation(s)` : "passed";
    rows.push(
      `| \`${stack}\` | ${r.status === "ok" ? "✅ passed" : "❌ failed"} | ${r.status === "ok" || Object.keys(r.changes).length ? changeLine(r) : ""} | ${policy} |`,
    );
    if (r.status !== "ok") {
      const lines = [`**${stack}** failed: ${code(r.error ?? "unknown error")}`];
      for (const v of r.violations.slice(0, 20))
        lines.push(
          `- policy \`${v.policy}\` (${v.level})${v.resource ? ` on ${code(v.resource)}` : ""}: ${code(v.message)}`,
        );
      if (r.violations.length > 20) lines.push(`- … and ${r.violations.length - 20} more (see the run)`);
      details.push(lines.join("\n"));
    }
  }
  for (const s of plan.skipped) rows.push(`| \`${s.stack}\` | ⏭️ not previewed here | | ${s.reason} |`);
  const footer = [
    input.sha ? `commit \`${input.sha.slice(0, 12)}\`` : "",
    input.runUrl ? `[run](${input.runUrl})` : "",
    "this comment is updated on every push",
  ].filter(Boolean);
  let body = [
    COMMENT_MARKER,
    `## Pulumi preview: ${failed.length ? `❌ ${failed.length} failed` : "✅ passed"}`,
    "",
    "| stack | result | changes | policy pack |",
    "|---|---|---|---|",
    ...rows,
    "",
    ...(plan.touched.length
      ? []
      : ["_The change touches no stack; development is previewed as on every pull request._", ""]),
    ...details.flatMap((d) => [d, ""]),
    `<sub>${footer.join(" · ")}</sub>`,
  ].join("\n");
  if (body.length > MAX_BODY) body = `${body.slice(0, MAX_BODY)}\n\n… (cut; the run has everything)`;
  return { body, failed };
}

/** Creates the pull request's comment, or updates the one this identity wrote before. */
export async function upsertComment(
  gh: GithubRest,
  pr: number,
  body: string,
  author = "github-actions[bot]",
): Promise<{ action: "created" | "updated" | "unchanged"; id: number; url: string }> {
  const comments = await gh.list<IssueComment>(`${gh.repoPath}/issues/${pr}/comments`);
  const mine = comments.find((c) => c.user?.login === author && (c.body ?? "").startsWith(COMMENT_MARKER));
  if (mine) {
    if (mine.body === body) return { action: "unchanged", id: mine.id, url: mine.html_url };
    const r = await gh.call<IssueComment>("PATCH", `${gh.repoPath}/issues/comments/${mine.id}`, { body });
    return { action: "updated", id: r.data.id, url: r.data.html_url };
  }
  const r = await gh.call<IssueComment>("POST", `${gh.repoPath}/issues/${pr}/comments`, { body });
  return { action: "created", id: r.data.id, url: r.data.html_url };
}

/** The result documents in `dir` (any depth: downloaded artifacts may keep their folders), by stack. */
export function readResults(dir: string): Record<string, OperationResult> {
  const out: Record<string, OperationResult> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".json")) {
        const r = JSON.parse(readFileSync(p, "utf8")) as OperationResult;
        if (typeof r?.stack === "string" && r.operation === "preview") out[r.stack] = r;
      }
    }
  };
  walk(dir);
  return out;
}

/** `sophia ci pr-comment`. */
export async function prCommentCommand(o: {
  pr: string;
  plan: string;
  results: string;
  sha?: string;
  author?: string;
  json?: boolean;
}): Promise<void> {
  const pr = Number(o.pr);
  if (!Number.isInteger(pr) || pr <= 0)
    throw new CliError(`--pr must be a number; got "${o.pr}"`, EXIT.usage);
  let plan: StackPlan;
  try {
    plan = JSON.parse(o.plan);
    if (!Array.isArray(plan.preview) || !Array.isArray(plan.touched) || !Array.isArray(plan.skipped))
      throw new Error("not a plan");
  } catch {
    throw new CliError(
      "--plan must be the JSON plan `sophia ci stacks` wrote (its `plan` output)",
      EXIT.usage,
    );
  }
  const { body, failed } = renderComment({
    plan,
    results: readResults(o.results),
    sha: o.sha,
    runUrl: runUrl(),
  });
  const gh = new GithubRest(githubEnv());
  const r = await upsertComment(gh, pr, body, o.author);
  if (o.json) console.log(JSON.stringify({ ...r, failed }, null, 2));
  else console.log(`${r.action} ${r.url}${failed.length ? `; failed: ${failed.join(", ")}` : ""}`);
  process.exitCode = failed.length ? EXIT.error : EXIT.ok;
}
