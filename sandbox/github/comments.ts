// Issue (and pull-request) comments: listed oldest first and paginated with a Link header; only its author
// may edit a comment.
import type { Handler } from "../core";
import type { GithubSandbox } from "./index";
import { now, type StoredComment } from "./state";
import { commentView, page } from "./views";

/** A comment's text from a create or update body (the description requires `body`). */
const text = (body: unknown) => String((body as { body?: unknown }).body);

export function commentRoutes(s: GithubSandbox): Record<string, Handler> {
  return {
    "issues/list-comments": (ctx) => {
      const i = s.issueAt(ctx);
      if (!i) return s.notFound();
      const since = ctx.query.since ? String(ctx.query.since) : undefined;
      const all = Object.values(s.state.comments)
        .filter((c) => c.repo === i.repo && c.issue === i.number && (!since || c.updated_at >= since))
        .sort((a, b) => a.id - b.id);
      const { items, ...reply } = page(ctx, all);
      return { ...reply, body: items.map(commentView) };
    },
    "issues/create-comment": (ctx) => {
      const i = s.issueAt(ctx);
      if (!i) return s.notFound();
      const c: StoredComment = {
        repo: i.repo,
        id: s.state.nextId++,
        issue: i.number,
        body: text(ctx.body),
        user: s.caller(ctx)!,
        created_at: now(),
        updated_at: now(),
      };
      s.state.comments[String(c.id)] = c;
      i.comments++;
      i.updated_at = now();
      s.save();
      return {
        status: 201,
        body: commentView(c),
        headers: { location: `${ctx.baseUrl}/repos/${i.repo}/issues/comments/${c.id}` },
      };
    },
    "issues/update-comment": (ctx) => {
      const repo = s.repoOf(ctx);
      const c = repo ? s.state.comments[String(Number(ctx.params.comment_id))] : undefined;
      if (!c || c.repo !== repo) return s.notFound();
      // Only its author may edit a comment (a repository admin could, but a workflow token is not one).
      if (s.caller(ctx)?.login !== c.user.login)
        return s.problem(403, "forbidden", "Resource not accessible by integration");
      c.body = text(ctx.body);
      c.updated_at = now();
      s.save();
      return { status: 200, body: commentView(c) };
    },
  };
}
