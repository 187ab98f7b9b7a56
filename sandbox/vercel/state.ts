// The Vercel stand-in's credentials and objects: a team with one project, a member of it and an outsider.

export const VERCEL_SANDBOX = {
  team: { id: "team_sandbox0000000000000001", slug: "sophia-ai" },
  project: "sophia-sandbox",
  /** A token of a member of the team. */
  token: "vercel_sandbox_team_token_0001",
  /** A valid token of a user outside the team. */
  outsiderToken: "vercel_sandbox_outsider_token_0001",
};

export interface User {
  id: string;
  email: string;
  username: string;
  name: string;
  teams: string[];
  token: string;
}

export interface VercelState {
  users: Record<string, User>;
  projects: Record<string, { id: string; name: string; accountId: string; framework: string | null }>;
}

export function seed(): VercelState {
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
