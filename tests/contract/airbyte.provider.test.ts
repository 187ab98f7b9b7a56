// Contract tests: every method of the Airbyte dynamic providers against the Airbyte stand-in, including
// the failures a real API produces (expired tokens, 429 bursts, 5xx, dropped connections, drift and
// out-of-band deletes). The stand-in validates every request and response against the vendor's
// OpenAPI description; the last test asserts it recorded no violation.
import { actorProvider } from "../../providers/airbyte/actor";
import { AirbyteClient } from "../../providers/airbyte/client";
import { connectionProvider } from "../../providers/airbyte/connection";
import { UNKNOWN } from "../../providers/dynamic";
import { isApiError } from "../../providers/http/client";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { type Admin, providerConfig, type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
let admin: Admin;
const source = actorProvider("source");
const destination = actorProvider("destination");
const WS = AIRBYTE_SANDBOX.workspaceId;

const gongInputs = (name = "contract-gong") => ({
  name,
  workspaceId: WS,
  connectorType: "gong",
  configuration: { start_date: "2024-01-01T00:00:00Z" },
  secretConfiguration: { access_key: "gong-key-123", access_key_secret: "gong-secret-456" },
});
const pgInputs = (name = "contract-pg") => ({
  name,
  workspaceId: WS,
  connectorType: "postgres",
  configuration: { host: "db.internal", port: 5432, database: "sophia", schema: "gong", username: "airbyte" },
  secretConfiguration: { password: "pg-password-789" },
});

useContractSandbox(["airbyte"], async (started) => {
  sb = started;
  admin = sb.admin("airbyte");
  const cfg = providerConfig({
    "sophia-ai:airbyteApiUrl": sb.url("airbyte"),
    "sophia-ai:airbyteClientId": AIRBYTE_SANDBOX.clientId,
    "sophia-ai:airbyteClientSecret": AIRBYTE_SANDBOX.clientSecret,
  });
  await source.configure!(cfg);
  await destination.configure!(cfg);
  await connectionProvider.configure!(cfg);
});

describe("check", () => {
  it("names each invalid property and calls no API", async () => {
    await admin.reset();
    const res = await source.check!(
      {} as any,
      {
        name: "",
        workspaceId: "not-a-uuid",
        connectorType: "Gong Source",
        configuration: "oops",
      } as any,
    );
    const props = res.failures!.map((f) => f.property).sort();
    expect(props).toEqual(["configuration", "connectorType", "name", "workspaceId"]);
    expect(res.failures!.find((f) => f.property === "workspaceId")!.reason).toMatch(/UUID/);
    expect(await admin.requests()).toEqual([]);
  });

  it("accepts unknown values during preview", async () => {
    const res = await connectionProvider.check!(
      {} as any,
      {
        name: "c",
        workspaceId: WS,
        sourceId: UNKNOWN,
        destinationId: UNKNOWN,
        streams: [{ name: "calls", syncMode: "incremental_append" }],
        schedule: { scheduleType: "cron", cronExpression: "0 0 */6 * * ?" },
      } as any,
    );
    expect(res.failures).toEqual([]);
  });

  it("rejects a bad cron expression, an unknown sync mode and duplicate streams", async () => {
    await admin.reset();
    const res = await connectionProvider.check!(
      {} as any,
      {
        name: "c",
        workspaceId: WS,
        sourceId: WS,
        destinationId: WS,
        streams: [{ name: "calls", syncMode: "sometimes" }, { name: "calls" }],
        schedule: { scheduleType: "cron", cronExpression: "0 */6 * * *" },
        status: "paused",
      } as any,
    );
    const byProp = Object.fromEntries(res.failures!.map((f) => [f.property, f.reason]));
    expect(byProp.schedule).toMatch(/expected 6 or 7 fields/);
    expect(res.failures!.filter((f) => f.property === "streams").map((f) => f.reason)).toEqual([
      expect.stringMatching(/syncMode "sometimes" is not one of/),
      expect.stringMatching(/listed twice/),
    ]);
    expect(byProp.status).toMatch(/"paused" is not one of active, inactive/);
    expect(await admin.requests()).toEqual([]);
  });
});

describe("source and destination lifecycle", () => {
  it("creates, keeps secrets out of the compared configuration, and masks them in the API", async () => {
    const created = await source.create!(gongInputs());
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.outs!.configuration).toEqual({ start_date: "2024-01-01T00:00:00Z" });
    expect(created.outs!.secretConfiguration).toEqual(gongInputs().secretConfiguration);

    const stored = await admin.object("sources", created.id);
    expect(stored.configuration.access_key_secret).toBe("gong-secret-456");
    const apiView = await new AirbyteClient({
      apiUrl: sb.url("airbyte"),
      clientId: AIRBYTE_SANDBOX.clientId,
      clientSecret: AIRBYTE_SANDBOX.clientSecret,
    }).get("sources", created.id);
    expect(apiView!.configuration.access_key_secret).toBe("**********");

    const read = await source.read!(created.id, created.outs!);
    expect(read.id).toBe(created.id);
    expect((await source.diff!(created.id, read.props!, gongInputs() as any)).changes).toBe(false);
    await source.delete!(created.id, read.props!);
  });

  it("adopts an existing object of the same name and type instead of duplicating it", async () => {
    const first = await destination.create!(pgInputs("adopt-me"));
    await admin.edit("destinations", first.id, { configuration: { host: "elsewhere" } });
    const again = await destination.create!(pgInputs("adopt-me"));
    expect(again.id).toBe(first.id);
    expect(again.outs!.configuration!.host).toBe("db.internal"); // adopted and brought to the declared state
    const named = (await admin.objects("destinations")).filter((d) => d.name === "adopt-me");
    expect(named).toHaveLength(1);
    await destination.delete!(first.id, again.outs!);
  });

  it("shows out-of-band edits as drift and puts them right on update", async () => {
    const created = await destination.create!(pgInputs("drifty"));
    await admin.edit("destinations", created.id, { configuration: { port: 6543 } });
    const read = await destination.read!(created.id, created.outs!);
    expect(read.props!.configuration!.port).toBe(6543);
    const diff = await destination.diff!(created.id, read.props!, pgInputs("drifty") as any);
    expect(diff).toMatchObject({ changes: true, replaces: [] });

    const updated = await destination.update!(created.id, read.props!, pgInputs("drifty") as any);
    expect(updated.outs!.configuration!.port).toBe(5432);
    expect((await admin.object("destinations", created.id)).configuration.port).toBe(5432);
    // the secret survived the PATCH, which never re-sent it masked
    expect((await admin.object("destinations", created.id)).configuration.password).toBe("pg-password-789");
    await destination.delete!(created.id, updated.outs!);
  });

  it("replaces only for what the API cannot update", async () => {
    const olds = { ...pgInputs(), actorId: "x", definitionId: "d", createdAt: 1 } as any;
    expect(await destination.diff!("x", olds, { ...pgInputs(), name: "renamed" } as any)).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(
      await destination.diff!("x", olds, { ...pgInputs(), secretConfiguration: { password: "new" } } as any),
    ).toMatchObject({ changes: true, replaces: [] });
    expect(
      await destination.diff!("x", olds, { ...pgInputs(), connectorType: "redis" } as any),
    ).toMatchObject({
      changes: true,
      replaces: ["connectorType"],
      deleteBeforeReplace: true,
    });
    expect(
      (
        await destination.diff!("x", olds, {
          ...pgInputs(),
          workspaceId: "11111111-2222-3333-4444-555555555555",
        } as any)
      ).replaces,
    ).toEqual(["workspaceId"]);
  });

  it("reports an object deleted out of band as gone, and deleting it again succeeds", async () => {
    const created = await source.create!(gongInputs("vanishing"));
    await admin.remove("sources", created.id);
    const read = await source.read!(created.id, created.outs!);
    expect(read.id).toBe("");
    await expect(source.delete!(created.id, created.outs!)).resolves.toBeUndefined();
  });

  it("surfaces the API's own message when the API refuses a request", async () => {
    await expect(
      source.create!({ ...gongInputs("no-secret"), secretConfiguration: { access_key: "only-half" } }),
    ).rejects.toThrow(
      /Airbyte API POST \/sources failed with 400: configuration is missing required field\(s\): access_key_secret/,
    );
  });
});

describe("connection lifecycle", () => {
  it("creates, adopts, drifts, updates and deletes a connection", async () => {
    const src = await source.create!(gongInputs("conn-src"));
    const dst = await destination.create!(pgInputs("conn-dst"));
    const inputs = {
      name: "conn",
      workspaceId: WS,
      sourceId: src.id,
      destinationId: dst.id,
      streams: ["calls", "users", "deals", "emails"].map((name) => ({
        name,
        syncMode: "incremental_append",
      })),
      schedule: { scheduleType: "cron" as const, cronExpression: "0 0 */6 * * ?" },
      status: "active" as const,
    };
    const created = await connectionProvider.create!(inputs);
    expect(created.outs!.schedule).toEqual(inputs.schedule);
    expect((await connectionProvider.create!(inputs)).id).toBe(created.id);

    await admin.edit("connections", created.id, {
      schedule: { scheduleType: "manual", cronExpression: null },
    });
    const read = await connectionProvider.read!(created.id, created.outs!);
    expect(read.props!.schedule).toEqual({ scheduleType: "manual" });
    expect((await connectionProvider.diff!(created.id, read.props!, inputs)).changes).toBe(true);
    const updated = await connectionProvider.update!(created.id, read.props!, inputs);
    expect(updated.outs!.schedule).toEqual(inputs.schedule);

    expect(
      (await connectionProvider.diff!(created.id, updated.outs!, { ...inputs, sourceId: dst.id })).replaces,
    ).toEqual(["sourceId"]);

    await connectionProvider.delete!(created.id, updated.outs!);
    expect((await connectionProvider.read!(created.id, updated.outs!)).id).toBe("");
    await source.delete!(src.id, src.outs!);
    await destination.delete!(dst.id, dst.outs!);
  });
});

describe("transport", () => {
  const client = () =>
    new AirbyteClient(
      {
        apiUrl: sb.url("airbyte"),
        clientId: AIRBYTE_SANDBOX.clientId,
        clientSecret: AIRBYTE_SANDBOX.clientSecret,
      },
      { baseDelayMs: 5, maxRetries: 3 },
    );

  it("refreshes an expired token once and carries on", async () => {
    const c = client();
    await c.listWorkspaces();
    await admin.reset();
    await admin.expireTokens();
    const ws = await c.listWorkspaces();
    expect(ws.map((w) => w.workspaceId)).toContain(WS);
    const routes = (await admin.requests()).map((r) => `${r.route} ${r.status}`);
    expect(routes).toEqual(["GET /workspaces 401", "POST /applications/token 200", "GET /workspaces 200"]);
  });

  it("asks for fresh credentials only right after a 401, not on later retries", async () => {
    const c = client();
    await c.listWorkspaces();
    await admin.expireTokens();
    await admin.reset();
    await admin.fault({ route: "GET /workspaces", status: 503, skip: 1, count: 1 });
    await c.listWorkspaces();
    const routes = (await admin.requests()).map((r) => `${r.route} ${r.status}`);
    expect(routes).toEqual([
      "GET /workspaces 401",
      "POST /applications/token 200",
      "GET /workspaces 503",
      "GET /workspaces 200",
    ]);
  });

  it("reuses a live token and gets a new one when it expires mid-run", async () => {
    await admin.settings({ tokenLifetimeSeconds: 1 });
    try {
      const c = client();
      await admin.expireTokens();
      await admin.reset();
      await c.listWorkspaces();
      await c.listWorkspaces(); // within the token's life: no new token
      expect((await admin.counts())["POST /applications/token"]).toBe(1);
      await new Promise((r) => setTimeout(r, 1100));
      await c.listWorkspaces();
      const counts = await admin.counts();
      expect(counts["POST /applications/token"]).toBe(2);
      // renewed before it expired, or refreshed once after a 401: either way no request failed for good
      expect(counts["GET /workspaces"]).toBeGreaterThanOrEqual(3);
    } finally {
      await admin.settings({ tokenLifetimeSeconds: 180 });
    }
  });

  it("shares one token between concurrent requests", async () => {
    await admin.expireTokens();
    const c = new AirbyteClient({
      apiUrl: sb.url("airbyte"),
      clientId: AIRBYTE_SANDBOX.clientId,
      clientSecret: AIRBYTE_SANDBOX.clientSecret,
    });
    // a fresh process-wide cache entry: drop what earlier tests cached for this URL
    (globalThis as any).__sophiaTokenCache?.clear();
    await admin.reset();
    await Promise.all([
      c.listWorkspaces(),
      c.list("sources", WS),
      c.list("destinations", WS),
      c.list("connections", WS),
    ]);
    expect((await admin.counts())["POST /applications/token"]).toBe(1);
  });

  it("waits out a burst of 429s as long as Retry-After asks", async () => {
    const c = client();
    await c.listWorkspaces();
    await admin.reset();
    await admin.fault({ route: "GET /workspaces", status: 429, retryAfter: 1, count: 2 });
    await c.listWorkspaces();
    const log = (await admin.requests()).filter((r) => r.route === "GET /workspaces");
    expect(log.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(log[1].at - log[0].at).toBeGreaterThanOrEqual(950);
    expect(log[2].at - log[1].at).toBeGreaterThanOrEqual(950);
  });

  it("retries 5xx and network errors, then gives up with the status and the API's message", async () => {
    const c = client();
    await admin.fault({ route: "GET /workspaces", status: 503, count: 2 });
    await admin.fault({ route: "GET /workspaces", drop: true, count: 1 });
    await expect(c.listWorkspaces()).resolves.toBeDefined();
    await admin.clearFaults();
    await admin.fault({ route: "GET /workspaces", status: 500, count: 10 });
    const err = await c.listWorkspaces().catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.status).toBe(500);
    expect(err.message).toMatch(
      /GET \/workspaces failed with 500: injected by the sandbox \(after 4 attempts\)/,
    );
  });

  it("does not duplicate an object when the connection drops after the API created it", async () => {
    await admin.fault({ route: "POST /sources", dropAfter: true, count: 1 });
    const created = await source.create!(gongInputs("dropped-once"));
    const named = (await admin.objects("sources")).filter((s) => s.name === "dropped-once");
    expect(named.map((s) => s.sourceId)).toEqual([created.id]);
    await source.delete!(created.id, created.outs!);
  });

  it("treats 404 as gone on read and delete", async () => {
    const c = client();
    expect(await c.get("sources", "00000000-0000-0000-0000-000000000000")).toBeUndefined();
    await expect(c.remove("sources", "00000000-0000-0000-0000-000000000000")).resolves.toBeUndefined();
  });
});
