// Vercel: the project, its domain and environment variables (the stack name and the carried credentials).
import { CARRIERS } from "../credentials";
import { defineIntegration, enabledBy } from "../spec";
import type { VercelArgs, VercelSite, VercelVariable } from "../vercel";
import { VERCEL } from "./keys";

export const vercel = defineIntegration({
  name: "vercel",
  keys: VERCEL,
  enabled: enabledBy(VERCEL.vercelEnabled),
  carriesCredentials: true,
  read: ({ r, namePrefix }): Omit<VercelArgs, "variables"> => ({
    projectName: r.string(VERCEL.vercelProjectName, namePrefix),
    framework: r.string(VERCEL.vercelFramework),
    gitRepository: r.optionalString(VERCEL.vercelGitRepository),
    domain: r.optionalString(VERCEL.vercelDomain),
  }),
  compose: (cfg, ctx): VercelSite => {
    const { VercelSite } = require("../vercel") as typeof import("../vercel");
    const [snowflakeUser] = CARRIERS.snowflake;
    const variables: Record<string, VercelVariable> = {
      SOPHIA_STACK: { value: ctx.stack, targets: ["production", "preview", "development"], sensitive: false },
    };
    for (const [key, value] of Object.entries(ctx.carried())) {
      variables[key] = { value, targets: ["production", "preview"], sensitive: key !== snowflakeUser };
    }
    return new VercelSite("vercel", { ...cfg, variables });
  },
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
