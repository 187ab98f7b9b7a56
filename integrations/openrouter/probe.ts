// `sophia check` for OpenRouter, through the provider's client: the management key lists the API keys, and
// the model policy (llmModels) names models OpenRouter's catalogue has.
import { PROBE_CLIENT, ProbeFailure, viaClient } from "../../cli/probeKit";
import { OpenRouterClient, openrouterSettings, validateModels } from "../../providers/openrouter/client";
import { type Probe, requirement } from "../spec";
import { OPENROUTER } from "./keys";

const { openrouterApiUrl, openrouterManagementKey, llmModels } = OPENROUTER;

const keys = {
  url: openrouterApiUrl.name,
  credentials: `${openrouterManagementKey.name} (a management key, not an inference key)`,
  permission: "use a management key",
};

export const PROBE: Probe = {
  requires: [requirement(openrouterApiUrl), requirement(openrouterManagementKey)],
  run: async (get) => {
    const client = new OpenRouterClient(openrouterSettings(get), PROBE_CLIENT);
    const listed = await viaClient(() => client.listKeys(), "OpenRouter", keys);
    const raw = get(llmModels.name);
    const models: Parameters<typeof validateModels>[1] = raw ? JSON.parse(raw) : {};
    const result = await viaClient(() => validateModels(client, models, llmModels.name), "OpenRouter", keys);
    if (!result.ok) {
      throw new ProbeFailure(
        "config",
        result.messages.join("; "),
        `fix ${llmModels.name}: use ids from GET /models`,
      );
    }
    return `management key works (${listed.length} keys); ${llmModels.name} valid against ${result.catalogueSize} models`;
  },
};
