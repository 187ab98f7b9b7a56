// Contract tests: every method of the Portkey dynamic providers against the Portkey stand-in, with the
// failures a real API produces (bad keys, 429s, 5xx, dropped connections, drift, out-of-band deletes,
// and the 403 Portkey answers for a guardrail that no longer exists). The stand-in validates every
// request and response against the vendor's description; afterAll asserts it recorded no violation.
import { UNKNOWN } from "../../providers/dynamic";
import { isApiError } from "../../providers/http/client";
import { CONFIG_LIST_SHARED_MS, PortkeyClient } from "../../providers/portkey/client";
import { configProvider } from "../../providers/portkey/config";
import { guardrailActions, guardrailProvider } from "../../providers/portkey/guardrail";
import { integrationProvider } from "../../providers/portkey/integration";
import { providerProvider } from "../../providers/portkey/provider";
import { PORTKEY_SANDBOX } from "../../sandbox/portkey";
import { type Admin, providerConfig, type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
let admin: Admin;
const WS = PORTKEY_SANDBOX.workspaceId;
const OTHER_WS = "11111111-2222-4333-8444-555555555555";

const integrationInputs = (slug = "ct-openai", apiKey = "sk-live-openai-123") => ({
  name: slug,
  slug,
  aiProviderId: "openai",
  apiKey,
  workspaceId: WS,
});
const providerInputs = (slug: string, integrationSlug: string) => ({
  name: slug,
  slug,
  integrationSlug,
  workspaceId: WS,
  usageLimits: { credit_limit: 100, alert_threshold: 80, periodic_reset: "monthly" as const },
  rateLimit: { type: "requests" as const, unit: "rpm" as const, value: 60 },
});
const fallback = (a: string, b: string) => ({
  strategy: { mode: "fallback" as const },
  targets: [
    { provider: `@${a}`, override_params: { model: "gpt-4o" } },
    { provider: `@${b}`, override_params: { model: "claude-3-5-sonnet-latest" } },
  ],
  cache: { mode: "simple" as const, max_age: 3600 },
});
const guardInputs = (name = "ct-guard") => ({
  name,
  workspaceId: WS,
  checks: [{ id: "default.regexMatch", parameters: { rule: "\\b(ssn|password)\\b", not: false } }],
  actions: guardrailActions(true),
});

const client = (apiKey = PORTKEY_SANDBOX.apiKey) =>
  new PortkeyClient(
    { apiUrl: sb.url("portkey"), apiKey },
    { baseDelayMs: 5, maxRetries: 3, maxDelayMs: 2000 },
  );

/** An integration and a provider to hang configs on. */
async function makeProvider(slug: string) {
  await integrationProvider.create!(integrationInputs(`${slug}-int`));
  return providerProvider.create!(providerInputs(slug, `${slug}-int`));
}

useContractSandbox(["portkey"], async (started) => {
  sb = started;
  admin = sb.admin("portkey");
  const cfg = providerConfig({
    "sophia-ai:portkeyApiUrl": sb.url("portkey"),
    "sophia-ai:portkeyApiKey": PORTKEY_SANDBOX.apiKey,
  });
  for (const p of [integrationProvider, providerProvider, configProvider, guardrailProvider])
    await p.configure!(cfg);
});

describe("check", () => {
  it("names each invalid property of an integration and a provider, and calls no API", async () => {
    await admin.reset();
    const i = await integrationProvider.check!(
      {} as any,
      {
        name: "",
        slug: "has spaces",
        aiProviderId: "Open AI",
        apiKey: "",
      } as any,
    );
    expect(i.failures!.map((f) => f.property).sort()).toEqual(["aiProviderId", "apiKey", "name", "slug"]);
    // a secret is never echoed in a failure
    expect(JSON.stringify(i.failures)).not.toContain("sk-");
    const p = await providerProvider.check!(
      {} as any,
      {
        name: "p",
        slug: "p",
        integrationSlug: "i",
        usageLimits: { credit_limit: 10, alert_threshold: 20, periodic_reset: "daily" },
        rateLimit: { type: "requests", unit: "rps", value: -1 },
      } as any,
    );
    const reasons = p.failures!.map((f) => f.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/usageLimits.periodic_reset must be "monthly" or "weekly"/),
        expect.stringMatching(/alert_threshold must not exceed/),
        expect.stringMatching(/rateLimit.unit must be one of rpm, rph, rpd/),
        expect.stringMatching(/rateLimit.value must be an integer/),
      ]),
    );
    expect(await admin.requests()).toEqual([]);
  });

  it("validates a gateway config, naming the exact path", async () => {
    await admin.reset();
    const res = await configProvider.check!(
      {} as any,
      {
        name: "c",
        config: {
          strategy: { mode: "fallback" },
          targets: [{ provider: "@a" }, { provider: "openai", weight: 2 }],
          cache: { mode: "fuzzy", max_age: -5 },
          retries: 3,
        },
      } as any,
    );
    const byProp = Object.fromEntries(res.failures!.map((f) => [f.property, f.reason]));
    expect(Object.keys(byProp).sort()).toEqual([
      "config.cache.max_age",
      "config.cache.mode",
      "config.retries",
      "config.targets[1].provider",
      "config.targets[1].weight",
    ]);
    expect(byProp["config.targets[1].weight"]).toMatch(/only used by the loadbalance strategy/);
    expect(byProp["config.cache.mode"]).toMatch(/"simple" or "semantic"/);

    const lb = await configProvider.check!(
      {} as any,
      {
        name: "c",
        config: { strategy: { mode: "roundrobin" }, targets: [] },
      } as any,
    );
    expect(lb.failures!.map((f) => f.property).sort()).toEqual(["config.strategy.mode", "config.targets"]);
    const zero = await configProvider.check!(
      {} as any,
      {
        name: "c",
        config: {
          strategy: { mode: "loadbalance" },
          targets: [
            { provider: "@a", weight: 0 },
            { provider: "@b", weight: 0 },
          ],
        },
      } as any,
    );
    expect(zero.failures).toEqual([
      { property: "config.targets", reason: expect.stringMatching(/weights are all 0/) },
    ]);
    const g = await guardrailProvider.check!(
      {} as any,
      {
        name: "g",
        checks: [{ id: "regex" }],
        actions: { deny: "yes" },
      } as any,
    );
    expect(g.failures!.map((f) => f.property).sort()).toEqual([
      "actions.async",
      "actions.deny",
      "actions.on_fail",
      "actions.on_success",
      "checks[0].id",
    ]);
    expect(await admin.requests()).toEqual([]);
  });

  it("accepts unknown values during preview", async () => {
    const res = await configProvider.check!(
      {} as any,
      {
        name: "c",
        workspaceId: WS,
        config: {
          strategy: { mode: "loadbalance" },
          targets: [{ provider: UNKNOWN, weight: 1 }, UNKNOWN],
          input_guardrails: [UNKNOWN],
        },
      } as any,
    );
    expect(res.failures).toEqual([]);
    const p = await providerProvider.check!(
      {} as any,
      { ...providerInputs("x", "y"), integrationSlug: UNKNOWN } as any,
    );
    expect(p.failures).toEqual([]);
  });
});

describe("integrations", () => {
  it("creates with the key write-only, adopts by slug, updates the key in place, and reports gone", async () => {
    const created = await integrationProvider.create!(integrationInputs("ct-int"));
    expect(created.id).toBe("ct-int");
    expect(created.outs).toMatchObject({
      slug: "ct-int",
      aiProviderId: "openai",
      apiKey: "sk-live-openai-123",
    });
    expect((await admin.object("integrations", "ct-int")).key).toBe("sk-live-openai-123");
    // the API never returns the key
    const apiView = await client().get("integrations", "ct-int");
    expect(JSON.stringify(apiView)).not.toContain("sk-live-openai-123");
    // created without a default provider: the component makes its own, with limits
    expect(await admin.objects("providers")).not.toContainEqual(expect.objectContaining({ slug: "ct-int" }));

    const read = await integrationProvider.read!("ct-int", created.outs!);
    expect(
      (await integrationProvider.diff!("ct-int", read.props!, integrationInputs("ct-int"))).changes,
    ).toBe(false);

    await admin.edit("integrations", "ct-int", { name: "renamed out of band" });
    const drifted = await integrationProvider.read!("ct-int", created.outs!);
    expect(drifted.props!.name).toBe("renamed out of band");
    expect(
      await integrationProvider.diff!("ct-int", drifted.props!, integrationInputs("ct-int")),
    ).toMatchObject({
      changes: true,
      replaces: [],
    });

    const again = await integrationProvider.create!(integrationInputs("ct-int", "sk-rotated-456"));
    expect(again.id).toBe("ct-int");
    expect((await admin.objects("integrations")).filter((i: any) => i.slug === "ct-int")).toHaveLength(1);
    expect((await admin.object("integrations", "ct-int")).key).toBe("sk-rotated-456");
    expect((await admin.object("integrations", "ct-int")).name).toBe("ct-int");

    const rotated = { ...integrationInputs("ct-int"), apiKey: "sk-third-789" };
    expect(await integrationProvider.diff!("ct-int", again.outs!, rotated)).toMatchObject({
      changes: true,
      replaces: [],
    });
    await integrationProvider.update!("ct-int", again.outs!, rotated);
    expect((await admin.object("integrations", "ct-int")).key).toBe("sk-third-789");
    expect(
      await integrationProvider.diff!("ct-int", again.outs!, { ...rotated, aiProviderId: "anthropic" }),
    ).toMatchObject({ replaces: ["aiProviderId"], deleteBeforeReplace: true });

    await admin.remove("integrations", "ct-int");
    expect((await integrationProvider.read!("ct-int", again.outs!)).id).toBe("");
    await expect(integrationProvider.delete!("ct-int", again.outs!)).resolves.toBeUndefined();
  });

  it("replaces an orphaned integration of another vendor (which cannot change) with the declared one", async () => {
    await integrationProvider.create!(integrationInputs("ct-mixed"));
    const made = await integrationProvider.create!({
      ...integrationInputs("ct-mixed"),
      aiProviderId: "anthropic",
    });
    expect(made.outs).toMatchObject({ slug: "ct-mixed", aiProviderId: "anthropic" });
    const stored = (await admin.objects("integrations")).filter((i) => i.slug === "ct-mixed");
    expect(stored.map((i) => i.ai_provider_id)).toEqual(["anthropic"]);
    await integrationProvider.delete!("ct-mixed", {} as any);
  });
});

describe("providers", () => {
  it("creates with limits, shows drift, puts it right, clears a removed limit, and deletes", async () => {
    await integrationProvider.create!(integrationInputs("ct-prov-int"));
    const inputs = providerInputs("ct-prov", "ct-prov-int");
    const created = await providerProvider.create!(inputs);
    expect(created.outs).toMatchObject({
      slug: "ct-prov",
      integrationSlug: "ct-prov-int",
      usageLimits: inputs.usageLimits,
      rateLimit: inputs.rateLimit,
      status: "active",
    });
    expect((await providerProvider.diff!("ct-prov", created.outs!, inputs)).changes).toBe(false);

    await admin.edit("providers", "ct-prov", { usage_limits: { credit_limit: 5 } });
    const read = await providerProvider.read!("ct-prov", created.outs!);
    expect(read.props!.usageLimits!.credit_limit).toBe(5);
    expect(await providerProvider.diff!("ct-prov", read.props!, inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });
    const updated = await providerProvider.update!("ct-prov", read.props!, inputs);
    expect(updated.outs!.usageLimits).toEqual(inputs.usageLimits);

    const { usageLimits: _u, ...noBudget } = inputs;
    const cleared = await providerProvider.update!("ct-prov", updated.outs!, noBudget);
    expect(cleared.outs!.usageLimits).toBeUndefined();
    expect((await admin.object("providers", "ct-prov")).usage_limits).toBeUndefined();

    expect(
      (await providerProvider.diff!("ct-prov", cleared.outs!, { ...noBudget, integrationSlug: "other" }))
        .replaces,
    ).toEqual(["integrationSlug"]);
    // a rate limit can be changed in place but not removed
    const faster = { ...noBudget, rateLimit: { ...noBudget.rateLimit, value: 120 } };
    expect(await providerProvider.diff!("ct-prov", cleared.outs!, faster)).toMatchObject({
      changes: true,
      replaces: [],
    });
    const { rateLimit: _r, ...unlimited } = noBudget;
    expect(await providerProvider.diff!("ct-prov", cleared.outs!, unlimited)).toMatchObject({
      replaces: ["rateLimit"],
      deleteBeforeReplace: true,
    });

    // adopting the existing provider instead of failing on its slug
    expect((await providerProvider.create!(inputs)).id).toBe("ct-prov");

    await providerProvider.delete!("ct-prov", cleared.outs!);
    expect((await providerProvider.read!("ct-prov", cleared.outs!)).id).toBe("");
    await expect(providerProvider.delete!("ct-prov", cleared.outs!)).resolves.toBeUndefined();
  });

  it("shows no change after a read when Portkey fills in usage fields, but shows a declared one drifting", async () => {
    await integrationProvider.create!(integrationInputs("ct-reset-int"));
    const inputs = providerInputs("ct-reset", "ct-reset-int");
    const created = await providerProvider.create!(inputs);
    // Portkey computes next_usage_reset_at from periodic_reset (UsageLimits in the description)
    const stored = await admin.object("providers", "ct-reset");
    expect(stored.usage_limits.next_usage_reset_at).toEqual(expect.any(String));
    expect(Date.parse(stored.usage_limits.next_usage_reset_at)).toBeGreaterThan(Date.now());
    expect((await client().get("providers", "ct-reset"))!.usage_limits).toHaveProperty("next_usage_reset_at");

    expect(created.outs!.usageLimits).toEqual(inputs.usageLimits);
    expect((await providerProvider.diff!("ct-reset", created.outs!, inputs)).changes).toBe(false);
    const read = await providerProvider.read!("ct-reset", created.outs!);
    expect(read.props!.usageLimits).toEqual(inputs.usageLimits);
    expect((await providerProvider.diff!("ct-reset", read.props!, inputs)).changes).toBe(false);
    const updated = await providerProvider.update!("ct-reset", read.props!, inputs);
    expect((await providerProvider.diff!("ct-reset", updated.outs!, inputs)).changes).toBe(false);

    // an out-of-band edit of a declared key still shows
    await admin.edit("providers", "ct-reset", { usage_limits: { alert_threshold: 50 } });
    const drifted = await providerProvider.read!("ct-reset", updated.outs!);
    expect(drifted.props!.usageLimits).toEqual({ ...inputs.usageLimits, alert_threshold: 50 });
    expect(await providerProvider.diff!("ct-reset", drifted.props!, inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });
    // and so does a declared key Portkey no longer has
    await admin.edit("providers", "ct-reset", { usage_limits: { periodic_reset: null } });
    const unset = await providerProvider.read!("ct-reset", drifted.props!);
    expect(unset.props!.usageLimits).not.toHaveProperty("periodic_reset");
    expect((await providerProvider.diff!("ct-reset", unset.props!, inputs)).changes).toBe(true);
    await providerProvider.delete!("ct-reset", unset.props!);
  });

  it("surfaces the API's own message on a 403 for another workspace", async () => {
    await expect(
      providerProvider.create!({ ...providerInputs("ct-foreign", "ct-prov-int"), workspaceId: OTHER_WS }),
    ).rejects.toThrow(
      /Portkey API GET \/providers\/ct-foreign failed with 403: This API key cannot access workspace 11111111/,
    );
  });
});

describe("configs", () => {
  it("creates, finds its Portkey-made slug, adopts by name, drifts, updates and deletes", async () => {
    await makeProvider("ct-cfg-a");
    await makeProvider("ct-cfg-b");
    const inputs = { name: "ct-routing", workspaceId: WS, config: fallback("ct-cfg-a", "ct-cfg-b") };
    const created = await configProvider.create!(inputs);
    expect(created.id).toMatch(/^pc-/);
    expect(created.outs).toMatchObject({ slug: created.id, name: "ct-routing", config: inputs.config });
    expect((await configProvider.diff!(created.id, created.outs!, inputs)).changes).toBe(false);
    expect((await configProvider.create!(inputs)).id).toBe(created.id);
    expect((await admin.objects("configs")).filter((c: any) => c.name === "ct-routing")).toHaveLength(1);

    await admin.edit("configs", created.id, { config: { cache: { max_age: 60 } } });
    const read = await configProvider.read!(created.id, created.outs!);
    expect(read.props!.config.cache).toEqual({ mode: "simple", max_age: 60 });
    expect(await configProvider.diff!(created.id, read.props!, inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });

    const lb = {
      ...inputs,
      config: {
        strategy: { mode: "loadbalance" as const },
        targets: [
          { provider: "@ct-cfg-a", weight: 0.7 },
          { provider: "@ct-cfg-b", weight: 0.3 },
        ],
      },
    };
    const updated = await configProvider.update!(created.id, read.props!, lb);
    expect(updated.outs!.config).toEqual(lb.config);
    expect((await admin.object("configs", created.id)).config).toEqual(lb.config);
    expect(
      await configProvider.diff!(created.id, updated.outs!, { ...lb, workspaceId: OTHER_WS }),
    ).toMatchObject({
      replaces: ["workspaceId"],
      deleteBeforeReplace: true,
    });

    await configProvider.delete!(created.id, updated.outs!);
    expect((await configProvider.read!(created.id, updated.outs!)).id).toBe("");
    await expect(configProvider.delete!(created.id, updated.outs!)).resolves.toBeUndefined();
  });

  it("keeps name and status from the listing through read and update, and reads archived as gone", async () => {
    const inputs = { name: "ct-refresh", config: fallback("ct-cfg-a", "ct-cfg-b") };
    const created = await configProvider.create!(inputs);
    // getConfig answers only what its response schema lists: {success, data: {config}}
    const raw = await client().http.request<any>("GET", `/configs/${created.id}`);
    expect(Object.keys(raw).sort()).toEqual(["data", "success"]);
    expect(Object.keys(raw.data)).toEqual(["config"]);

    const read = await configProvider.read!(created.id, created.outs!);
    expect(read.id).toBe(created.id);
    expect(read.props).toMatchObject({ name: "ct-refresh", status: "active", slug: created.id });
    expect(read.props!.configId).toBe(created.outs!.configId);
    expect((await configProvider.diff!(created.id, read.props!, inputs)).changes).toBe(false);

    const renamed = { ...inputs, name: "ct-refresh-2" };
    const updated = await configProvider.update!(created.id, read.props!, renamed);
    expect(updated.outs).toMatchObject({
      name: "ct-refresh-2",
      status: "active",
      configId: created.outs!.configId,
    });
    expect((await configProvider.diff!(created.id, updated.outs!, renamed)).changes).toBe(false);

    await admin.edit("configs", created.id, { status: "archived" });
    // past the window in which reads share one listing (a later refresh, in a later provider process)
    const now = Date.now();
    const clock = jest.spyOn(Date, "now").mockReturnValue(now + CONFIG_LIST_SHARED_MS + 1);
    try {
      expect(await configProvider.read!(created.id, updated.outs!)).toEqual({ id: "", props: {} });
    } finally {
      clock.mockRestore();
    }
    await admin.remove("configs", created.id);
  });

  it("reads share one listing: a refresh of n configs costs n getConfig and one listConfigs", async () => {
    const c = client();
    const made = [];
    for (const i of [1, 2, 3, 4, 5])
      made.push(
        await configProvider.create!({ name: `ct-share-${i}`, config: fallback("ct-cfg-a", "ct-cfg-b") }),
      );
    // reads go through the provider's own client, as in a provider process
    const listed = async () => (await admin.requests()).filter((r) => r.route === "GET /configs").length;
    const got = async () => (await admin.requests()).filter((r) => r.route === "GET /configs/{slug}").length;
    await admin.reset();
    const reads = await Promise.all(made.map((m) => configProvider.read!(m.id, m.outs!)));
    expect(reads.map((r) => r.props!.name)).toEqual(made.map((m) => m.outs!.name));
    const one = await configProvider.read!(made[0].id, made[0].outs!); // later, inside the window
    expect(one.props!.status).toBe("active");
    expect([await listed(), await got()]).toEqual([1, 6]);

    // a write through the client drops the shared listing: the update's read-back lists again (once),
    // and a read after it shares that newer listing and sees the rename
    await admin.reset();
    await configProvider.update!(made[1].id, made[1].outs!, {
      name: "ct-share-2b",
      config: made[1].outs!.config,
    });
    expect((await configProvider.read!(made[1].id, made[1].outs!)).props!.name).toBe("ct-share-2b");
    expect(await listed()).toBe(1);

    // a failed listing is not kept: the read fails, and the next one lists again
    await admin.fault({ route: "GET /configs", status: 400, count: 1 });
    const now = Date.now();
    const clock = jest.spyOn(Date, "now").mockReturnValue(now + CONFIG_LIST_SHARED_MS + 1);
    try {
      await expect(configProvider.read!(made[2].id, made[2].outs!)).rejects.toThrow(/400/);
      expect((await configProvider.read!(made[2].id, made[2].outs!)).props!.name).toBe("ct-share-3");
    } finally {
      clock.mockRestore();
    }
    for (const m of made) await c.remove("configs", m.id);
  });

  it("does not duplicate a config when the connection drops after Portkey created it", async () => {
    await admin.fault({ route: "POST /configs", dropAfter: true, count: 1 });
    const created = await configProvider.create!({
      name: "ct-dropped",
      config: fallback("ct-cfg-a", "ct-cfg-b"),
    });
    const named = (await admin.objects("configs")).filter((c: any) => c.name === "ct-dropped");
    expect(named.map((c: any) => c.slug)).toEqual([created.id]);
    await configProvider.delete!(created.id, created.outs!);
  });
});

describe("guardrails", () => {
  it("creates, drifts, updates, and treats the documented 403 for a deleted guardrail as gone", async () => {
    const created = await guardrailProvider.create!(guardInputs());
    expect(created.id).toMatch(/^guard_/);
    expect(created.outs).toMatchObject({ name: "ct-guard", checks: guardInputs().checks, slug: created.id });
    expect((await guardrailProvider.create!(guardInputs())).id).toBe(created.id);

    await admin.edit("guardrails", created.id, { actions: { deny: false } });
    const read = await guardrailProvider.read!(created.id, created.outs!);
    expect(read.props!.actions.deny).toBe(false);
    expect((await guardrailProvider.diff!(created.id, read.props!, guardInputs())).changes).toBe(true);
    const updated = await guardrailProvider.update!(created.id, read.props!, guardInputs());
    expect(updated.outs!.actions.deny).toBe(true);

    await admin.remove("guardrails", created.id);
    await admin.reset();
    expect((await guardrailProvider.read!(created.id, updated.outs!)).id).toBe("");
    await expect(guardrailProvider.delete!(created.id, updated.outs!)).resolves.toBeUndefined();
    // 403, confirmed gone by a list that succeeds without it
    expect((await admin.requests()).map((r) => `${r.route} ${r.status}`)).toEqual([
      "GET /guardrails/{guardrailId} 403",
      "GET /guardrails 200",
      "DELETE /guardrails/{guardrailId} 403",
      "GET /guardrails 200",
    ]);
  });

  it("does not treat a 403 for a guardrail that still exists as gone", async () => {
    const created = await guardrailProvider.create!(guardInputs("ct-guard-kept"));
    await admin.fault({ route: "GET /guardrails/{guardrailId}", status: 403, count: 1 });
    const err = await guardrailProvider.read!(created.id, created.outs!).catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.status).toBe(403);
    await guardrailProvider.delete!(created.id, created.outs!);
  });

  it("surfaces the API's validation message", async () => {
    expect(await admin.violations()).toEqual([]);
    await expect(
      guardrailProvider.create!({ ...guardInputs("ct-bad"), checks: [{ id: "default.nonsense" }] }),
    ).rejects.toThrow(
      /Portkey API POST \/guardrails failed with 400: .*checks\/0\/id must be equal to one of the allowed values/,
    );
    // the stand-in recorded the refused request as a violation: exactly that one, then clear it
    expect(await admin.violations()).toEqual([
      expect.objectContaining({ operation: "createGuardrail", direction: "request" }),
    ]);
    await admin.reset();
  });
});

describe("transport", () => {
  it("refuses a bad API key with 401 in Portkey's shape, without retrying", async () => {
    await admin.reset();
    const err = await client("pk-wrong")
      .list("providers")
      .catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/GET \/providers failed with 401: Unauthorised Request/);
    expect(err.message).not.toContain("pk-wrong");
    expect((await admin.requests()).map((r) => r.status)).toEqual([401]);
  });

  it("waits out 429s as long as Retry-After asks", async () => {
    await admin.reset();
    await admin.fault({ route: "GET /configs", status: 429, retryAfter: 1, count: 1 });
    await client().list("configs");
    const log = (await admin.requests()).filter((r) => r.route === "GET /configs");
    expect(log.map((r) => r.status)).toEqual([429, 200]);
    expect(log[1].at - log[0].at).toBeGreaterThanOrEqual(950);
  });

  it("retries 5xx and dropped connections, then gives up with the status", async () => {
    await admin.fault({ route: "GET /providers", status: 503, count: 1 });
    await admin.fault({ route: "GET /providers", drop: true, count: 1 });
    await expect(client().list("providers")).resolves.toBeDefined();
    await admin.clearFaults();
    await admin.fault({ route: "GET /providers", status: 500, count: 10 });
    const err = await client()
      .list("providers")
      .catch((e) => e);
    expect(err.status).toBe(500);
    expect(err.message).toMatch(
      /GET \/providers failed with 500: injected by the sandbox \(after 4 attempts\)/,
    );
  });

  it("does not duplicate a provider when the connection drops after Portkey created it", async () => {
    await admin.fault({ route: "POST /providers", dropAfter: true, count: 1 });
    const created = await providerProvider.create!(providerInputs("ct-dropped", "ct-prov-int"));
    expect(created.id).toBe("ct-dropped");
    expect((await admin.objects("providers")).filter((p: any) => p.slug === "ct-dropped")).toHaveLength(1);
    await providerProvider.delete!(created.id, created.outs!);
  });
});
