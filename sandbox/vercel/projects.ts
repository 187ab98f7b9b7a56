// Projects (GET /v9/projects/{idOrName}), by id or name, in the personal scope or a team's (teamId or slug).
import type { Ctx, Handler } from "../core";
import type { VercelSandbox } from "./index";
import { VERCEL_SANDBOX } from "./state";

/** The team the request acts for: its id, undefined for the personal scope, null when not allowed. */
function teamOf(s: VercelSandbox, ctx: Ctx): string | undefined | null {
  const { teamId, slug } = ctx.query as Record<string, string | undefined>;
  if (!teamId && !slug) return undefined;
  const id = teamId ?? (slug === VERCEL_SANDBOX.team.slug ? VERCEL_SANDBOX.team.id : undefined);
  return id && s.caller!.teams.includes(id) ? id : null;
}

export function projectRoutes(s: VercelSandbox): Record<string, Handler> {
  return {
    getProject: (ctx) => {
      const team = teamOf(s, ctx);
      if (team === null) return s.problem(403, "forbidden", "Not authorized");
      const owner = team ?? s.caller!.id;
      const project = Object.values(s.state.projects).find(
        (p) => p.accountId === owner && (p.id === ctx.params.idOrName || p.name === ctx.params.idOrName),
      );
      if (!project) return s.problem(404, "not_found", "Project not found");
      return { status: 200, body: project };
    },
  };
}
