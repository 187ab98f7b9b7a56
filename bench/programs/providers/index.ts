// `benchResources` resources of this project's real dynamic providers, in turn a Portkey config, a Portkey
// guardrail and an OpenRouter API key: providers whose stand-ins answer at once (no rate limit, no client
// pacing; Gong's and Lambda's clients pace themselves to the vendors' limits, see bench/gong.ts). The
// credentials and URLs come from the stack config, as the providers read it in configure().
import * as pulumi from "@pulumi/pulumi";
import { OpenRouterApiKey } from "../../../providers/openrouter/apiKey";
import { PortkeyConfig } from "../../../providers/portkey/config";
import { PortkeyGuardrail } from "../../../providers/portkey/guardrail";

const feedback = (value: number) => ({ feedback: { value, weight: 1, metadata: "" } });

/** The i-th resource: the three types in turn, each named after its index. */
function declare(i: number): pulumi.CustomResource {
  const name = `bench-${String(i).padStart(3, "0")}`;
  switch (i % 3) {
    case 0:
      return new PortkeyConfig(name, {
        name,
        config: {
          strategy: { mode: "fallback" },
          targets: [
            { provider: "@openrouter", override_params: { model: "anthropic/claude-3.5-sonnet" } },
            { provider: "@openrouter", override_params: { model: "openai/gpt-4o" } },
          ],
          cache: { mode: "simple", max_age: 600 },
        },
      });
    case 1:
      return new PortkeyGuardrail(name, {
        name,
        checks: [{ id: "default.regexMatch", parameters: { rule: "\\d{16}" } }],
        actions: { deny: true, async: false, on_success: feedback(5), on_fail: feedback(-5) },
      });
    default:
      return new OpenRouterApiKey(name, { name, limit: 10, limitReset: "monthly" });
  }
}

const count = new pulumi.Config().requireNumber("benchResources");
for (let i = 0; i < count; i++) declare(i);
