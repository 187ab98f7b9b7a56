// Stand-in for the two Vercel REST calls `sophia check` makes (specs/vercel-rest.yaml): who the token
// belongs to (GET /v2/user) and whether it can read the project in the team (GET /v9/projects/{idOrName}).
//
// Faithful where the check depends on it: a bearer token, an invalid one answered 403 with
// {error: {code: "forbidden", invalidToken: true}} as Vercel does; a team the token may not act for is 403
// "Not authorized"; a project outside the scope is 404 not_found; teams are named by teamId or slug.
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec } from "./openapi";

export const VERCEL_SANDBOX = {
  team: { id: "team_sandbox0000000000000001", slug: "sophia-ai" },
  project: "sophia-sandbox",
  /** A token of a member of the team. */
  token: "vercel_sandbox_team_token_0001",
  /** A valid token of a user outside the team. */
  outsiderToken: "vercel_sandbox_outsider_token_0001",
};

interface VercelState {
  users: Record<
    string,
    { id: string; email: string; username: string; name: string; teams: string[]; token: string }
  >;
  projects: Record<string, { id: string; name: string; accountId: string; framework: string | null }>;
}

export class VercelSandbox extends Service<VercelState> {
  readonly name = "vercel";
  readonly spec = new OpenApiSpec(path.join(__dirname, "specs", "vercel-rest.yaml"), { basePath: "" });
  private caller?: VercelState["users"][string];

  constructor() {
    super();
    this.on("getAuthUser", () => {
      const { token: _t, teams, ...user } = this.caller!;
      return { status: 200, body: { user: { ...user, defaultTeamId: teams[0] ?? null } } };
    });
    this.on("getProject", (ctx) => {
      const team = this.teamOf(ctx);
      if (team === null) return this.problem(403, "forbidden", "Not authorized");
      const owner = team ?? this.caller!.id;
      const project = Object.values(this.state.projects).find(
        (p) => p.accountId === owner && (p.id === ctx.params.idOrName || p.name === ctx.params.idOrName),
      );
      if (!project) return this.problem(404, "not_found", "Project not found");
      return { status: 200, body: project };
    });
  }

  /** The team the request acts for: its id, undefined for the personal scope, null when not allowed. */
  private teamOf(ctx: Ctx): string | undefined | null {
    const { teamId, slug } = ctx.query as Record<string, string | undefined>;
    if (!teamId && !slug) return undefined;
    const id = teamId ?? (slug === VERCEL_SANDBOX.team.slug ? VERCEL_SANDBOX.team.id : undefined);
    return id && this.caller!.teams.includes(id) ? id : null;
  }

  protected seed(): VercelState {
    return {
      users: {
        member: {
          id: "user_sandbox_member_0001",
          email: "platform@sophia-ai.example",
          username: "sophia-platform",
          name: "Sophia platform",
          teams: [VERCEL_SANDBOX.team.id],
          token: VERCEL_SANDBOX.token,
        },
        outsider: {
          id: "user_sandbox_outsider_0001",
          email: "someone@example.com",
          username: "someone",
          name: "Someone else",
          teams: [],
          token: VERCEL_SANDBOX.outsiderToken,
        },
      },
      projects: {
        [VERCEL_SANDBOX.project]: {
          id: "prj_sandbox0000000000000001",
          name: VERCEL_SANDBOX.project,
          accountId: VERCEL_SANDBOX.team.id,
          framework: "nextjs",
        },
      },
    };
  }

  protected authenticate(ctx: Ctx): Reply | undefined {
    const auth = String(ctx.headers.authorization ?? "");
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    this.caller = Object.values(this.state.users).find((u) => u.token === token);
    if (!this.caller) {
      return {
        status: 403,
        body: {
          error: {
            code: "forbidden",
            message: "The request is missing an authentication token or the token is invalid",
            invalidToken: true,
          },
        },
      };
    }
    return undefined;
  }

  problem(status: number, title: string, detail: string): Reply {
    const code = status === 429 ? "rate_limited" : title;
    return { status, body: { error: { code, message: detail } } };
  }
}
