// Contract tests: the OpenRouter dynamic providers (ApiKey, ModelPolicy) and validateModels against the
// OpenRouter stand-in, with the failures a real API produces (429 bursts, 5xx, a dropped create response,
// a bad management key, drift and out-of-band deletes). The stand-in validates every exchange against
// OpenRouter's published description; afterAll asserts it recorded no violation.
import { createHash } from "node:crypto";
import { UNKNOWN } from "../../providers/dynamic";
import { isApiError } from "../../providers/http/client";
import { apiKeyProvider, remoteName } from "../../providers/openrouter/apiKey";
import {
  closeMatches,
  OpenRouterClient,
  openrouterSettings,
  validateModels,
} from "../../providers/openrouter/client";
import { modelPolicyProvider } from "../../providers/openrouter/modelPolicy";
import { modelKey, OPENROUTER_SANDBOX } from "../../sandbox/openrouter";
import { type Admin, providerConfig, type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
let admin: Admin;
const keys = apiKeyProvider();
const policy = modelPolicyProvider();
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const client = (managementKey = OPENROUTER_SANDBOX.managementKey) =>
  new OpenRouterClient({ apiUrl: sb.url("openrouter"), managementKey }, { baseDelayMs: 5, maxRetries: 3 });
const keyInputs = (name: string, extra: Record<string, unknown> = {}) =>
  ({ name, limit: 25, limitReset: "monthly", ...extra }) as any;

useContractSandbox(["openrouter"], async (started) => {
  sb = started;
  admin = sb.admin("openrouter");
  const cfg = providerConfig({
    "sophia-ai:openrouterApiUrl": sb.url("openrouter"),
    "sophia-ai:openrouterManagementKey": OPENROUTER_SANDBOX.managementKey,
  });
  await keys.configure!(cfg as any);
  await policy.configure!(cfg as any);
});

describe("check", () => {
  it("names each invalid API key property and calls no API", async () => {
    await admin.reset();
    const res = await keys.check!(
      {} as any,
      {
        name: "",
        limit: -1,
        limitReset: "hourly",
        expiresAt: "2027-12-31T23:59:59+02:00",
        disabled: "no",
        keepers: { epoch: 3 },
      } as any,
    );
    expect(res.failures!.map((f) => f.property).sort()).toEqual([
      "disabled",
      "expiresAt",
      "keepers",
      "limit",
      "limitReset",
      "name",
    ]);
    expect(res.failures!.find((f) => f.property === "limitReset")!.reason).toMatch(/daily, weekly, monthly/);
    expect(res.failures!.find((f) => f.property === "expiresAt")!.reason).toMatch(/UTC/);
    expect(await admin.requests()).toEqual([]);
  });

  it("accepts unknown values during preview", async () => {
    const res = await keys.check!(
      {} as any,
      { name: UNKNOWN, limit: UNKNOWN, keepers: { epoch: UNKNOWN } } as any,
    );
    expect(res.failures).toEqual([]);
    const p = await policy.check!(
      {} as any,
      { allow: UNKNOWN, fallbacks: ["openai/gpt-4o", UNKNOWN] } as any,
    );
    expect(p.failures).toEqual([]);
  });

  it("checks the shape of a model policy without calling /models", async () => {
    await admin.reset();
    const res = await policy.check!(
      {} as any,
      {
        allow: ["openai/gpt-4o", "gpt-4o", "openai/gpt-4o"],
        fallbacks: ["anthropic/claude-3.5-sonnet"],
      } as any,
    );
    expect(res.failures!.map((f) => f.reason)).toEqual([
      'allow[1] must be a model id like "openai/gpt-4o"; got "gpt-4o"',
      'allow[2] "openai/gpt-4o" is listed twice',
      'fallbacks[0] "anthropic/claude-3.5-sonnet" is not in allow',
    ]);
    expect(await admin.requests()).toEqual([]);
  });
});

describe("API key lifecycle", () => {
  it("creates a key, returns its string once, and keeps only its hash at OpenRouter", async () => {
    await admin.reset();
    const created = await keys.create!(keyInputs("life"));
    const key = created.outs!.key;
    expect(key).toMatch(/^sk-or-v1-[0-9a-f]{64}$/);
    expect(created.id).toBe(sha256(key));
    expect(created.outs).toMatchObject({
      name: "life",
      remoteName: "life",
      limit: 25,
      limitReset: "monthly",
    });
    const stored = await admin.object("keys", created.id);
    expect(JSON.stringify(stored)).not.toContain(key);

    // read never asks for the string again and keeps the one from the state
    await admin.reset();
    const read = await keys.read!(created.id, created.outs!);
    expect(read.props!.key).toBe(key);
    expect((await admin.requests()).map((r) => r.route)).toEqual(["GET /keys/{hash}"]);
    expect((await keys.diff!(created.id, read.props!, keyInputs("life"))).changes).toBe(false);

    const updated = await keys.update!(
      created.id,
      read.props!,
      keyInputs("life", { limit: 40, limitReset: "daily" }),
    );
    expect(updated.outs).toMatchObject({ key, limit: 40, limitReset: "daily" });
    expect(await admin.object("keys", created.id)).toMatchObject({ limit: 40, limit_reset: "daily" });

    await keys.delete!(created.id, updated.outs!);
    expect((await admin.objects("keys")).map((k) => k.hash)).not.toContain(created.id);
  });

  it("creates a disabled key with an expiry, and reads both back", async () => {
    const created = await keys.create!(
      keyInputs("expiring", { expiresAt: "2099-01-01T00:00:00Z", disabled: true }),
    );
    expect(created.outs).toMatchObject({ expiresAt: "2099-01-01T00:00:00Z", disabled: true });
    const read = await keys.read!(created.id, created.outs!);
    expect(read.props).toMatchObject({ expiresAt: "2099-01-01T00:00:00Z", disabled: true });
    await keys.delete!(created.id, read.props!);
  });

  it("treats the API's own spelling of the declared expiry as no change: no drift, no replacement", async () => {
    const declared = "2099-06-30T23:59:59.000Z";
    const inputs = keyInputs("spelled", { expiresAt: declared });
    const created = await keys.create!(inputs);
    // OpenRouter writes the expiry back in another, equivalent form
    const stored = await admin.object("keys", created.id);
    expect(stored.expires_at).not.toBe(declared);
    expect(Date.parse(stored.expires_at)).toBe(Date.parse(declared));
    expect(created.outs!.expiresAt).toBe(declared);
    const read = await keys.read!(created.id, created.outs!);
    expect(read.props!.expiresAt).toBe(declared);
    expect((await keys.diff!(created.id, read.props!, inputs)).changes).toBe(false);
    // also against a state that holds the API's spelling (e.g. after an import), or a +00:00 offset
    const apiSpelling = { ...read.props!, expiresAt: stored.expires_at };
    expect((await keys.diff!(created.id, apiSpelling, inputs)).changes).toBe(false);
    expect(
      (await keys.diff!(created.id, read.props!, { ...inputs, expiresAt: "2099-06-30T23:59:59+00:00" }))
        .changes,
    ).toBe(false);
    // a different instant still replaces the key
    expect(
      await keys.diff!(created.id, read.props!, { ...inputs, expiresAt: "2099-06-30T23:59:58Z" }),
    ).toMatchObject({ changes: true, replaces: ["expiresAt"], deleteBeforeReplace: true });
    // and a changed expiry out of band shows as drift in the API's form
    await admin.edit("keys", created.id, { expires_at: "2099-07-01T00:00:00Z" });
    const drifted = await keys.read!(created.id, read.props!);
    expect(drifted.props!.expiresAt).toBe("2099-07-01T00:00:00Z");
    expect((await keys.diff!(created.id, drifted.props!, inputs)).replaces).toEqual(["expiresAt"]);
    await keys.delete!(created.id, drifted.props!);
  });

  it("deletes a key it could not disable and reports the failure, so the next create is not blocked", async () => {
    await admin.fault({ route: "PATCH /keys/{hash}", status: 500, count: 100 });
    await admin.reset();
    const err = await keys.create!(keyInputs("never-enabled", { disabled: true })).catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.status).toBe(500);
    expect(err.message).toContain("PATCH");
    expect((await admin.objects("keys")).filter((k) => k.name === "never-enabled")).toEqual([]);
    const routes = (await admin.requests()).map((r) => `${r.route} ${r.status}`);
    expect(routes.filter((r) => r.startsWith("PATCH")).length).toBeGreaterThan(1); // retried first
    expect(routes.at(-1)).toBe("DELETE /keys/{hash} 200");
    // once the API recovers, the same declaration creates its key
    await admin.clearFaults();
    const created = await keys.create!(keyInputs("never-enabled", { disabled: true }));
    expect(created.outs).toMatchObject({ name: "never-enabled", disabled: true });
    await keys.delete!(created.id, created.outs!);
  }, 20_000);

  it("replaces orphaned keys of its name (their strings lost) with one new key whose string it holds", async () => {
    // an interrupted run created the key (twice) under the generated name and recorded neither
    const orphans = [
      await client().createKey({ name: "taken" }),
      await client().createKey({ name: "taken" }),
    ];
    const created = await keys.create!(keyInputs("taken"));
    const stored = (await admin.objects("keys")).filter((k) => k.name === "taken");
    expect(stored.map((k) => k.hash)).toEqual([created.id]);
    expect(orphans.map((o) => o.data.hash)).not.toContain(created.id);
    // the key string in the outputs is the one OpenRouter holds (it stores its sha256)
    expect(createHash("sha256").update(created.outs!.key).digest("hex")).toBe(stored[0].hash);
    await keys.delete!(created.id, created.outs!);
  });

  it("rotates on a keepers change: create-before-delete, the generations told apart by name", async () => {
    const v1 = await keys.create!(keyInputs("rotating", { keepers: { epoch: "1" } }));
    const next = keyInputs("rotating", { keepers: { epoch: "2" } });
    const diff = await keys.diff!(v1.id, v1.outs!, next);
    expect(diff).toMatchObject({ changes: true, replaces: ["keepers"], deleteBeforeReplace: false });
    // the engine creates the replacement while the old key still exists
    const v2 = await keys.create!(next);
    expect(v2.outs!.key).not.toBe(v1.outs!.key);
    expect(v2.outs!.remoteName).toBe(remoteName(next));
    expect(v2.outs!.remoteName).not.toBe(v1.outs!.remoteName);
    expect((await admin.objects("keys")).map((k) => k.hash)).toEqual(expect.arrayContaining([v1.id, v2.id]));
    await keys.delete!(v1.id, v1.outs!);
    await keys.delete!(v2.id, v2.outs!);
  });

  it("replaces only for what the API cannot update, deleting first when the name would collide", async () => {
    const olds = { ...keyInputs("k", { keepers: { epoch: "1" } }), hash: "h", key: "s", remoteName: "x" };
    expect(await keys.diff!("h", olds, keyInputs("k2", { keepers: { epoch: "1" } }))).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(
      await keys.diff!(
        "h",
        olds,
        keyInputs("k", { keepers: { epoch: "1" }, expiresAt: "2099-01-01T00:00:00Z" }),
      ),
    ).toMatchObject({ changes: true, replaces: ["expiresAt"], deleteBeforeReplace: true });
    expect(
      await keys.diff!(
        "h",
        olds,
        keyInputs("k", { keepers: { epoch: "2" }, expiresAt: "2099-01-01T00:00:00Z" }),
      ),
    ).toMatchObject({ changes: true, replaces: ["keepers", "expiresAt"], deleteBeforeReplace: false });
    expect(
      (await keys.diff!("h", olds, keyInputs("k", { keepers: { epoch: "1" }, disabled: false }))).changes,
    ).toBe(false);
  });

  it("shows out-of-band edits as drift and puts them right on update", async () => {
    const created = await keys.create!(keyInputs("drifty"));
    await admin.edit("keys", created.id, { limit: 999, name: "renamed-by-hand" });
    const read = await keys.read!(created.id, created.outs!);
    expect(read.props).toMatchObject({ limit: 999, name: "renamed-by-hand", key: created.outs!.key });
    const diff = await keys.diff!(created.id, read.props!, keyInputs("drifty"));
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const updated = await keys.update!(created.id, read.props!, keyInputs("drifty"));
    expect(updated.outs).toMatchObject({ limit: 25, name: "drifty" });
    expect(await admin.object("keys", created.id)).toMatchObject({ limit: 25, name: "drifty" });
    await keys.delete!(created.id, updated.outs!);
  });

  it("reports a key deleted out of band as gone, and deleting it again succeeds", async () => {
    const created = await keys.create!(keyInputs("vanishing"));
    await admin.remove("keys", created.id);
    expect((await keys.read!(created.id, created.outs!)).id).toBe("");
    await expect(keys.delete!(created.id, created.outs!)).resolves.toBeUndefined();
  });
});

describe("faults", () => {
  it("waits out a 429 burst with Retry-After and recovers from 5xx", async () => {
    const created = await keys.create!(keyInputs("faulty"));
    await admin.fault({ route: "GET /keys/{hash}", status: 429, retryAfter: 1, count: 1 });
    await admin.fault({ route: "GET /keys/{hash}", status: 500, count: 2 });
    await admin.reset();
    const started = Date.now();
    const read = await keys.read!(created.id, created.outs!);
    expect(read.id).toBe(created.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect((await admin.requests()).map((r) => r.status)).toEqual([429, 500, 500, 200]);
    await keys.delete!(created.id, read.props!);
  });

  it("leaves exactly one usable key when the create response is lost", async () => {
    await admin.fault({ route: "POST /keys", dropAfter: true, count: 1 });
    await admin.reset();
    const created = await keys.create!(keyInputs("dropped"));
    const named = (await admin.objects("keys")).filter((k) => k.name === "dropped");
    expect(named.map((k) => k.hash)).toEqual([created.id]);
    // the key we hold is the one OpenRouter has: its hash is the stored object's id
    expect(sha256(created.outs!.key)).toBe(created.id);
    const routes = (await admin.requests()).map((r) => `${r.route} ${r.status}`);
    // no key of the name before the POST (one empty page); after it, recovery finds the orphan (a page
    // with it, then an empty page), deletes it, and sends the POST again
    expect(routes).toEqual([
      "GET /keys 200",
      "POST /keys 0",
      "GET /keys 200",
      "GET /keys 200",
      "DELETE /keys/{hash} 200",
      "POST /keys 201",
    ]);
    await keys.delete!(created.id, created.outs!);
  });

  it("surfaces OpenRouter's 401 for a bad management key, without the key", async () => {
    const err = await client("sk-or-v1-not-a-management-key")
      .listKeys()
      .catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.status).toBe(401);
    expect(err.message).toContain("Invalid management key");
    expect(err.message).not.toContain("sk-or-v1-not-a-management-key");
  });

  it("refuses an ordinary API key as a management key", async () => {
    const { key, data } = await client().createKey({ name: "inference-only" });
    const err = await client(key)
      .getKey(data.hash)
      .catch((e) => e);
    expect(err.status).toBe(401);
    await client().deleteKey(data.hash);
  });

  it("names the missing config key", () => {
    const saved = process.env.OPENROUTER_MANAGEMENT_KEY;
    delete process.env.OPENROUTER_MANAGEMENT_KEY;
    try {
      expect(() => openrouterSettings(() => undefined)).toThrow(
        "OpenRouter: missing config `openrouterManagementKey` (or OPENROUTER_MANAGEMENT_KEY)",
      );
      expect(openrouterSettings((k) => (k === "openrouterManagementKey" ? "m" : undefined)).apiUrl).toBe(
        "https://openrouter.ai/api/v1",
      );
    } finally {
      if (saved !== undefined) process.env.OPENROUTER_MANAGEMENT_KEY = saved;
    }
  });
});

describe("model validation", () => {
  it("validateModels accepts catalogue ids and names the list, index and close matches of the rest", async () => {
    const ok = await validateModels(client(), {
      allow: ["openai/gpt-4o", "openai/text-embedding-3-small"],
      fallbacks: ["openai/gpt-4o"],
    });
    expect(ok).toMatchObject({ ok: true, problems: [], catalogueSize: 13 });
    const bad = await validateModels(client(), {
      allow: ["openai/gpt-4o", "openai/gpt4o", "acme/nothing-like-it"],
      fallbacks: ["anthropic/claude-35-sonnet"],
    });
    expect(bad.ok).toBe(false);
    expect(bad.messages).toEqual([
      'models.allow[1]: unknown model "openai/gpt4o" (did you mean "openai/gpt-4o"?)',
      'models.allow[2]: unknown model "acme/nothing-like-it" (no close match in OpenRouter\'s catalogue)',
      'models.fallbacks[0]: unknown model "anthropic/claude-35-sonnet" (did you mean "anthropic/claude-3.5-sonnet"?)',
    ]);
  });

  it("suggests the same model under its real author", () => {
    expect(closeMatches("anthropic/gpt-4o-mini", ["openai/gpt-4o-mini", "openai/gpt-4o", "x/y"])[0]).toBe(
      "openai/gpt-4o-mini",
    );
  });

  it("ModelPolicy create validates against /models and fails naming the property", async () => {
    await admin.reset();
    const good = await policy.create!({
      allow: ["openai/gpt-4o", "anthropic/claude-3.5-sonnet"],
      fallbacks: ["anthropic/claude-3.5-sonnet"],
    });
    expect(good.outs).toEqual({
      allow: ["openai/gpt-4o", "anthropic/claude-3.5-sonnet"],
      fallbacks: ["anthropic/claude-3.5-sonnet"],
      unavailable: [],
    });
    expect((await admin.requests()).map((r) => r.route)).toEqual(["GET /models"]);
    await expect(
      policy.create!({ allow: ["openai/gpt-4o", "mistral/mistral-large"], fallbacks: [] }),
    ).rejects.toThrow(
      'models.allow[1]: unknown model "mistral/mistral-large" (did you mean "mistralai/mistral-large"?)',
    );
    await expect(
      policy.update!(good.id, good.outs!, { allow: ["openai/gpt-5"], fallbacks: ["openai/gpt-5"] }),
    ).rejects.toThrow(/models\.allow\[0\][\s\S]*models\.fallbacks\[0\]/);
  });

  it("ModelPolicy read reports a model that left the catalogue as drift", async () => {
    const inputs = {
      allow: ["openai/gpt-4o", "anthropic/claude-3-opus"],
      fallbacks: ["anthropic/claude-3-opus", "openai/gpt-4o"],
    };
    const created = await policy.create!(inputs);
    await admin.remove("models", modelKey("anthropic/claude-3-opus"));
    const read = await policy.read!(created.id, created.outs!);
    expect(read.props).toEqual({
      allow: ["openai/gpt-4o"],
      fallbacks: ["openai/gpt-4o"],
      unavailable: ["anthropic/claude-3-opus"],
    });
    expect(await policy.diff!(created.id, read.props!, inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });
    await expect(policy.update!(created.id, read.props!, inputs)).rejects.toThrow(
      'models.allow[1]: unknown model "anthropic/claude-3-opus"',
    );
    await expect(policy.delete!(created.id, read.props!)).resolves.toBeUndefined();
  });
});
