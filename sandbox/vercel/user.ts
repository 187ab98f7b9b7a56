// The authenticated user (GET /v2/user), without the token the stand-in keeps for it.
import type { Handler } from "../core";
import type { VercelSandbox } from "./index";

export function userRoutes(s: VercelSandbox): Record<string, Handler> {
  return {
    getAuthUser: () => {
      const { token: _t, teams, ...user } = s.caller!;
      return { status: 200, body: { user: { ...user, defaultTeamId: teams[0] ?? null } } };
    },
  };
}
