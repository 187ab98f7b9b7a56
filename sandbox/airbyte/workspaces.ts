// Workspaces: read-only here (the sandbox has the one seeded workspace).
import type { Handler } from "../core";
import type { AirbyteSandbox } from "./index";
import { page } from "./state";

export function workspaceRoutes(s: AirbyteSandbox): Record<string, Handler> {
  return {
    listWorkspaces: (ctx) => page(ctx, Object.values(s.state.workspaces), (w) => w),
    getWorkspace: (ctx) => {
      const w = s.state.workspaces[ctx.params.workspaceId];
      return w
        ? { status: 200, body: w }
        : s.problem(404, "resource-not-found", `Workspace ${ctx.params.workspaceId} was not found`);
    },
  };
}
