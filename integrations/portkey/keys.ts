// portkey: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, URL_RULE } from "../keys";

export const PORTKEY = defineKeys({
  portkeyEnabled: {
    type: "boolean",
    description: "Manage Portkey providers, routing configs and the guardrail.",
    defaultValue: false,
  },
  portkeyApiUrl: {
    type: "string",
    description: "Portkey admin API base URL.",
    defaultValue: "https://api.portkey.ai/v1",
    ...URL_RULE,
  },
  portkeyWorkspaceId: {
    type: "string",
    description: "Portkey workspace (optional; the API key's default workspace otherwise).",
    defaultValue: "",
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    what: "a Portkey workspace id",
  },
  portkeyProviders: {
    type: "array",
    items: "object",
    description:
      'LLM providers, [{"name", "provider", "apiKeySecret": "<secret config key>" | "openrouterKey": "<openrouterKeys name>", "rateLimit", "usageLimit"}].',
    defaultValue: [],
    shape: {
      name: "string",
      provider: "string",
      apiKeySecret: "string",
      openrouterKey: "string",
      rateLimit: {
        type: { oneOf: ["requests", "tokens"] },
        unit: { oneOf: ["rpm", "rph", "rpd"] },
        value: "number",
      },
      usageLimit: {
        credit_limit: "number",
        type: { oneOf: ["cost", "tokens"] },
        alert_threshold: "number",
        periodic_reset: { oneOf: ["monthly", "weekly"] },
      },
    },
  },
  portkeyConfigs: {
    type: "array",
    items: "object",
    description:
      'Routing configs, [{"name", "strategy": "fallback"|"loadbalance", "targets": [{"provider", "weight", "overrideParams"}], "cache"}].',
    defaultValue: [],
    shape: {
      name: "string",
      strategy: { oneOf: ["fallback", "loadbalance"] },
      targets: { list: { provider: "string", weight: "number", overrideParams: "record" } },
      cache: { mode: { oneOf: ["simple", "semantic"] }, maxAge: "integer" },
    },
  },
  portkeyGuardrail: {
    type: "object",
    description:
      'A guardrail attached to every config, {"name", "checks": [{"id", "parameters"}]} (optional).',
    defaultValue: {},
    shape: {
      name: "string",
      checks: { list: { id: "string", parameters: "record", name: "string", is_enabled: "boolean" } },
      deny: "boolean",
      attachToConfigs: "boolean",
    },
  },
  portkeyApiKey: { type: "string", description: "Portkey admin API key.", secret: true },
});
