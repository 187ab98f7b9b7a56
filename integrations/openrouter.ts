// OpenRouter access: API keys for the services that call models through OpenRouter, and the validated
// model policy (allow-list and fallback order) those services use.
import * as pulumi from "@pulumi/pulumi";
import { OpenRouterApiKey } from "../providers/openrouter/apiKey";
import { OpenRouterModelPolicy } from "../providers/openrouter/modelPolicy";

export interface OpenRouterKeyArgs {
  /** Short name, unique in this component; the key is named `<namePrefix>-<name>` in OpenRouter. */
  name: string;
  /** Spending limit in USD. */
  limit?: number;
  limitReset?: "daily" | "weekly" | "monthly";
  /** ISO 8601 UTC expiry, e.g. 2027-12-31T23:59:59Z (a change replaces the key). */
  expiresAt?: string;
  /** Any change rotates the key (a new key is created before the old one is deleted). */
  keepers?: Record<string, pulumi.Input<string>>;
}

export interface OpenRouterArgs {
  /** Prefix of every key name in OpenRouter, e.g. "sophia-production". */
  namePrefix: string;
  keys: OpenRouterKeyArgs[];
  models: { allow: string[]; fallbacks: string[] };
}

export class OpenRouterAccess extends pulumi.ComponentResource {
  /** The API key resources, by short name. */
  readonly apiKeys: Record<string, OpenRouterApiKey>;
  /** The key strings by short name: secret. */
  readonly keys: pulumi.Output<Record<string, string>>;
  readonly modelPolicy: OpenRouterModelPolicy;
  /** The validated allow-list and fallback order. */
  readonly models: pulumi.Output<{ allow: string[]; fallbacks: string[] }>;

  constructor(name: string, args: OpenRouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:integrations:OpenRouter", name, {}, opts);
    const child = { parent: this };
    const seen: string[] = [];
    for (const k of args.keys) {
      if (seen.includes(k.name)) throw new Error(`OpenRouter: key name "${k.name}" is listed twice`);
      seen.push(k.name);
    }

    this.apiKeys = Object.fromEntries(
      args.keys.map((k) => [
        k.name,
        new OpenRouterApiKey(
          `${name}-${k.name}`,
          {
            name: `${args.namePrefix}-${k.name}`,
            limit: k.limit,
            limitReset: k.limitReset,
            expiresAt: k.expiresAt,
            keepers: k.keepers,
          },
          child,
        ),
      ]),
    );
    this.keys = pulumi.secret(
      pulumi
        .all(Object.entries(this.apiKeys).map(([n, r]) => r.key.apply((v) => [n, v] as const)))
        .apply((pairs) => Object.fromEntries(pairs)),
    );

    this.modelPolicy = new OpenRouterModelPolicy(
      `${name}-models`,
      { allow: args.models.allow, fallbacks: args.models.fallbacks },
      child,
    );
    this.models = pulumi
      .all([this.modelPolicy.allow, this.modelPolicy.fallbacks])
      .apply(([allow, fallbacks]) => ({ allow, fallbacks }));

    this.registerOutputs({ keys: this.keys, models: this.models });
  }
}
