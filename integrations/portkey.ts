// The Portkey AI gateway: one Model Catalog integration (holding the LLM vendor's API key) and one
// workspace provider (with its usage and rate limits) per LLM vendor; gateway configs that route over
// those providers (fallback or load balancing, with caching); and a guardrail when one is configured,
// attached to the configs' input checks.
import * as pulumi from "@pulumi/pulumi";
import type { RateLimit, UsageLimits } from "../providers/portkey/client";
import { type ConfigTarget, type GatewayConfig, PortkeyConfig } from "../providers/portkey/config";
import { type GuardrailCheck, guardrailActions, PortkeyGuardrail } from "../providers/portkey/guardrail";
import { PortkeyIntegration } from "../providers/portkey/integration";
import { PortkeyProvider } from "../providers/portkey/provider";

export interface PortkeyProviderArgs {
  /** Short name, unique in the list; the slugs are `<namePrefix>-<name>`. */
  name: string;
  /** Portkey's AI provider id: "openai", "anthropic", "openrouter", ... */
  provider: string;
  /** The vendor's API key (made secret here whatever the caller passes). */
  apiKey: pulumi.Input<string>;
  rateLimit?: RateLimit;
  usageLimit?: UsageLimits;
}

export interface PortkeyTargetArgs {
  /** The `name` of one of `providers`. */
  provider: string;
  /** Load balancing only. */
  weight?: number;
  /** Parameters forced for this target, e.g. {model: "claude-3-5-sonnet-latest"}. */
  overrideParams?: Record<string, unknown>;
}

export interface PortkeyConfigArgs {
  name: string;
  strategy: "fallback" | "loadbalance";
  targets: PortkeyTargetArgs[];
  cache?: { mode: "simple" | "semantic"; maxAge?: number };
}

export interface PortkeyGuardrailArgs {
  name: string;
  checks: GuardrailCheck[];
  /** Block the request when a check fails (default true); false only logs. */
  deny?: boolean;
  /** Attach to every config's input_guardrails (default true). */
  attachToConfigs?: boolean;
}

export interface PortkeyArgs {
  /** Prefix of every name and slug in Portkey, e.g. "sophia-production". */
  namePrefix: string;
  /** Workspace of the providers, configs and guardrail; needed with an organisation admin key. */
  workspaceId?: string;
  providers: PortkeyProviderArgs[];
  configs: PortkeyConfigArgs[];
  guardrail?: PortkeyGuardrailArgs;
}

/** The gateway config Portkey stores, from the component's args; provider names become "@<slug>". */
export function gatewayConfig(
  c: PortkeyConfigArgs,
  slugOf: (providerName: string) => string,
  guardrailSlug?: string,
): GatewayConfig {
  return {
    strategy: { mode: c.strategy },
    targets: c.targets.map(
      (t): ConfigTarget => ({
        provider: `@${slugOf(t.provider)}`,
        ...(t.weight !== undefined ? { weight: t.weight } : {}),
        ...(t.overrideParams ? { override_params: t.overrideParams } : {}),
      }),
    ),
    ...(c.cache
      ? {
          cache: { mode: c.cache.mode, ...(c.cache.maxAge !== undefined ? { max_age: c.cache.maxAge } : {}) },
        }
      : {}),
    ...(guardrailSlug ? { input_guardrails: [guardrailSlug] } : {}),
  };
}

/** Refuses a provider listed twice and a config target that names no listed provider. */
function checkProviderNames(args: PortkeyArgs): void {
  const names = args.providers.map((x) => x.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`Portkey: provider "${dup}" is listed twice`);
  for (const c of args.configs) {
    for (const t of c.targets) {
      if (!names.includes(t.provider)) {
        throw new Error(
          `Portkey: config "${c.name}" targets provider "${t.provider}", which is not one of ${names.join(", ") || "(none)"}`,
        );
      }
    }
  }
}

/** Where the component's objects go: child names start with `name`, Portkey names and slugs with `prefix`. */
interface Workspace {
  name: string;
  prefix: string;
  /** `{workspaceId}` when one is configured, else empty: spread into every object's inputs. */
  ws: { workspaceId?: string };
  parent: pulumi.Resource;
}

/** The Model Catalog integration holding the vendor's key, and the workspace provider on it. */
function vendor(at: Workspace, x: PortkeyProviderArgs): [PortkeyIntegration, PortkeyProvider] {
  const slug = `${at.prefix}-${x.name}`;
  const integration = new PortkeyIntegration(
    `${at.name}-${x.name}-integration`,
    { name: slug, slug, aiProviderId: x.provider, apiKey: pulumi.secret(x.apiKey), ...at.ws },
    { parent: at.parent },
  );
  const provider = new PortkeyProvider(
    `${at.name}-${x.name}`,
    {
      name: slug,
      slug,
      integrationSlug: integration.slug,
      ...at.ws,
      ...(x.usageLimit ? { usageLimits: x.usageLimit } : {}),
      ...(x.rateLimit ? { rateLimit: x.rateLimit } : {}),
    },
    { parent: at.parent },
  );
  return [integration, provider];
}

/** A gateway config over `providers`, with the guardrail (when attached) as its input check. */
function gateway(
  at: Workspace,
  c: PortkeyConfigArgs,
  providers: Record<string, PortkeyProvider>,
  attached: PortkeyGuardrail | undefined,
): PortkeyConfig {
  // provider slugs are outputs: the config depends on its providers (and guardrail)
  const slugs = pulumi.all(
    Object.fromEntries(c.targets.map((t) => [t.provider, providers[t.provider].slug])),
  );
  return new PortkeyConfig(
    `${at.name}-config-${c.name}`,
    {
      name: `${at.prefix}-${c.name}`,
      ...at.ws,
      config: pulumi
        .all([slugs, attached ? attached.slug : undefined])
        .apply(([s, gs]) => gatewayConfig(c, (n) => s[n], gs)),
    },
    { parent: at.parent },
  );
}

/** Slug outputs by short name. */
const slugsOf = (objects: Record<string, { slug: pulumi.Output<string> }>) =>
  pulumi.all(Object.fromEntries(Object.entries(objects).map(([k, v]) => [k, v.slug])));

export class PortkeyGateway extends pulumi.ComponentResource {
  readonly integrations: Record<string, PortkeyIntegration> = {};
  readonly providers: Record<string, PortkeyProvider> = {};
  readonly configs: Record<string, PortkeyConfig> = {};
  readonly guardrail?: PortkeyGuardrail;
  /** Config slugs by config name (what applications send as x-portkey-config). */
  readonly configSlugs: pulumi.Output<Record<string, string>>;
  /** Provider slugs by provider name (what applications use as "@<slug>/<model>"). */
  readonly providerSlugs: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: PortkeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:integrations:Portkey", name, {}, opts);
    const p = args.namePrefix;
    const at: Workspace = {
      name,
      prefix: p,
      ws: args.workspaceId ? { workspaceId: args.workspaceId } : {},
      parent: this,
    };
    checkProviderNames(args);

    for (const x of args.providers) {
      const [integration, provider] = vendor(at, x);
      this.integrations[x.name] = integration;
      this.providers[x.name] = provider;
    }

    const g = args.guardrail;
    if (g) {
      this.guardrail = new PortkeyGuardrail(
        `${name}-guardrail`,
        { name: `${p}-${g.name}`, ...at.ws, checks: g.checks, actions: guardrailActions(g.deny ?? true) },
        { parent: this },
      );
    }
    const attached = g && g.attachToConfigs !== false ? this.guardrail : undefined;
    for (const c of args.configs) this.configs[c.name] = gateway(at, c, this.providers, attached);

    this.providerSlugs = slugsOf(this.providers);
    this.configSlugs = slugsOf(this.configs);
    this.registerOutputs({
      providerSlugs: this.providerSlugs,
      configSlugs: this.configSlugs,
      guardrailSlug: this.guardrail?.slug,
    });
  }
}
