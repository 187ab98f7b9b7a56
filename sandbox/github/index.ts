// Stand-in for GitHub's REST API, on GitHub's published description (@octokit/openapi,
// generated/api.github.com.json), reduced to the operations this project calls:
//
// - Actions secrets (secrets.ts). Like GitHub it gives each repository and organization a libsodium key pair, accepts
//   only values sealed with the public key, and never returns a value; unlike GitHub it opens what it
//   receives with its private key and keeps the plaintext, so tests can check the value that arrived.
// - Issues and issue comments (issues.ts, comments.ts: the delivery commands' pull-request comment and incident issues). As on
//   GitHub, a pull request is an issue (listed by the issues endpoint, with a `pull_request` field), lists
//   are paginated by `per_page`/`page` with a `Link` header (first, prev, next, last), issues are listed
//   newest first and comments oldest first, and an issue created with an unknown label creates the label.
// - Workflow dispatch (workflows.ts): accepted only for a workflow file of this repository (.github/workflows) that has a
//   `workflow_dispatch` trigger, and only with the inputs that trigger declares (GitHub answers 422
//   otherwise); dispatches are recorded (admin objects "dispatches").
//
// Two logins: GITHUB_SANDBOX.token acts as the github-actions[bot] app (what a workflow's GITHUB_TOKEN
// is), GITHUB_SANDBOX.userToken as a person, so tests can tell a bot's comment from a person's.
import { type Ctx, type Reply, Service } from "../core";
import { commentRoutes } from "./comments";
import { githubSpec } from "./description";
import { issueRoutes } from "./issues";
import { secretRoutes } from "./secrets";
import {
  emptyIssues,
  type GithubState,
  type IssueCollections,
  LOGINS,
  type Login,
  type StoredIssue,
  seed,
} from "./state";
import { workflowRoutes } from "./workflows";

export { GITHUB_SANDBOX } from "./state";

export class GithubSandbox extends Service<GithubState> {
  readonly name = "github";
  readonly spec = githubSpec();

  constructor() {
    super();
    this.onAll(secretRoutes(this), issueRoutes(this), commentRoutes(this), workflowRoutes(this));
  }

  protected seed(): GithubState {
    return seed();
  }

  /** A data directory saved before issues existed gets the empty collections. */
  load(dataDir: string | undefined): void {
    super.load(dataDir);
    const saved: Partial<IssueCollections> = this.state;
    const empty = emptyIssues();
    const fill = <K extends keyof IssueCollections>(k: K) => {
      saved[k] ??= empty[k];
    };
    for (const k of Object.keys(empty) as (keyof IssueCollections)[]) fill(k);
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

  notFound(): Reply {
    return this.problem(404, "not-found", "Not Found");
  }

  protected authenticate(ctx: Ctx): Reply | undefined {
    return this.caller(ctx) ? undefined : this.problem(401, "unauthorized", "Bad credentials");
  }

  /** Who the request's token is. */
  caller(ctx: Ctx): Login | undefined {
    const m = /^(?:Bearer|token) (.+)$/.exec(String(ctx.headers.authorization ?? ""));
    return m ? LOGINS[m[1]] : undefined;
  }

  /** The secrets scope ("org:…" or "repo:owner/name") the request names, if the sandbox has it. */
  scope(ctx: Ctx): string | undefined {
    const s = ctx.params.org ? `org:${ctx.params.org}` : `repo:${ctx.params.owner}/${ctx.params.repo}`;
    return this.state.keys[s] ? s : undefined;
  }

  /** The repository ("owner/name") the request names, if the sandbox has it. */
  repoOf(ctx: Ctx): string | undefined {
    const repo = `${ctx.params.owner}/${ctx.params.repo}`;
    return this.state.keys[`repo:${repo}`] ? repo : undefined;
  }

  /** The issue (or pull request) the request names. */
  issueAt(ctx: Ctx): StoredIssue | undefined {
    const repo = this.repoOf(ctx);
    return repo ? this.state.issues[`${repo}#${Number(ctx.params.issue_number)}`] : undefined;
  }
}
