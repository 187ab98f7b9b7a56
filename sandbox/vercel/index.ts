// Stand-in for the two Vercel REST calls `sophia check` makes (specs/vercel-rest.yaml): who the token
// belongs to (GET /v2/user; user.ts) and whether it can read the project in the team (GET
// /v9/projects/{idOrName}; projects.ts).
//
// Faithful where the check depends on it: a bearer token, an invalid one answered 403 with
// {error: {code: "forbidden", invalidToken: true}} as Vercel does; a team the token may not act for is 403
// "Not authorized"; a project outside the scope is 404 not_found; teams are named by teamId or slug.
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "../core";
import { OpenApiSpec } from "../openapi";
import { projectRoutes } from "./projects";
import { seed, type User, type VercelState } from "./state";
import { userRoutes } from "./user";

export { VERCEL_SANDBOX } from "./state";

export class VercelSandbox extends Service<VercelState> {
  readonly name = "vercel";
  readonly spec = new OpenApiSpec(path.join(__dirname, "..", "specs", "vercel-rest.yaml"), { basePath: "" });
  /** The user of the request being handled (set by authenticate). */
  caller?: User;

  constructor() {
    super();
    this.onAll(userRoutes(this), projectRoutes(this));
  }

  protected seed(): VercelState {
    return seed();
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
