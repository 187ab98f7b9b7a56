// OpenRouter: API keys (a new generation replaces a key) and the LLM model policy, validated against the
// catalogue at deploy time.

import type { OpenRouterAccess, OpenRouterArgs } from "../openrouter";
import { defineIntegration, enabledBy, type ReadContext } from "../spec";
import { OPENROUTER } from "./keys";

/** The LLM model allow-list and fallback order (validated against OpenRouter's catalogue at deploy time). */
function llmModels({ r }: ReadContext): OpenRouterArgs["models"] {
  const raw = r.object(OPENROUTER.llmModels) ?? {};
  const list = (k: "allow" | "fallbacks"): string[] => {
    const v = raw[k] ?? [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && x)) {
      r.problems.push(
        `${r.full(OPENROUTER.llmModels)}.${k} must be a list of model ids like "openai/gpt-4o"`,
      );
      return [];
    }
    return v;
  };
  return { allow: list("allow"), fallbacks: list("fallbacks") };
}

export const openrouter = defineIntegration({
  name: "openrouter",
  keys: OPENROUTER,
  enabled: enabledBy(OPENROUTER.openrouterEnabled),
  ciCredentials: [OPENROUTER.openrouterManagementKey],
  read: (ctx): OpenRouterArgs => {
    const { r } = ctx;
    const config: OpenRouterArgs = {
      namePrefix: ctx.namePrefix,
      keys: r
        .objectList<OpenRouterArgs["keys"][number] & { generation?: number }>(OPENROUTER.openrouterKeys)
        .map(({ generation, ...k }) => ({ ...k, keepers: { generation: String(generation ?? 0) } })),
      models: llmModels(ctx),
    };
    r.string(OPENROUTER.openrouterApiUrl);
    return config;
  },
  compose: (cfg): OpenRouterAccess => {
    const { OpenRouterAccess } = require("../openrouter") as typeof import("../openrouter");
    return new OpenRouterAccess("openrouter", cfg);
  },
  outputs: (access) => ({ openrouterKeys: access.keys, llmModels: access.models }),
  sandboxUrls: (at) => ({ [OPENROUTER.openrouterApiUrl.name]: at("openrouter", "/api/v1") }),
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
