// The Portkey gateway component with Pulumi's mocks (no engine, no network): which integrations,
// providers, configs and guardrail it declares, their inputs, that the vendor keys are secret, and the
// conditional parts (limits, guardrail, its attachment to configs).
import * as pulumi from "@pulumi/pulumi";
import { gatewayConfig, type PortkeyArgs, PortkeyGateway } from "../../integrations/portkey";
import { checkGatewayConfig } from "../../providers/portkey/config";
import { installMocks, isSecretValue, plain, type Registered, settle } from "../helpers/mocks";

const registered: Registered[] = installMocks();
// The shared mocks echo inputs; Portkey makes config and guardrail slugs itself, so give them one here.
pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const made =
        args.type === "pulumi-nodejs:dynamic/portkey:Guardrail"
          ? { slug: `guard_${args.name}` }
          : args.type === "pulumi-nodejs:dynamic/portkey:Config"
            ? { slug: `pc-${args.name}` }
            : {};
      return { id: `${args.name}-id`, state: { ...args.inputs, ...made } };
    },
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
  },
  "sophia-ai",
  "unit",
  false,
);

const T = "pulumi-nodejs:dynamic/portkey:";
const KEYS = { openai: "sk-openai-unit-111", anthropic: "sk-ant-unit-222" };

const full = (): PortkeyArgs => ({
  namePrefix: "sophia-unit",
  workspaceId: "0b6f3a52-5e8c-4a53-9a0e-4c1f7d9a2b10",
  providers: [
    {
      name: "openai",
      provider: "openai",
      apiKey: pulumi.secret(KEYS.openai),
      usageLimit: { credit_limit: 500, alert_threshold: 400, periodic_reset: "monthly" },
      rateLimit: { type: "requests", unit: "rpm", value: 600 },
    },
    { name: "anthropic", provider: "anthropic", apiKey: KEYS.anthropic },
  ],
  configs: [
    {
      name: "chat",
      strategy: "fallback",
      targets: [
        { provider: "openai", overrideParams: { model: "gpt-4o" } },
        { provider: "anthropic", overrideParams: { model: "claude-3-5-sonnet-latest" } },
      ],
      cache: { mode: "semantic", maxAge: 3600 },
    },
    {
      name: "bulk",
      strategy: "loadbalance",
      targets: [
        { provider: "openai", weight: 0.75 },
        { provider: "anthropic", weight: 0.25 },
      ],
    },
  ],
  guardrail: { name: "pii", checks: [{ id: "portkey.pii", parameters: { redact: true } }] },
});

async function build(args: PortkeyArgs) {
  registered.length = 0;
  const g = new PortkeyGateway("pk", args);
  await settle(g.configSlugs);
  await settle(g.providerSlugs);
  await Promise.all(Object.values(g.integrations).map((i) => settle(i.apiKey)));
  return g;
}
const of = (kind: string) => registered.filter((r) => r.type === `${T}${kind}`);

describe("the Portkey gateway's vendors", () => {
  it("declares an integration and a provider per LLM vendor, with their limits", async () => {
    await build(full());
    expect(registered.filter((r) => r.type === "sophia:integrations:Portkey").map((r) => r.name)).toEqual([
      "pk",
    ]);
    const ints = of("Integration");
    // registration order follows when secret inputs resolve: compare sorted
    expect(ints.map((i) => [i.inputs.slug, i.inputs.aiProviderId]).sort()).toEqual([
      ["sophia-unit-anthropic", "anthropic"],
      ["sophia-unit-openai", "openai"],
    ]);
    const provs = of("Provider");
    expect(provs.map((p) => p.inputs.integrationSlug).sort()).toEqual([
      "sophia-unit-anthropic",
      "sophia-unit-openai",
    ]);
    const bySlug = Object.fromEntries(provs.map((p) => [p.inputs.slug, p.inputs]));
    const openai = bySlug["sophia-unit-openai"];
    const anthropic = bySlug["sophia-unit-anthropic"];
    expect(openai).toMatchObject({
      slug: "sophia-unit-openai",
      workspaceId: "0b6f3a52-5e8c-4a53-9a0e-4c1f7d9a2b10",
      usageLimits: { credit_limit: 500, alert_threshold: 400, periodic_reset: "monthly" },
      rateLimit: { type: "requests", unit: "rpm", value: 600 },
    });
    expect(anthropic.usageLimits).toBeUndefined();
    expect(anthropic.rateLimit).toBeUndefined();
  });

  it("keeps every vendor key secret, even one passed in plain text, and out of other resources", async () => {
    const g = await build(full());
    for (const i of of("Integration")) {
      expect(isSecretValue(i.inputs.apiKey)).toBe(true);
    }
    expect(
      of("Integration")
        .map((i) => plain(i.inputs.apiKey))
        .sort(),
    ).toEqual([KEYS.anthropic, KEYS.openai]);
    expect((await settle(g.integrations.anthropic.apiKey)).secret).toBe(true);
    const others = registered.filter((r) => r.inputs && !r.type.endsWith(":Integration"));
    for (const r of others) {
      for (const key of Object.values(KEYS)) expect(JSON.stringify(r.inputs)).not.toContain(key);
    }
  });
});

describe("the Portkey gateway's configs and guardrail", () => {
  it("routes configs over the providers by slug, with cache and the guardrail on input", async () => {
    const g = await build(full());
    const configs = Object.fromEntries(of("Config").map((c) => [c.inputs.name, c.inputs]));
    expect(configs["sophia-unit-chat"].config).toEqual({
      strategy: { mode: "fallback" },
      targets: [
        { provider: "@sophia-unit-openai", override_params: { model: "gpt-4o" } },
        { provider: "@sophia-unit-anthropic", override_params: { model: "claude-3-5-sonnet-latest" } },
      ],
      cache: { mode: "semantic", max_age: 3600 },
      input_guardrails: ["guard_pk-guardrail"],
    });
    expect(configs["sophia-unit-bulk"].config).toMatchObject({
      strategy: { mode: "loadbalance" },
      targets: [
        { provider: "@sophia-unit-openai", weight: 0.75 },
        { provider: "@sophia-unit-anthropic", weight: 0.25 },
      ],
    });
    expect(configs["sophia-unit-bulk"].config.cache).toBeUndefined();
    // what the component builds passes the provider's own validation
    for (const n of Object.keys(configs)) expect(checkGatewayConfig(configs[n].config)).toEqual([]);
    expect((await settle(g.configSlugs)).value).toEqual({
      chat: "pc-pk-config-chat",
      bulk: "pc-pk-config-bulk",
    });

    const guard = of("Guardrail");
    expect(guard).toHaveLength(1);
    expect(guard[0].inputs).toMatchObject({
      name: "sophia-unit-pii",
      checks: [{ id: "portkey.pii", parameters: { redact: true } }],
      actions: { deny: true, async: false },
    });
  });

  it("creates no guardrail unless one is configured, and attaches it only when asked", async () => {
    const { guardrail: _g, ...none } = full();
    await build(none);
    expect(of("Guardrail")).toEqual([]);
    for (const c of of("Config")) expect(c.inputs.config.input_guardrails).toBeUndefined();

    await build({ ...full(), guardrail: { ...full().guardrail!, attachToConfigs: false, deny: false } });
    expect(of("Guardrail")[0].inputs.actions.deny).toBe(false);
    for (const c of of("Config")) expect(c.inputs.config.input_guardrails).toBeUndefined();
  });

  it("leaves the workspace out when none is given", async () => {
    const { workspaceId: _w, ...orgLevel } = full();
    await build(orgLevel);
    for (const r of registered.filter((x) => x.type.startsWith(T)))
      expect(r.inputs.workspaceId).toBeUndefined();
  });
});

describe("the Portkey gateway's arguments", () => {
  it("refuses a config target that names no provider, and a provider listed twice", () => {
    const bad = full();
    bad.configs[0].targets[1].provider = "mistral";
    expect(() => new PortkeyGateway("bad", bad)).toThrow(
      /config "chat" targets provider "mistral", which is not one of openai, anthropic/,
    );
    const twice = full();
    twice.providers.push({ ...twice.providers[0] });
    expect(() => new PortkeyGateway("twice", twice)).toThrow(/provider "openai" is listed twice/);
  });

  it("maps the component's config args to Portkey's config shape", () => {
    expect(
      gatewayConfig(
        {
          name: "x",
          strategy: "loadbalance",
          targets: [{ provider: "a", weight: 1 }],
          cache: { mode: "simple" },
        },
        (n) => `p-${n}`,
      ),
    ).toEqual({
      strategy: { mode: "loadbalance" },
      targets: [{ provider: "@p-a", weight: 1 }],
      cache: { mode: "simple" },
    });
  });
});
