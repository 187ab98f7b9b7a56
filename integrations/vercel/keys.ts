// vercel: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, HOST_RULE, URL_RULE } from "../keys";

export const VERCEL = defineKeys({
  vercelEnabled: {
    type: "boolean",
    description: "Manage the Vercel project, domain and environment variables.",
    defaultValue: false,
  },
  vercelApiUrl: {
    type: "string",
    description: "Vercel's REST API, for `sophia check` (the provider itself always uses Vercel's).",
    defaultValue: "https://api.vercel.com",
    ...URL_RULE,
    readBy: "cli",
  },
  vercelProjectName: {
    type: "string",
    description: "Vercel project name (default <namePrefix>).",
    defaultValue: "",
    pattern: /^[a-z0-9][a-z0-9-]{0,99}$/,
    what: "a Vercel project name",
  },
  vercelFramework: {
    type: "string",
    description: "Vercel framework preset.",
    defaultValue: "nextjs",
    pattern: /^[a-z0-9-]{1,50}$/,
    what: "a Vercel framework preset like nextjs",
  },
  vercelGitRepository: {
    type: "string",
    description: "owner/name of the GitHub repository Vercel deploys from (optional).",
    defaultValue: "",
    pattern: /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9_.-]{1,100}$/,
    what: "owner/name of a GitHub repository",
  },
  vercelDomain: {
    type: "string",
    description: "Custom domain of the project (optional).",
    defaultValue: "",
    ...HOST_RULE,
    what: "a domain name",
  },
});
