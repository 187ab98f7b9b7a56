// github: its config keys, defined once (see integrations/keys.ts).
import { defineKeys } from "../keys";

export const GITHUB = defineKeys({
  githubEnabled: {
    type: "boolean",
    description: "Manage the repository's deployment environments and Actions secrets.",
    defaultValue: false,
  },
  githubRepository: {
    type: "string",
    description: "Repository name; the owner is the github:owner provider setting.",
    defaultValue: "",
    required: true,
    what: "the repository name (the owner is github:owner)",
    pattern: /^[A-Za-z0-9_.-]{1,100}$/,
  },
  githubProductionReviewers: {
    type: "array",
    items: "integer",
    description: "GitHub user ids who approve production deployments (required in production).",
    defaultValue: [],
  },
  githubOrgSecretVisibility: {
    type: "string",
    description: "Visibility of the organization secrets (all, private, selected).",
    defaultValue: "private",
    oneOf: ["all", "private", "selected"],
  },
  githubCarryConfigCredentials: {
    type: "boolean",
    description:
      "Publish the integrations' CI credentials (Airbyte, Gong, Estuary, OpenRouter, Portkey, Lambda) as organization secrets.",
    defaultValue: true,
  },
});
