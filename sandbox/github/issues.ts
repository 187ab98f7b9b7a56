// Issues, and pull requests as issues (listed by the issues endpoint, with a `pull_request` field): listed
// newest first and paginated with a Link header; an issue created with an unknown label creates the label.
import type { Ctx, Handler, Reply } from "../core";
import type { GithubSandbox } from "./index";
import { now, type StoredIssue } from "./state";
import { issueView, page } from "./views";

/** The fields of an issue's create or update body the stand-in reads. */
interface IssueBody {
  title?: unknown;
  body?: string | null;
  labels?: unknown;
  state?: StoredIssue["state"];
  state_reason?: string | null;
}

/** Label names from a body's `labels`: names, or label objects with a name. */
const labelNames = (labels: unknown): string[] =>
  Array.isArray(labels)
    ? labels.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown } | null)?.name ?? "")))
    : [];

/** `names` without repeats; each label unknown in `repo` is created. */
function labelled(s: GithubSandbox, repo: string, names: string[]): string[] {
  for (const name of names) {
    s.state.labels[`${repo}:${name}`] ??= { id: s.state.nextId++, repo, name };
  }
  return [...new Set(names)];
}

function listIssues(s: GithubSandbox, ctx: Ctx): Reply {
  const repo = s.repoOf(ctx);
  if (!repo) return s.notFound();
  const state = String(ctx.query.state ?? "open");
  const wanted = String(ctx.query.labels ?? "")
    .split(",")
    .map((l) => l.trim())
    .filter(Boolean);
  const key = ctx.query.sort === "updated" ? "updated_at" : "created_at";
  const asc = ctx.query.direction === "asc";
  const all = Object.values(s.state.issues)
    .filter((i) => i.repo === repo && (state === "all" || i.state === state))
    .filter((i) => wanted.every((l) => i.labels.includes(l)))
    .sort((a, b) => (a[key] === b[key] ? a.number - b.number : a[key] < b[key] ? -1 : 1) * (asc ? 1 : -1));
  const { items, ...reply } = page(ctx, all);
  return { ...reply, body: items.map((i) => issueView(s.state, i)) };
}

function createIssue(s: GithubSandbox, ctx: Ctx): Reply {
  const repo = s.repoOf(ctx);
  if (!repo) return s.notFound();
  const b = (ctx.body ?? {}) as IssueBody;
  const numbers = Object.values(s.state.issues)
    .filter((i) => i.repo === repo)
    .map((i) => i.number);
  const issue: StoredIssue = {
    repo,
    number: Math.max(0, ...numbers) + 1,
    id: s.state.nextId++,
    title: String(b.title),
    body: b.body ?? null,
    state: "open",
    state_reason: null,
    labels: labelled(s, repo, labelNames(b.labels)),
    user: s.caller(ctx)!,
    pull_request: false,
    comments: 0,
    created_at: now(),
    updated_at: now(),
    closed_at: null,
  };
  s.state.issues[`${repo}#${issue.number}`] = issue;
  s.save();
  return {
    status: 201,
    body: issueView(s.state, issue),
    headers: { location: `${ctx.baseUrl}/repos/${repo}/issues/${issue.number}` },
  };
}

function updateIssue(s: GithubSandbox, ctx: Ctx): Reply {
  const i = s.issueAt(ctx);
  if (!i) return s.notFound();
  const b = (ctx.body ?? {}) as IssueBody;
  if (b.title !== undefined && b.title !== null) i.title = String(b.title);
  if (b.body !== undefined) i.body = b.body;
  if (b.labels !== undefined) i.labels = labelled(s, i.repo, labelNames(b.labels));
  if (b.state && b.state !== i.state) {
    i.state = b.state;
    i.closed_at = b.state === "closed" ? now() : null;
    i.state_reason = b.state === "closed" ? (b.state_reason ?? "completed") : "reopened";
  }
  i.updated_at = now();
  s.save();
  return { status: 200, body: issueView(s.state, i) };
}

export function issueRoutes(s: GithubSandbox): Record<string, Handler> {
  return {
    "issues/list-for-repo": (ctx) => listIssues(s, ctx),
    "issues/get": (ctx) => {
      const i = s.issueAt(ctx);
      return i ? { status: 200, body: issueView(s.state, i) } : s.notFound();
    },
    "issues/create": (ctx) => createIssue(s, ctx),
    "issues/update": (ctx) => updateIssue(s, ctx),
  };
}
