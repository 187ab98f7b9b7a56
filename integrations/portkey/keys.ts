// portkey: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, URL_RULE } from "../keys";

export const PORTKEY = defineKeys({
  portkeyEnabled: {
    type: "boolean",
    description: "Manage Portkey providers, routing configs and the guardrail.",
    default: false,
  },
  portkeyApiUrl: {
    type: "string",
    description: "Portkey admin API base URL.",
    default: "https://api.portkey.ai/v1",
    ...URL_RULE,
  },
  portkeyWorkspaceId: {
    type: "string",
    description: "Portkey workspace (optional; the API key's default workspace otherwise).",
    default: "",
  },
  portkeyProviders: {
    type: "array",
    items: "object",
    description:
      'LLM providers, [{"name", "provider", "apiKeySecret": "<secret config key>" | "openrouterKey": "<openrouterKeys name>", "rateLimit", "usageLimit"}].',
    default: [],
  },
  portkeyConfigs: {
    type: "array",
    items: "object",
    description:
      'Routing configs, [{"name", "strategy": "fallback"|"loadbalance", "targets": [{"provider", "weight", "overrideParams"}], "cache"}].',
    default: [],
  },
  portkeyGuardrail: {
    type: "object",
    description:
      'A guardrail attached to every config, {"name", "checks": [{"id", "parameters"}]} (optional).',
    default: {},
  },
  portkeyApiKey: { type: "string", description: "Portkey admin API key.", secret: true },
});
