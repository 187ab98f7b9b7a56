// Portkey: the AI gateway's providers (a vendor key from the stack's secrets, or a key this program
// manages at OpenRouter), routing configs and guardrail.
import type * as pulumi from "@pulumi/pulumi";
import { OPENROUTER } from "../openrouter/keys";
import { openrouter } from "../openrouter/spec";
import type { PortkeyArgs, PortkeyGateway, PortkeyProviderArgs } from "../portkey";
import { defineIntegration, enabledBy, type ReadContext } from "../spec";
import { PORTKEY } from "./keys";

export type PortkeyConfig = Omit<PortkeyArgs, "providers"> & {
  providers: (Omit<PortkeyProviderArgs, "apiKey"> & {
    apiKey?: pulumi.Output<string>;
    openrouterKey?: string;
  })[];
};

type ProviderEntry = Omit<PortkeyProviderArgs, "apiKey"> & { apiKeySecret?: string; openrouterKey?: string };

function providers(ctx: ReadContext): PortkeyConfig["providers"] {
  const { r } = ctx;
  const keys = ctx.configOf(openrouter)?.keys ?? [];
  return r.objectList<ProviderEntry>(PORTKEY.portkeyProviders).map(({ apiKeySecret, ...p }, i) => {
    const where = `${r.full(PORTKEY.portkeyProviders)}[${i}]`;
    if (!apiKeySecret === !p.openrouterKey) {
      r.problems.push(
        `${where} needs exactly one of apiKeySecret (a secret config key holding the vendor's API key) or openrouterKey (a key of ${OPENROUTER.openrouterKeys.name})`,
      );
    }
    if (p.openrouterKey && !keys.some((k) => k.name === p.openrouterKey)) {
      r.problems.push(
        `${where}.openrouterKey "${p.openrouterKey}" is not in ${r.full(OPENROUTER.openrouterKeys)}`,
      );
    }
    return { ...p, ...(apiKeySecret ? { apiKey: r.secret(apiKeySecret) } : {}) };
  });
}

export const portkey = defineIntegration({
  name: "portkey",
  keys: PORTKEY,
  enabled: enabledBy(PORTKEY.portkeyEnabled),
  ciCredentials: [PORTKEY.portkeyApiKey],
  read: (ctx): PortkeyConfig => {
    const { r } = ctx;
    const config: PortkeyConfig = {
      namePrefix: ctx.namePrefix,
      workspaceId: r.optionalString(PORTKEY.portkeyWorkspaceId),
      providers: providers(ctx),
      configs: r.objectList<PortkeyArgs["configs"][number]>(PORTKEY.portkeyConfigs),
      guardrail: r.object(PORTKEY.portkeyGuardrail) as PortkeyArgs["guardrail"],
    };
    r.string(PORTKEY.portkeyApiUrl);
    return config;
  },
  compose: (cfg, ctx): PortkeyGateway => {
    const { PortkeyGateway } = require("../portkey") as typeof import("../portkey");
    const managed = ctx.built(openrouter);
    return new PortkeyGateway("portkey", {
      ...cfg,
      providers: cfg.providers.map(({ openrouterKey, apiKey, ...p }) => {
        // A vendor key from the stack's secrets, or a key this program manages at OpenRouter.
        if (apiKey) return { ...p, apiKey };
        if (!managed || !openrouterKey) throw new Error(`portkey provider ${p.name}: no API key`);
        return { ...p, apiKey: managed.keys.apply((keys) => keys[openrouterKey]) };
      }),
    });
  },
  outputs: (gateway) => ({
    portkeyConfigSlugs: gateway.configSlugs,
    portkeyProviderSlugs: gateway.providerSlugs,
  }),
  sandboxUrls: (at) => ({ [PORTKEY.portkeyApiUrl.name]: at("portkey", "/v1") }),
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
