// The OpenRouter component under Pulumi's mocks (no engine, no network). The mocks here compute what the
// OpenRouter provider would (the key string of a created key), which the shared mocks do not know.
import * as pulumi from "@pulumi/pulumi";
import type { OpenRouterArgs } from "../../integrations/openrouter";
import { onRegister, type Registered, settle } from "../helpers/mocks";

const registered: (Registered & { secretOutputs?: string[] })[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const computed =
        args.type === "pulumi-nodejs:dynamic/openrouter:ApiKey"
          ? { key: `sk-or-v1-mock-${args.inputs.name}`, hash: `hash-${args.name}` }
          : {};
      return { id: `${args.name}-id`, state: { ...args.inputs, ...computed } };
    },
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
  },
  "sophia-ai",
  "unit",
  false,
);

// Mocks do not see resource options: record the additionalSecretOutputs each registration asked for.
onRegister(({ type, name, opts }) => {
  if (type.includes("openrouter")) {
    registered.push({
      type: `options:${type}`,
      name,
      inputs: {},
      secretOutputs: opts?.additionalSecretOutputs,
    });
  }
});

const { OpenRouterAccess } =
  require("../../integrations/openrouter") as typeof import("../../integrations/openrouter");

const ARGS: OpenRouterArgs = {
  namePrefix: "sophia-unit",
  keys: [
    { name: "chat", limit: 50, limitReset: "monthly", keepers: { generation: "3" } },
    { name: "batch", expiresAt: "2027-12-31T23:59:59Z" },
  ],
  models: {
    allow: ["openai/gpt-4o", "anthropic/claude-3.5-sonnet"],
    fallbacks: ["anthropic/claude-3.5-sonnet"],
  },
};

async function build(args: OpenRouterArgs) {
  registered.length = 0;
  const access = new OpenRouterAccess("openrouter", args);
  await settle(access.keys);
  await settle(access.models);
  return access;
}

const byType = (t: string) => registered.filter((r) => r.type === t);

describe("OpenRouterAccess", () => {
  it("registers one API key per declared key and one model policy, under the component", async () => {
    await build(ARGS);
    expect(byType("sophia:integrations:OpenRouter").map((r) => r.name)).toEqual(["openrouter"]);
    // registration order is not guaranteed: look the keys up by resource name
    const keys = byType("pulumi-nodejs:dynamic/openrouter:ApiKey");
    expect(keys.map((k) => k.name).sort()).toEqual(["openrouter-batch", "openrouter-chat"]);
    const key = (n: string) => keys.find((k) => k.name === n)!.inputs;
    expect(key("openrouter-chat")).toMatchObject({
      name: "sophia-unit-chat",
      limit: 50,
      limitReset: "monthly",
      keepers: { generation: "3" },
    });
    expect(key("openrouter-batch")).toMatchObject({
      name: "sophia-unit-batch",
      expiresAt: "2027-12-31T23:59:59Z",
    });
    expect(key("openrouter-batch").limit).toBeUndefined();
    const policies = byType("pulumi-nodejs:dynamic/openrouter:ModelPolicy");
    expect(policies.map((p) => p.name)).toEqual(["openrouter-models"]);
    expect(policies[0].inputs).toMatchObject({
      allow: ["openai/gpt-4o", "anthropic/claude-3.5-sonnet"],
      fallbacks: ["anthropic/claude-3.5-sonnet"],
    });
  });

  it("asks the engine to encrypt each key string, and outputs them by name as a secret", async () => {
    const access = await build(ARGS);
    const opts = byType("options:pulumi-nodejs:dynamic/openrouter:ApiKey");
    expect(opts).toHaveLength(2);
    for (const o of opts) expect(o.secretOutputs).toContain("key");
    const keys = await settle(access.keys);
    expect(keys.secret).toBe(true);
    expect(keys.value).toEqual({
      chat: "sk-or-v1-mock-sophia-unit-chat",
      batch: "sk-or-v1-mock-sophia-unit-batch",
    });
    // no key string is an input of anything
    for (const r of registered) expect(JSON.stringify(r.inputs)).not.toContain("sk-or-v1-mock");
  });

  it("outputs the validated model policy", async () => {
    const access = await build(ARGS);
    expect((await settle(access.models)).value).toEqual(ARGS.models);
  });

  it("creates no key when none is declared, and still validates the model policy", async () => {
    const access = await build({ ...ARGS, keys: [] });
    expect(byType("pulumi-nodejs:dynamic/openrouter:ApiKey")).toEqual([]);
    expect(byType("pulumi-nodejs:dynamic/openrouter:ModelPolicy")).toHaveLength(1);
    expect((await settle(access.keys)).value).toEqual({});
  });

  it("refuses a key name listed twice", () => {
    expect(
      () => new OpenRouterAccess("dup", { ...ARGS, keys: [{ name: "chat" }, { name: "chat", limit: 1 }] }),
    ).toThrow('OpenRouter: key name "chat" is listed twice');
  });
});
