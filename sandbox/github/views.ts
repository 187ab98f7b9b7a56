// The objects as GitHub's API shows them (users, issues, comments), and its pagination.
import type { Ctx, Reply } from "../core";
import type { GithubState, Login, StoredComment, StoredIssue } from "./state";

export function userView(u: Login) {
  const api = `https://api.github.com/users/${encodeURIComponent(u.login)}`; // github-actions%5Bbot%5D
  return {
    login: u.login,
    id: u.id,
    node_id: `U_sandbox${u.id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
    gravatar_id: "",
    url: api,
    html_url: u.type === "Bot" ? "https://github.com/apps/github-actions" : `https://github.com/${u.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: u.type,
    site_admin: false,
  };
}

function labelView(state: GithubState, repo: string, name: string) {
  const l = state.labels[`${repo}:${name}`];
  return {
    id: l?.id ?? 0,
    node_id: `LA_sandbox${l?.id ?? 0}`,
    url: `https://api.github.com/repos/${repo}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: "ededed",
    default: false,
  };
}

export function issueView(state: GithubState, i: StoredIssue) {
  const api = `https://api.github.com/repos/${i.repo}`;
  const html = `https://github.com/${i.repo}/${i.pull_request ? "pull" : "issues"}/${i.number}`;
  return {
    id: i.id,
    node_id: `I_sandbox${i.id}`,
    url: `${api}/issues/${i.number}`,
    repository_url: api,
    labels_url: `${api}/issues/${i.number}/labels{/name}`,
    comments_url: `${api}/issues/${i.number}/comments`,
    events_url: `${api}/issues/${i.number}/events`,
    html_url: html,
    number: i.number,
    state: i.state,
    state_reason: i.state_reason,
    title: i.title,
    body: i.body,
    user: userView(i.user),
    labels: i.labels.map((name) => labelView(state, i.repo, name)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: i.comments,
    ...(i.pull_request
      ? {
          pull_request: {
            url: `${api}/pulls/${i.number}`,
            html_url: html,
            diff_url: `${html}.diff`,
            patch_url: `${html}.patch`,
            merged_at: null,
          },
        }
      : {}),
    closed_at: i.closed_at,
    created_at: i.created_at,
    updated_at: i.updated_at,
    author_association: i.user.type === "Bot" ? "NONE" : "MEMBER",
  };
}

export function commentView(c: StoredComment) {
  const api = `https://api.github.com/repos/${c.repo}`;
  return {
    id: c.id,
    node_id: `IC_sandbox${c.id}`,
    url: `${api}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.repo}/issues/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${api}/issues/${c.issue}`,
    body: c.body,
    user: userView(c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: c.user.type === "Bot" ? "NONE" : "MEMBER",
  };
}

/** One page of `items` as GitHub serves it: per_page (default 30, at most 100), page, and a Link header. */
export function page<T>(ctx: Ctx, items: T[]): Reply & { items: T[] } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.per_page ?? 30)));
  const page = Math.max(1, Number(ctx.query.page ?? 1));
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(ctx.query)) {
      if (k !== "page") for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
    }
    q.set("page", String(p));
    return `<${ctx.baseUrl}${ctx.path}?${q}>`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`${link(page - 1)}; rel="prev"`);
  if (page < last) rels.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) rels.push(`${link(1)}; rel="first"`);
  return {
    status: 200,
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: rels.length ? { link: rels.join(", ") } : {},
  };
}
