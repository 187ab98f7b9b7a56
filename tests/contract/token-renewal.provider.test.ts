// Token renewal under short-lived tokens and a slow network: with a token lifetime of 1 s and 700 ms
// of latency on every route, a cached token dies between two requests and a fresh one can die in flight
// too. The providers must carry on as long as the stand-in issues tokens that work, against the Airbyte
// and Estuary stand-ins (both use short-lived access tokens), and fail when fresh tokens keep being refused. (Tokens are
// whole seconds: the description types expires_in as an integer.)
import { actorProvider } from "../../providers/airbyte/actor";
import { AirbyteClient } from "../../providers/airbyte/client";
import { catalogSpecProvider } from "../../providers/estuary/catalogSpec";
import { isApiError } from "../../providers/http/client";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { ESTUARY_SANDBOX } from "../../sandbox/estuary";
import { type Admin, providerConfig, type TestSandbox, useContractSandbox } from "../helpers/sandbox";

jest.setTimeout(60_000);

let sb: TestSandbox;
const destination = actorProvider("destination");
const WS = AIRBYTE_SANDBOX.workspaceId;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

useContractSandbox(["airbyte", "estuary"], async (started) => {
  sb = started;
  // one stack config for both: configure() keeps the last one it was given, process-wide
  const cfg = providerConfig({
    "sophia-ai:airbyteApiUrl": sb.url("airbyte"),
    "sophia-ai:airbyteClientId": AIRBYTE_SANDBOX.clientId,
    "sophia-ai:airbyteClientSecret": AIRBYTE_SANDBOX.clientSecret,
    "sophia-ai:estuaryApiUrl": `${sb.url("estuary")}${ESTUARY_SANDBOX.restPath}`,
    "sophia-ai:estuaryRefreshToken": ESTUARY_SANDBOX.refreshToken,
    "sophia-ai:estuaryConfigEncryptionUrl": sb.url("estuary"),
  });
  await destination.configure!(cfg);
  await catalogSpecProvider.configure!(cfg);
  await sb.admin("estuary").settings({ queuedPolls: 0 });
});

/** Short tokens and latency on every route for the duration of `body`. */
async function slowAndShortLived(admin: Admin, body: () => Promise<void>): Promise<void> {
  await admin.settings({ tokenLifetimeSeconds: 1 });
  await admin.expireTokens();
  await admin.fault({ route: "*", delayMs: 700, count: 10_000 });
  try {
    await body();
  } finally {
    await admin.clearFaults();
    await admin.settings({ tokenLifetimeSeconds: 180 });
  }
}

const airbyte = () =>
  new AirbyteClient(
    {
      apiUrl: sb.url("airbyte"),
      clientId: AIRBYTE_SANDBOX.clientId,
      clientSecret: AIRBYTE_SANDBOX.clientSecret,
    },
    { baseDelayMs: 5 },
  );

describe("Airbyte", () => {
  it("creates, reads, updates and deletes a destination while tokens die between requests", async () => {
    const admin = sb.admin("airbyte");
    await slowAndShortLived(admin, async () => {
      const inputs = {
        name: "renewal-pg",
        workspaceId: WS,
        connectorType: "postgres",
        configuration: { host: "db.internal", port: 5432, database: "sophia", username: "airbyte" },
      };
      const created = await destination.create!(inputs);
      await sleep(1600); // the cached token is dead by now
      expect((await destination.read!(created.id, created.outs!)).id).toBe(created.id);
      await sleep(1600);
      const updated = await destination.update!(created.id, created.outs!, {
        ...inputs,
        configuration: { ...inputs.configuration, host: "db2.internal" },
      });
      expect(updated.outs!.configuration).toMatchObject({ host: "db2.internal" });
      await destination.delete!(created.id, updated.outs!);
    });
    expect(await admin.objects("destinations")).toEqual([]);
  });

  it("gets another fresh token when a fresh one dies in flight", async () => {
    const admin = sb.admin("airbyte");
    const c = airbyte();
    await c.listWorkspaces();
    await admin.settings({ tokenLifetimeSeconds: 1 });
    await admin.expireTokens();
    // the stale token is refused at once; the request carrying the first fresh one arrives after it died
    await admin.fault({ route: "GET /workspaces", delayMs: 1100, skip: 1, count: 1 });
    await admin.reset();
    try {
      expect((await c.listWorkspaces()).map((w) => w.workspaceId)).toContain(WS);
      const routes = (await admin.requests()).map((r) => `${r.route} ${r.status}`);
      expect(routes).toEqual([
        "GET /workspaces 401",
        "POST /applications/token 200",
        "GET /workspaces 401",
        "POST /applications/token 200",
        "GET /workspaces 200",
      ]);
    } finally {
      await admin.settings({ tokenLifetimeSeconds: 180 });
    }
  });

  it("fails when every fresh token is refused, after a bounded number of them", async () => {
    const admin = sb.admin("airbyte");
    const c = airbyte();
    await c.listWorkspaces();
    await admin.settings({ tokenLifetimeSeconds: 1 });
    await admin.expireTokens();
    // every token dies before the request that carries it arrives
    await admin.fault({ route: "GET /workspaces", delayMs: 1100, count: 100 });
    await admin.reset();
    try {
      const err = await c.listWorkspaces().catch((e) => e);
      expect(isApiError(err) && err.status).toBe(401);
      expect((await admin.counts())["POST /applications/token"]).toBe(3);
    } finally {
      await admin.clearFaults();
      await admin.settings({ tokenLifetimeSeconds: 180 });
    }
  });
});

describe("Estuary", () => {
  it("publishes, reads and deletes a collection while tokens die between requests", async () => {
    const admin = sb.admin("estuary");
    const inputs = {
      catalogName: "sophia-ai/contract/renewal",
      specType: "collection" as const,
      spec: {
        key: ["/id"],
        schema: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
      },
    };
    await slowAndShortLived(admin, async () => {
      const created = await catalogSpecProvider.create!(inputs);
      await sleep(1600);
      expect((await catalogSpecProvider.read!(created.id, created.outs!)).id).toBe(inputs.catalogName);
      await sleep(1600);
      await catalogSpecProvider.delete!(created.id, created.outs!);
    });
    expect((await admin.objects("live_specs")).map((l) => l.catalog_name)).not.toContain(inputs.catalogName);
  });
});
