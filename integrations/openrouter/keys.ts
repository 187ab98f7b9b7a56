// openrouter: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, URL_RULE } from "../keys";

export const OPENROUTER = defineKeys({
  openrouterEnabled: {
    type: "boolean",
    description: "Manage OpenRouter API keys and validate the LLM model policy against its catalogue.",
    defaultValue: false,
  },
  openrouterApiUrl: {
    type: "string",
    description: "OpenRouter API base URL.",
    defaultValue: "https://openrouter.ai/api/v1",
    ...URL_RULE,
  },
  openrouterKeys: {
    type: "array",
    items: "object",
    description:
      'API keys, [{"name": "app", "limit": 50, "limitReset": "monthly", "expiresAt": "...", "generation": 0}]; a new generation replaces the key.',
    defaultValue: [],
    shape: {
      name: "string",
      limit: "number",
      limitReset: { oneOf: ["daily", "weekly", "monthly"] },
      expiresAt: "string",
      generation: "integer",
    },
  },
  llmModels: {
    type: "object",
    description:
      'Model allow-list and fallback order, {"allow": ["openai/gpt-4o"], "fallbacks": [...]}; validated against OpenRouter\'s GET /models.',
    defaultValue: {},
    shape: { allow: "strings", fallbacks: "strings" },
  },
  openrouterManagementKey: {
    type: "string",
    description: "OpenRouter provisioning (management) key.",
    secret: true,
  },
});
