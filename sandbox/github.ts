// Stand-in for GitHub's REST API, on GitHub's published description (@octokit/openapi,
// generated/api.github.com.json), reduced to the operations this project calls:
//
// - Actions secrets. Like GitHub it gives each repository and organization a libsodium key pair, accepts
//   only values sealed with the public key, and never returns a value; unlike GitHub it opens what it
//   receives with its private key and keeps the plaintext, so tests can check the value that arrived.
// - Issues and issue comments (the delivery commands' pull-request comment and incident issues). As on
//   GitHub, a pull request is an issue (listed by the issues endpoint, with a `pull_request` field), lists
//   are paginated by `per_page`/`page` with a `Link` header (first, prev, next, last), issues are listed
//   newest first and comments oldest first, and an issue created with an unknown label creates the label.
// - Workflow dispatch: accepted only for a workflow file of this repository (.github/workflows) that has a
//   `workflow_dispatch` trigger, and only with the inputs that trigger declares (GitHub answers 422
//   otherwise); dispatches are recorded (admin objects "dispatches").
//
// Two logins: GITHUB_SANDBOX.token acts as the github-actions[bot] app (what a workflow's GITHUB_TOKEN
// is), GITHUB_SANDBOX.userToken as a person, so tests can tell a bot's comment from a person's.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import sodium from "libsodium-wrappers";
import { parse as parseYaml } from "yaml";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec } from "./openapi";

export const GITHUB_SANDBOX = {
  token: "sandbox-github-token",
  /** a person's token (login sophia-dev), for comments a bot did not write */
  userToken: "sandbox-github-user-token",
  owner: "sophia-ai",
  repo: "sophia-ai",
  org: "sophia-ai",
  /** the open pull request every new sandbox has */
  pullRequest: 1,
};

const OPERATIONS = [
  ...["repo", "org"].flatMap((s) => [
    `actions/get-${s}-public-key`,
    `actions/list-${s}-secrets`,
    `actions/get-${s}-secret`,
    `actions/create-or-update-${s}-secret`,
    `actions/delete-${s}-secret`,
  ]),
  "issues/list-for-repo",
  "issues/get",
  "issues/create",
  "issues/update",
  "issues/list-comments",
  "issues/create-comment",
  "issues/update-comment",
  "actions/create-workflow-dispatch",
];

/** The workflows a dispatch may name: this repository's own. */
const WORKFLOWS_DIR = path.resolve(__dirname, "..", ".github", "workflows");

interface Login {
  login: string;
  id: number;
  type: "Bot" | "User";
}

const LOGINS: Record<string, Login> = {
  [GITHUB_SANDBOX.token]: { login: "github-actions[bot]", id: 41898282, type: "Bot" },
  [GITHUB_SANDBOX.userToken]: { login: "sophia-dev", id: 90000001, type: "User" },
};

interface StoredIssue {
  repo: string;
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  state_reason: string | null;
  labels: string[];
  user: Login;
  pull_request: boolean;
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

interface StoredComment {
  repo: string;
  id: number;
  issue: number;
  body: string;
  user: Login;
  created_at: string;
  updated_at: string;
}

interface KeyPair {
  keyId: string;
  publicKey: string;
  privateKey: string;
}

interface StoredSecret {
  scope: string;
  name: string;
  value: string;
  visibility?: string;
  created_at: string;
  updated_at: string;
}

interface GithubState {
  keys: Record<string, KeyPair>;
  secrets: Record<string, StoredSecret>;
  /** "owner/repo#number" → issue or pull request */
  issues: Record<string, StoredIssue>;
  /** comment id → comment */
  comments: Record<string, StoredComment>;
  labels: Record<string, { id: number; repo: string; name: string }>;
  dispatches: Record<string, { id: string; workflow: string; ref: string; inputs: Record<string, unknown> }>;
  nextId: number;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

const b64 = (u: Uint8Array) => sodium.to_base64(u, sodium.base64_variants.ORIGINAL);
const unb64 = (s: string) => sodium.from_base64(s, sodium.base64_variants.ORIGINAL);

export class GithubSandbox extends Service<GithubState> {
  readonly name = "github";
  readonly spec = new OpenApiSpec(
    path.join(
      path.dirname(require.resolve("@octokit/openapi/package.json")),
      "generated",
      "api.github.com.json",
    ),
    {
      operations: OPERATIONS,
    },
  );

  constructor() {
    super();
    // OpenAPI 3.0's `nullable` read as GitHub means it, "the schema, or null", where Ajv would not: beside
    // an `enum` (an open issue's `state_reason` is null) null joins the values, and without a `type` (an
    // issue's `milestone`) the schema becomes anyOf [schema, null].
    const nullables = (node: any): void => {
      if (Array.isArray(node)) node.forEach(nullables);
      else if (node && typeof node === "object") {
        for (const v of Object.values(node)) nullables(v);
        if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null))
          node.enum.push(null);
        if (node.nullable === true && node.type === undefined) {
          const { nullable: _n, ...rest } = node;
          for (const k of Object.keys(node)) delete node[k];
          node.anyOf = [rest, { type: "null" }];
        }
      }
    };
    nullables(this.spec.doc.paths);
    nullables(this.spec.doc.components);
    // GitHub's description lists only 200 and 204 for a workflow dispatch, yet GitHub answers 422 with its
    // usual error body to a dispatch of a workflow without the workflow_dispatch trigger or with inputs the
    // trigger does not declare (what `gh workflow run` reports as "HTTP 422: Unexpected inputs provided").
    // The stand-in answers as GitHub does, and its description says so.
    const dispatch = this.spec.operations.find((o) => o.operationId === "actions/create-workflow-dispatch");
    dispatch!.op.responses["422"] ??= {
      description: "Validation failed (answered by GitHub, not listed in its description)",
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["message"],
            properties: { message: { type: "string" }, documentation_url: { type: "string" } },
          },
        },
      },
    };
    this.routes();
    this.issueRoutes();
    this.dispatchRoute();
  }

  protected seed(): GithubState {
    const keys: Record<string, KeyPair> = {};
    for (const scope of [
      `repo:${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}`,
      `org:${GITHUB_SANDBOX.org}`,
    ]) {
      const kp = sodium.crypto_box_keypair();
      keys[scope] = {
        keyId: `56825016724254974${Object.keys(keys).length}`,
        publicKey: b64(kp.publicKey),
        privateKey: b64(kp.privateKey),
      };
    }
    const state: GithubState = { keys, secrets: {}, ...this.emptyIssues() };
    const repo = `${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}`;
    state.issues[`${repo}#${GITHUB_SANDBOX.pullRequest}`] = {
      repo,
      number: GITHUB_SANDBOX.pullRequest,
      id: state.nextId++,
      title: "Sandbox pull request",
      body: "A pull request to comment on.",
      state: "open",
      state_reason: null,
      labels: [],
      user: LOGINS[GITHUB_SANDBOX.userToken],
      pull_request: true,
      comments: 0,
      created_at: now(),
      updated_at: now(),
      closed_at: null,
    };
    return state;
  }

  private emptyIssues() {
    return { issues: {}, comments: {}, labels: {}, dispatches: {}, nextId: 1000 };
  }

  /** A data directory saved before issues existed gets the empty collections. */
  load(dataDir: string | undefined): void {
    super.load(dataDir);
    for (const [k, v] of Object.entries(this.emptyIssues())) (this.state as any)[k] ??= v;
  }

  problem(status: number, title: string, detail: string): Reply {
    return {
      status,
      body: {
        message: detail || title,
        documentation_url: "https://docs.github.com/rest/actions/secrets",
        status: String(status),
      },
    };
  }

  protected authenticate(ctx: Ctx): Reply | undefined {
    return this.caller(ctx) ? undefined : this.problem(401, "unauthorized", "Bad credentials");
  }

  private caller(ctx: Ctx): Login | undefined {
    const m = /^(?:Bearer|token) (.+)$/.exec(String(ctx.headers.authorization ?? ""));
    return m ? LOGINS[m[1]] : undefined;
  }

  private scope(ctx: Ctx): string | undefined {
    const s = ctx.params.org ? `org:${ctx.params.org}` : `repo:${ctx.params.owner}/${ctx.params.repo}`;
    return this.state.keys[s] ? s : undefined;
  }

  private view(s: StoredSecret) {
    return {
      name: s.name,
      created_at: s.created_at,
      updated_at: s.updated_at,
      ...(s.scope.startsWith("org:")
        ? {
            visibility: s.visibility ?? "private",
            ...(s.visibility === "selected"
              ? {
                  selected_repositories_url: `https://api.github.com/orgs/${s.scope.slice(4)}/actions/secrets/${s.name}/repositories`,
                }
              : {}),
          }
        : {}),
    };
  }

  private routes(): void {
    for (const kind of ["repo", "org"]) {
      const notFound = () => this.problem(404, "not-found", "Not Found");
      this.on(`actions/get-${kind}-public-key`, (ctx) => {
        const scope = this.scope(ctx);
        if (!scope) return notFound();
        return {
          status: 200,
          body: { key_id: this.state.keys[scope].keyId, key: this.state.keys[scope].publicKey },
        };
      });
      this.on(`actions/list-${kind}-secrets`, (ctx) => {
        const scope = this.scope(ctx);
        if (!scope) return notFound();
        const all = Object.values(this.state.secrets)
          .filter((s) => s.scope === scope)
          .sort((a, b) => a.name.localeCompare(b.name));
        const perPage = Number(ctx.query.per_page ?? 30);
        const page = Number(ctx.query.page ?? 1);
        return {
          status: 200,
          body: {
            total_count: all.length,
            secrets: all.slice((page - 1) * perPage, page * perPage).map((s) => this.view(s)),
          },
        };
      });
      this.on(`actions/get-${kind}-secret`, (ctx) => {
        const scope = this.scope(ctx);
        const s = scope && this.state.secrets[`${scope}/${ctx.params.secret_name}`];
        return s ? { status: 200, body: this.view(s) } : notFound();
      });
      this.on(`actions/create-or-update-${kind}-secret`, (ctx) => {
        const scope = this.scope(ctx);
        if (!scope) return notFound();
        const b = ctx.body ?? {};
        const key = this.state.keys[scope];
        if (b.key_id !== key.keyId)
          return this.problem(422, "unprocessable", "key_id does not match the current public key");
        let value: string;
        try {
          value = sodium.to_string(
            sodium.crypto_box_seal_open(
              unb64(b.encrypted_value),
              unb64(key.publicKey),
              unb64(key.privateKey),
            ),
          );
        } catch {
          return this.problem(
            422,
            "unprocessable",
            "encrypted_value could not be decrypted with the public key",
          );
        }
        const id = `${scope}/${ctx.params.secret_name}`;
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        const existed = this.state.secrets[id];
        this.state.secrets[id] = {
          scope,
          name: ctx.params.secret_name,
          value,
          ...(kind === "org" ? { visibility: b.visibility } : {}),
          created_at: existed?.created_at ?? now,
          updated_at: now,
        };
        this.save();
        return existed ? { status: 204 } : { status: 201, body: {} };
      });
      this.on(`actions/delete-${kind}-secret`, (ctx) => {
        const scope = this.scope(ctx);
        const id = `${scope}/${ctx.params.secret_name}`;
        if (!scope || !this.state.secrets[id]) return notFound();
        delete this.state.secrets[id];
        this.save();
        return { status: 204 };
      });
    }
  }

  // ---- issues, pull requests (as issues) and their comments ----

  private repoOf(ctx: Ctx): string | undefined {
    const repo = `${ctx.params.owner}/${ctx.params.repo}`;
    return this.state.keys[`repo:${repo}`] ? repo : undefined;
  }

  private user(u: Login) {
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

  private issueView(i: StoredIssue) {
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
      user: this.user(i.user),
      labels: i.labels.map((name) => {
        const l = this.state.labels[`${i.repo}:${name}`];
        return {
          id: l?.id ?? 0,
          node_id: `LA_sandbox${l?.id ?? 0}`,
          url: `${api}/labels/${encodeURIComponent(name)}`,
          name,
          description: null,
          color: "ededed",
          default: false,
        };
      }),
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

  private commentView(c: StoredComment) {
    const api = `https://api.github.com/repos/${c.repo}`;
    return {
      id: c.id,
      node_id: `IC_sandbox${c.id}`,
      url: `${api}/issues/comments/${c.id}`,
      html_url: `https://github.com/${c.repo}/issues/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${api}/issues/${c.issue}`,
      body: c.body,
      user: this.user(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.user.type === "Bot" ? "NONE" : "MEMBER",
    };
  }

  /** One page of `items` as GitHub serves it: per_page (default 30, at most 100), page, and a Link header. */
  private page<T>(ctx: Ctx, items: T[]): Reply & { items: T[] } {
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

  private issueRoutes(): void {
    const notFound = () => this.problem(404, "not-found", "Not Found");
    const issueAt = (ctx: Ctx) => {
      const repo = this.repoOf(ctx);
      return repo ? this.state.issues[`${repo}#${Number(ctx.params.issue_number)}`] : undefined;
    };
    const labelled = (repo: string, names: string[]) => {
      for (const name of names) {
        this.state.labels[`${repo}:${name}`] ??= { id: this.state.nextId++, repo, name };
      }
      return [...new Set(names)];
    };
    const labelNames = (labels: unknown): string[] =>
      Array.isArray(labels) ? labels.map((l) => (typeof l === "string" ? l : String(l?.name ?? ""))) : [];

    this.on("issues/list-for-repo", (ctx) => {
      const repo = this.repoOf(ctx);
      if (!repo) return notFound();
      const state = String(ctx.query.state ?? "open");
      const wanted = String(ctx.query.labels ?? "")
        .split(",")
        .map((l) => l.trim())
        .filter(Boolean);
      const key = ctx.query.sort === "updated" ? "updated_at" : "created_at";
      const asc = ctx.query.direction === "asc";
      const all = Object.values(this.state.issues)
        .filter((i) => i.repo === repo && (state === "all" || i.state === state))
        .filter((i) => wanted.every((l) => i.labels.includes(l)))
        .sort(
          (a, b) => (a[key] === b[key] ? a.number - b.number : a[key] < b[key] ? -1 : 1) * (asc ? 1 : -1),
        );
      const { items, ...reply } = this.page(ctx, all);
      return { ...reply, body: items.map((i) => this.issueView(i)) };
    });
    this.on("issues/get", (ctx) => {
      const i = issueAt(ctx);
      return i ? { status: 200, body: this.issueView(i) } : notFound();
    });
    this.on("issues/create", (ctx) => {
      const repo = this.repoOf(ctx);
      if (!repo) return notFound();
      const b = ctx.body ?? {};
      const numbers = Object.values(this.state.issues)
        .filter((i) => i.repo === repo)
        .map((i) => i.number);
      const issue: StoredIssue = {
        repo,
        number: Math.max(0, ...numbers) + 1,
        id: this.state.nextId++,
        title: String(b.title),
        body: b.body ?? null,
        state: "open",
        state_reason: null,
        labels: labelled(repo, labelNames(b.labels)),
        user: this.caller(ctx)!,
        pull_request: false,
        comments: 0,
        created_at: now(),
        updated_at: now(),
        closed_at: null,
      };
      this.state.issues[`${repo}#${issue.number}`] = issue;
      this.save();
      return {
        status: 201,
        body: this.issueView(issue),
        headers: { location: `${ctx.baseUrl}/repos/${repo}/issues/${issue.number}` },
      };
    });
    this.on("issues/update", (ctx) => {
      const i = issueAt(ctx);
      if (!i) return notFound();
      const b = ctx.body ?? {};
      if (b.title !== undefined && b.title !== null) i.title = String(b.title);
      if (b.body !== undefined) i.body = b.body;
      if (b.labels !== undefined) i.labels = labelled(i.repo, labelNames(b.labels));
      if (b.state && b.state !== i.state) {
        i.state = b.state;
        i.closed_at = b.state === "closed" ? now() : null;
        i.state_reason = b.state === "closed" ? (b.state_reason ?? "completed") : "reopened";
      }
      i.updated_at = now();
      this.save();
      return { status: 200, body: this.issueView(i) };
    });
    this.on("issues/list-comments", (ctx) => {
      const i = issueAt(ctx);
      if (!i) return notFound();
      const since = ctx.query.since ? String(ctx.query.since) : undefined;
      const all = Object.values(this.state.comments)
        .filter((c) => c.repo === i.repo && c.issue === i.number && (!since || c.updated_at >= since))
        .sort((a, b) => a.id - b.id);
      const { items, ...reply } = this.page(ctx, all);
      return { ...reply, body: items.map((c) => this.commentView(c)) };
    });
    this.on("issues/create-comment", (ctx) => {
      const i = issueAt(ctx);
      if (!i) return notFound();
      const c: StoredComment = {
        repo: i.repo,
        id: this.state.nextId++,
        issue: i.number,
        body: String(ctx.body.body),
        user: this.caller(ctx)!,
        created_at: now(),
        updated_at: now(),
      };
      this.state.comments[String(c.id)] = c;
      i.comments++;
      i.updated_at = now();
      this.save();
      return {
        status: 201,
        body: this.commentView(c),
        headers: { location: `${ctx.baseUrl}/repos/${i.repo}/issues/comments/${c.id}` },
      };
    });
    this.on("issues/update-comment", (ctx) => {
      const repo = this.repoOf(ctx);
      const c = repo ? this.state.comments[String(Number(ctx.params.comment_id))] : undefined;
      if (!c || c.repo !== repo) return notFound();
      // Only its author may edit a comment (a repository admin could, but a workflow token is not one).
      if (this.caller(ctx)?.login !== c.user.login)
        return this.problem(403, "forbidden", "Resource not accessible by integration");
      c.body = String(ctx.body.body);
      c.updated_at = now();
      this.save();
      return { status: 200, body: this.commentView(c) };
    });
  }

  // ---- workflow dispatch ----

  private dispatchRoute(): void {
    this.on("actions/create-workflow-dispatch", (ctx) => {
      const repo = this.repoOf(ctx);
      const file = path.join(WORKFLOWS_DIR, path.basename(ctx.params.workflow_id));
      if (!repo || !existsSync(file)) return this.problem(404, "not-found", "Not Found");
      const on = parseYaml(readFileSync(file, "utf8"))?.on;
      const trigger = Array.isArray(on) ? on.includes("workflow_dispatch") : on && "workflow_dispatch" in on;
      if (!trigger)
        return this.problem(422, "unprocessable", "Workflow does not have 'workflow_dispatch' trigger");
      const declared: Record<string, any> = (!Array.isArray(on) && on.workflow_dispatch?.inputs) || {};
      const inputs: Record<string, unknown> = ctx.body.inputs ?? {};
      const unexpected = Object.keys(inputs).filter((k) => !(k in declared));
      if (unexpected.length)
        return this.problem(
          422,
          "unprocessable",
          `Unexpected inputs provided: ${JSON.stringify(unexpected)}`,
        );
      const missing = Object.entries(declared)
        .filter(([k, d]) => d?.required && d.default === undefined && inputs[k] === undefined)
        .map(([k]) => k);
      if (missing.length)
        return this.problem(422, "unprocessable", `Required input '${missing[0]}' not provided`);
      for (const [k, d] of Object.entries(declared)) {
        if (d?.type === "choice" && inputs[k] !== undefined && !(d.options ?? []).includes(inputs[k]))
          return this.problem(
            422,
            "unprocessable",
            `Provided value '${inputs[k]}' for input '${k}' not in the list of allowed values`,
          );
      }
      const id = String(this.state.nextId++);
      this.state.dispatches[id] = { id, workflow: path.basename(file), ref: String(ctx.body.ref), inputs };
      this.save();
      return { status: 204 };
    });
  }
}
