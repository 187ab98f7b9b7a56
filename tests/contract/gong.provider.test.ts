// Contract tests: every method of the Gong dynamic providers against the Gong stand-in, with the failures
// the real API produces (bad credentials, 429 bursts, the 3 rps limit and the daily cap, 5xx, dropped
// connections, drift, out-of-band deletes, an asynchronous CRM delete that is pending, fails or times out).
// The stand-in validates every exchange against Gong's description; afterAll asserts no violation.
//
// Most tests use an unpaced client (installed in the provider's client cache) against a stand-in with a
// high rate limit, to keep the file fast; the pacing test uses the production client (GONG_RATE_LIMIT)
// against the documented 3 requests per second.
import { cachedClient, dropCachedClients, UNKNOWN } from "../../providers/dynamic";
import { configuredGong, GongClient, gongSettings } from "../../providers/gong/client";
import { crmIntegrationProvider as crm } from "../../providers/gong/crmIntegration";
import { permissionProfileProvider as profiles } from "../../providers/gong/permissionProfile";
import { isApiError } from "../../providers/http/client";
import { GONG_SANDBOX } from "../../sandbox/gong";
import { type Admin, providerConfig, type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
let admin: Admin;
const WS = GONG_SANDBOX.workspaceId;
const FAST = { rateLimit: undefined, baseDelayMs: 5, maxRetries: 3 };

const settings = () => ({
  apiUrl: sb.url("gong"),
  accessKey: GONG_SANDBOX.accessKey,
  accessKeySecret: GONG_SANDBOX.accessKeySecret,
});
/** The providers use an unpaced client with short backoff from here on. */
function useFastClient() {
  const s = settings();
  const fast = new GongClient(s, FAST);
  dropCachedClients("Gong");
  cachedClient("Gong", `${s.apiUrl}|${s.accessKey}|${s.accessKeySecret.length}`, () => fast);
  // the client the providers' configuredGong finds for these settings (a key that no longer matches
  // configuredGong's would leave the tests on the paced production client, slowly)
  const config: Record<string, string> = {
    gongApiUrl: s.apiUrl,
    gongAccessKey: s.accessKey,
    gongAccessKeySecret: s.accessKeySecret,
  };
  expect(configuredGong((k) => config[k])).toBe(fast);
}
const forgetProfileListings = () => (globalThis as any).__sophiaGongProfiles?.clear();

const profileInputs = (name: string, permissions: Record<string, unknown> = {}) => ({
  workspaceId: WS,
  name,
  permissions: { callsAccess: { permissionLevel: "all" }, scoreCalls: true, ...permissions },
});

useContractSandbox(["gong"], async (started) => {
  sb = started;
  admin = sb.admin("gong");
  const cfg = providerConfig({
    "sophia-ai:gongApiUrl": sb.url("gong"),
    "sophia-ai:gongAccessKey": GONG_SANDBOX.accessKey,
    "sophia-ai:gongAccessKeySecret": GONG_SANDBOX.accessKeySecret,
  });
  await crm.configure!(cfg);
  await profiles.configure!(cfg);
  await admin.settings({ rateLimitPerSecond: 1000, crmDeletePendingPolls: 2 });
  useFastClient();
});

describe("settings", () => {
  it("reads the tenant URL and keys, and names a missing key", () => {
    const values: Record<string, string> = {
      gongApiUrl: "https://us-1.api.gong.io/v2/",
      gongAccessKey: "k",
      gongAccessKeySecret: "s",
    };
    expect(gongSettings((k) => values[k])).toEqual({
      apiUrl: "https://us-1.api.gong.io",
      accessKey: "k",
      accessKeySecret: "s",
    });
    expect(() => gongSettings((k) => (k === "gongAccessKeySecret" ? undefined : values[k]))).toThrow(
      "Gong: missing config `gongAccessKeySecret` (or GONG_ACCESS_KEY_SECRET)",
    );
    expect(() => gongSettings(() => undefined)).toThrow(
      "Gong: missing config `gongApiUrl` (or GONG_API_URL)",
    );
  });
});

describe("check", () => {
  it("names each invalid property of a profile and calls no API", async () => {
    await admin.reset();
    const res = await profiles.check!(
      {} as any,
      {
        workspaceId: "ws-1",
        name: "",
        permissions: {
          callsAccess: { permissionLevel: "everyone" },
          dealsAccess: { permissionLevel: "own", teamLeadIds: ["1"] },
          scoreCalls: "yes",
          libraryFolderAccess: { permissionLevel: "none", manageStreams: true },
          bogus: true,
        },
      } as any,
    );
    expect(res.failures!.map((f) => f.property).sort()).toEqual([
      "name",
      "permissions",
      "permissions",
      "permissions",
      "permissions",
      "permissions",
      "workspaceId",
    ]);
    const reasons = res.failures!.map((f) => f.reason).join("\n");
    expect(reasons).toMatch(/workspaceId must be Gong's numeric workspace id/);
    expect(reasons).toMatch(/permissions.callsAccess.permissionLevel must be one of all, managers-team/);
    expect(reasons).toMatch(
      /permissions.dealsAccess.teamLeadIds is only used with permissionLevel "managers-team"/,
    );
    expect(reasons).toMatch(/permissions.scoreCalls must be true or false/);
    expect(reasons).toMatch(
      /permissions.libraryFolderAccess.manageStreams requires a permissionLevel other than "none"/,
    );
    expect(reasons).toMatch(/permissions.bogus is not a permission field/);
    expect(await admin.requests()).toEqual([]);
  });

  it("names each invalid property of a CRM integration and calls no API", async () => {
    await admin.reset();
    const res = await crm.check!({} as any, { name: " ", ownerEmail: "nobody", deletePollSeconds: 0 } as any);
    expect(res.failures!.map((f) => f.property).sort()).toEqual(["deletePollSeconds", "name", "ownerEmail"]);
    expect(await admin.requests()).toEqual([]);
  });

  it("accepts unknown values during preview", async () => {
    const p = await profiles.check!(
      {} as any,
      {
        workspaceId: UNKNOWN,
        name: UNKNOWN,
        permissions: { callsAccess: UNKNOWN, scoreCalls: UNKNOWN },
      } as any,
    );
    expect(p.failures).toEqual([]);
    const c = await crm.check!({} as any, { name: UNKNOWN, ownerEmail: UNKNOWN } as any);
    expect(c.failures).toEqual([]);
  });
});

describe("permission profiles", () => {
  it("creates, reads, shows drift and puts it right on update", async () => {
    const inputs = profileInputs("contract-analysts");
    const created = await profiles.create!(inputs);
    expect(created.id).toMatch(/^\d{19}$/);
    expect(created.outs).toEqual({ ...inputs, profileId: created.id });
    const stored = await admin.object("profiles", created.id);
    expect(stored).toMatchObject({
      workspaceId: WS,
      name: "contract-analysts",
      scoreCalls: true,
      deleteCalls: false,
    });

    const read = await profiles.read!(created.id, created.outs!);
    expect(read).toEqual({ id: created.id, props: created.outs });
    expect((await profiles.diff!(created.id, read.props!, inputs)).changes).toBe(false);

    await admin.edit("profiles", created.id, { scoreCalls: false, callsAccess: { permissionLevel: "own" } });
    const drifted = await profiles.read!(created.id, created.outs!);
    expect(drifted.props!.permissions).toEqual({
      callsAccess: { permissionLevel: "own" },
      scoreCalls: false,
    });
    expect(await profiles.diff!(created.id, drifted.props!, inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });

    const updated = await profiles.update!(created.id, drifted.props!, inputs);
    expect(updated.outs!.permissions).toEqual(inputs.permissions);
    expect(await admin.object("profiles", created.id)).toMatchObject({
      scoreCalls: true,
      callsAccess: { permissionLevel: "all" },
    });
  });

  it("adopts a profile of the same name and brings it to the declared state", async () => {
    const first = await profiles.create!(profileInputs("contract-adopt"));
    await admin.edit("profiles", first.id, { scoreCalls: false });
    forgetProfileListings(); // a new provider process: the edit happened before it listed
    await admin.reset();
    const again = await profiles.create!(profileInputs("contract-adopt"));
    expect(again.id).toBe(first.id);
    expect((await admin.object("profiles", first.id)).scoreCalls).toBe(true);
    expect(Object.keys(await admin.counts()).sort()).toEqual([
      "GET /v2/all-permission-profiles",
      "PUT /v2/permission-profile",
    ]);
    const named = (await admin.objects("profiles")).filter((p) => p.name === "contract-adopt");
    expect(named).toHaveLength(1);
  });

  it("replaces only for a new workspace; a rename is an update", async () => {
    const olds = { ...profileInputs("x"), profileId: "1" };
    // an update keeps the profile's id (and its workspace): stables
    expect(await profiles.diff!("1", olds, profileInputs("y"))).toEqual({
      changes: true,
      replaces: [],
      stables: ["profileId", "workspaceId"],
    });
    expect(await profiles.diff!("1", olds, { ...profileInputs("x"), workspaceId: "42" })).toEqual({
      changes: true,
      replaces: ["workspaceId"],
    });
  });

  it("reports a profile deleted out of band as gone; delete warns that Gong keeps it and calls no API", async () => {
    const created = await profiles.create!(profileInputs("contract-vanishing"));
    await admin.remove("profiles", created.id);
    await admin.reset();
    expect((await profiles.read!(created.id, created.outs!)).id).toBe("");
    // Gong answers an unknown id with 400 (documented); the listing confirms it is gone
    expect((await admin.requests()).map((r) => `${r.route} ${r.status}`)).toEqual([
      "GET /v2/permission-profile 400",
      "GET /v2/all-permission-profiles 200",
    ]);

    const kept = await profiles.create!(profileInputs("contract-kept"));
    // a 400 for a profile the listing still shows is a real error, not "gone"
    await admin.fault({ route: "GET /v2/permission-profile", status: 400, count: 1 });
    await expect(profiles.read!(kept.id, kept.outs!)).rejects.toThrow(/failed with 400/);
    await admin.reset();
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await expect(profiles.delete!(kept.id, kept.outs!)).resolves.toBeUndefined();
      const said = warn.mock.calls.map((c) => String(c[0])).join("\n");
      expect(said).toMatch(/warning: .*Gong has no API to delete permission profiles: "contract-kept"/);
      expect(said).toContain(kept.id);
    } finally {
      warn.mockRestore();
    }
    expect(await admin.requests()).toEqual([]);
    expect((await admin.object("profiles", kept.id)).name).toBe("contract-kept");
  });

  it("does not duplicate a profile when the connection drops after Gong created it", async () => {
    await admin.fault({ route: "POST /v2/permission-profile", dropAfter: true, count: 1 });
    const created = await profiles.create!(profileInputs("contract-dropped"));
    const named = (await admin.objects("profiles")).filter((p) => p.name === "contract-dropped");
    expect(named.map((p) => p.id)).toEqual([created.id]);
  });

  it("surfaces Gong's own message when it refuses a request", async () => {
    const a = await profiles.create!(profileInputs("contract-taken"));
    const b = await profiles.create!(profileInputs("contract-other"));
    await expect(profiles.update!(b.id, b.outs!, profileInputs("contract-taken"))).rejects.toThrow(
      'Gong API PUT /v2/permission-profile failed with 400: A permission profile named "contract-taken" already exists',
    );
    expect(a.id).not.toBe(b.id);
  });

  it("creates N profiles with one listing and N creates, never exceeding the 3 rps limit (timings: bench/)", async () => {
    // The production client (paced per tenant) against the documented limit.
    dropCachedClients("Gong");
    forgetProfileListings();
    await admin.settings({ rateLimitPerSecond: 3 });
    await new Promise((r) => setTimeout(r, 1100)); // let the stand-in's window empty
    await admin.reset();
    const N = 20;
    try {
      const results = await Promise.all(
        Array.from({ length: N }, (_, i) => profiles.create!(profileInputs(`contract-bulk-${i}`))),
      );
      expect(new Set(results.map((r) => r.id)).size).toBe(N);
      const counts = await admin.counts();
      expect(counts).toEqual({ "GET /v2/all-permission-profiles": 1, "POST /v2/permission-profile": N });
      const log = await admin.requests();
      expect(log.filter((r) => r.status === 429)).toEqual([]);
      // and the client did not merely get lucky: no 4 starts it sent fell within one second
      const starts = log.map((r) => r.at).sort((a, b) => a - b);
      for (let i = 3; i < starts.length; i++) expect(starts[i] - starts[i - 3]).toBeGreaterThanOrEqual(1000);
    } finally {
      await admin.settings({ rateLimitPerSecond: 1000 });
      useFastClient();
    }
  }, 20_000);
});

describe("CRM integration", () => {
  const crmInputs = (name = "contract-crm") => ({
    name,
    ownerEmail: "owner@example.com",
    deletePollSeconds: 0.02,
    deleteTimeoutSeconds: 5,
  });

  it("registers, adopts, refuses another name, and deletes asynchronously", async () => {
    const created = await crm.create!(crmInputs());
    expect(created.id).toMatch(/^\d{19}$/);
    expect(created.outs).toEqual({ ...crmInputs(), integrationId: created.id });

    await admin.reset();
    const again = await crm.create!(crmInputs());
    expect(again.id).toBe(created.id);
    expect(await admin.counts()).toEqual({ "GET /v2/crm/integrations": 1 });

    await expect(crm.create!(crmInputs("contract-other-crm"))).rejects.toThrow(
      /already has a CRM integration "contract-crm" \(id \d+, owner owner@example.com\); Gong supports only one/,
    );
    expect(await crm.read!(created.id, created.outs!)).toEqual({ id: created.id, props: created.outs });
    expect(await crm.diff!(created.id, created.outs!, crmInputs("renamed"))).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: true,
    });
    expect(await crm.diff!(created.id, created.outs!, { ...crmInputs(), deleteTimeoutSeconds: 9 })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      stables: ["integrationId", "name", "ownerEmail"],
    });
    const updated = await crm.update!(created.id, created.outs!, { ...crmInputs(), deleteTimeoutSeconds: 9 });
    expect(updated.outs).toEqual({ ...crmInputs(), deleteTimeoutSeconds: 9, integrationId: created.id });

    await admin.reset();
    await crm.delete!(created.id, created.outs!);
    const log = (await admin.requests()).map((r) => `${r.route} ${r.status}`);
    expect(log).toEqual([
      "GET /v2/crm/integrations 200",
      "DELETE /v2/crm/integrations 201",
      "GET /v2/crm/request-status 200",
      "GET /v2/crm/request-status 200",
      "GET /v2/crm/request-status 200",
    ]);
    expect(await admin.objects("crmIntegrations")).toEqual([]);
    expect((await crm.read!(created.id, created.outs!)).id).toBe("");
  });

  it("fails clearly when Gong reports the delete FAILED, and when it does not finish in time", async () => {
    const created = await crm.create!(crmInputs());
    await admin.settings({ crmDeleteOutcome: "FAILED" });
    try {
      await expect(crm.delete!(created.id, created.outs!)).rejects.toThrow(
        new RegExp(
          `deleting CRM integration ${created.id} failed \\(request sophia-delete-.*\\): The integration could not be deleted`,
        ),
      );
    } finally {
      await admin.settings({ crmDeleteOutcome: "DONE" });
    }
    await admin.settings({ crmDeletePendingPolls: 1000 });
    try {
      await expect(crm.delete!(created.id, { ...created.outs!, deleteTimeoutSeconds: 0.1 })).rejects.toThrow(
        new RegExp(
          `CRM integration ${created.id} was not deleted within 0 s \\(request sophia-delete-\\S+ is still (PENDING|IN_PROGRESS)`,
        ),
      );
    } finally {
      await admin.settings({ crmDeletePendingPolls: 2 });
    }
    await crm.delete!(created.id, created.outs!);
    expect(await admin.objects("crmIntegrations")).toEqual([]);
  });

  it("reports an integration deleted out of band as gone, and deleting it again succeeds", async () => {
    const created = await crm.create!(crmInputs());
    await admin.remove("crmIntegrations", created.id);
    expect((await crm.read!(created.id, created.outs!)).id).toBe("");
    await admin.reset();
    await expect(crm.delete!(created.id, created.outs!)).resolves.toBeUndefined();
    // Gong documents no 404 for DELETE (the stand-in answers 400): delete lists first and sends nothing
    expect((await admin.requests()).map((r) => `${r.route} ${r.status}`)).toEqual([
      "GET /v2/crm/integrations 200",
    ]);
  });

  it("keeps Gong's 19-digit int64 id exactly, so read and delete address the right integration", async () => {
    const created = await crm.create!(crmInputs());
    expect(BigInt(created.id) > 2n ** 53n).toBe(true);
    // the id Gong stored, digit for digit (a JSON.parse of the answer would round it)
    expect((await admin.objects("crmIntegrations")).map((i) => i.integrationId)).toEqual([created.id]);
    expect(String(Number(created.id))).not.toBe(created.id);
    expect(created.outs!.integrationId).toBe(created.id);
    const listed = await new GongClient(settings(), FAST).listCrmIntegrations();
    expect(listed).toEqual([
      { integrationId: created.id, name: "contract-crm", ownerEmail: "owner@example.com" },
    ]);
    expect(await crm.read!(created.id, created.outs!)).toEqual({ id: created.id, props: created.outs });
    // adoption by name answers the exact id too
    expect((await crm.create!(crmInputs())).id).toBe(created.id);
    await admin.reset();
    await crm.delete!(created.id, created.outs!);
    const log = await admin.requests();
    expect(log.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual([
      expect.stringContaining(`integrationId=${created.id}&`),
    ]);
    expect(await admin.objects("crmIntegrations")).toEqual([]);
  });

  it("succeeds when the integration disappears between the listing and the DELETE (Gong's 400)", async () => {
    const created = await crm.create!(crmInputs());
    // the DELETE is held back while the integration goes (an earlier timed-out destroy finishing)
    await admin.fault({ route: "DELETE /v2/crm/integrations", delayMs: 400, count: 1 });
    await admin.reset();
    const deleting = crm.delete!(created.id, created.outs!);
    await new Promise((r) => setTimeout(r, 150));
    await admin.remove("crmIntegrations", created.id);
    await expect(deleting).resolves.toBeUndefined();
    expect((await admin.requests()).map((r) => `${r.route} ${r.status}`)).toEqual([
      "GET /v2/crm/integrations 200",
      "DELETE /v2/crm/integrations 400",
      "GET /v2/crm/integrations 200",
    ]);
  });

  it("rethrows a 400 on delete when the integration is still there", async () => {
    const created = await crm.create!(crmInputs());
    await admin.fault({ route: "DELETE /v2/crm/integrations", status: 400, count: 1 });
    await admin.reset();
    await expect(crm.delete!(created.id, created.outs!)).rejects.toThrow(
      "Gong API DELETE /v2/crm/integrations failed with 400: injected by the sandbox",
    );
    expect((await admin.requests()).map((r) => `${r.route} ${r.status}`)).toEqual([
      "GET /v2/crm/integrations 200",
      "DELETE /v2/crm/integrations 400",
      "GET /v2/crm/integrations 200",
    ]);
    await crm.delete!(created.id, created.outs!);
    expect(await admin.objects("crmIntegrations")).toEqual([]);
  });

  it("does not register twice when the connection drops after Gong registered it", async () => {
    await admin.fault({ route: "PUT /v2/crm/integrations", dropAfter: true, count: 1 });
    await admin.reset();
    const created = await crm.create!(crmInputs());
    expect((await admin.objects("crmIntegrations")).map((i) => i.integrationId)).toEqual([created.id]);
    expect((await admin.requests()).map((r) => `${r.route} ${r.status}`)).toEqual([
      "GET /v2/crm/integrations 200",
      "PUT /v2/crm/integrations 0",
      "PUT /v2/crm/integrations 409",
      "GET /v2/crm/integrations 200",
    ]);
    await crm.delete!(created.id, created.outs!);
  });
});

describe("transport", () => {
  const client = (extra = {}) => new GongClient(settings(), { ...FAST, ...extra });

  it("refuses bad credentials with Gong's 401 and message, once, without the secret", async () => {
    await admin.reset();
    const bad = new GongClient({ ...settings(), accessKeySecret: "wrong-secret-value" }, FAST);
    const err = await bad.listCrmIntegrations().catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.status).toBe(401);
    expect(err.message).toBe(
      "Gong API GET /v2/crm/integrations failed with 401: Access denied: the access key or its secret is not valid",
    );
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain("wrong-secret-value");
    expect((await admin.requests()).map((r) => r.status)).toEqual([401]);
  });

  it("waits out a 429 as long as Retry-After asks", async () => {
    await admin.reset();
    await admin.fault({ route: "GET /v2/crm/integrations", status: 429, retryAfter: 1, count: 1 });
    await client().listCrmIntegrations();
    const log = await admin.requests();
    expect(log.map((r) => r.status)).toEqual([429, 200]);
    expect(log[1].at - log[0].at).toBeGreaterThanOrEqual(950);
  });

  it("retries 5xx, then gives up with the status and Gong's message", async () => {
    await admin.fault({ route: "GET /v2/crm/integrations", status: 500, count: 2 });
    await expect(client().listCrmIntegrations()).resolves.toBeDefined();
    await admin.fault({ route: "GET /v2/crm/integrations", status: 500, count: 10 });
    await expect(client().listCrmIntegrations()).rejects.toThrow(
      "Gong API GET /v2/crm/integrations failed with 500: injected by the sandbox (after 4 attempts)",
    );
  });

  it("enforces 3 requests per second with 429 and Retry-After; the client waits and gets through", async () => {
    await admin.settings({ rateLimitPerSecond: 3 });
    try {
      await new Promise((r) => setTimeout(r, 1100));
      const once = await Promise.allSettled(
        Array.from({ length: 4 }, () => client({ maxRetries: 0 }).listWorkspaces()),
      );
      const refused = once.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
      expect(refused).toHaveLength(1);
      expect(refused[0].reason.status).toBe(429);
      expect(refused[0].reason.message).toMatch(/too many requests per second/);
      await new Promise((r) => setTimeout(r, 1100));
      const all = await Promise.all(Array.from({ length: 4 }, () => client().listWorkspaces()));
      expect(all.every((ws) => ws.some((w) => w.id === WS))).toBe(true);
    } finally {
      await admin.settings({ rateLimitPerSecond: 1000 });
    }
  });

  it("fails fast with Gong's message when the daily cap is reached", async () => {
    await admin.settings({ dailyLimit: 0 });
    try {
      await admin.reset();
      const started = Date.now();
      await expect(client().listWorkspaces()).rejects.toThrow(
        /GET \/v2\/workspaces failed with 429: API request limit exceeded: the daily limit was reached \(the API asks to retry after \d+ s, longer than the 30 s this client waits\)/,
      );
      expect(Date.now() - started).toBeLessThan(1000);
      expect((await admin.requests()).map((r) => r.status)).toEqual([429]);
    } finally {
      await admin.settings({ dailyLimit: 10_000 });
    }
  });
});
