// The live checks `sophia secrets rotate` runs on a rotated credential: the Estuary capture (stand-in)
// and a Gong webhook receiver must accept the new value and refuse a wrong one; anything else fails the
// check (and the rotation is reverted). Also: reading the current slot's value from an exported state.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { currentCredential, ROTATION_CHECKS } from "../../cli/secrets/rotationChecks";
import { catalogSpecProvider as provider } from "../../providers/estuary/catalogSpec";
import { ESTUARY_SANDBOX } from "../../sandbox/estuary";
import { providerConfig, type TestSandbox, useContractSandbox } from "../helpers/sandbox";

const T = "sophia-ai/rotation";
let sb: TestSandbox;
let ingestUrl: string;

useContractSandbox(["estuary"], async (started) => {
  sb = started;
  await sb.admin("estuary").settings({ queuedPolls: 0 });
  await provider.configure!(
    providerConfig({
      "sophia-ai:estuaryApiUrl": `${sb.url("estuary")}${ESTUARY_SANDBOX.restPath}`,
      "sophia-ai:estuaryConfigEncryptionUrl": sb.url("estuary"),
      "sophia-ai:estuaryRefreshToken": ESTUARY_SANDBOX.refreshToken,
    }),
  );
  await provider.create!({
    catalogName: `${T}/events`,
    specType: "collection",
    spec: { key: ["/data/id"], schema: { type: "object" } },
  } as any);
  await provider.create!({
    catalogName: `${T}/gong-webhook`,
    specType: "capture",
    spec: {
      endpoint: {
        connector: { image: "ghcr.io/estuary/source-http-ingest:dev", config: { paths: ["/calls"] } },
      },
      bindings: [{ resource: { path: "/calls", stream: "/calls" }, target: `${T}/events` }],
    },
    secretSpec: { endpoint: { connector: { config: { require_auth_token: "token-after-rotation" } } } },
  } as any);
  ingestUrl = `${sb.url("estuary")}/ingest/${encodeURIComponent(`${T}/gong-webhook`)}/calls`;
});

const ctx = (values: Record<string, string>, current: string) => ({
  get: (k: string) => values[k] ?? "",
  current,
  slot: "a" as const,
  resources: [],
  signal: AbortSignal.timeout(5000),
});

describe("the Estuary capture token check", () => {
  it("passes when the capture accepts the new token and refuses a wrong one", async () => {
    const detail = await ROTATION_CHECKS.estuary!(
      ctx({ estuaryIngestUrl: ingestUrl }, "token-after-rotation"),
    );
    expect(detail).toBe("the Estuary capture accepts the new credential (200) and refuses a wrong one (401)");
    // the probe document went through the real ingest path
    expect((await sb.admin("estuary").objects("ingested")).map((d) => d.doc.type)).toEqual([
      "sophia.rotation-check",
    ]);
  });

  it("fails when the capture still has another token, naming what happened", async () => {
    await expect(
      ROTATION_CHECKS.estuary!(ctx({ estuaryIngestUrl: ingestUrl }, "token-the-capture-never-got")),
    ).rejects.toThrow("the Estuary capture refused the new credential (401); the previous one stays current");
  });

  it("cannot check without the ingest URL, and says which key is missing", async () => {
    await expect(ROTATION_CHECKS.estuary!(ctx({}, "x"))).rejects.toThrow(/estuaryIngestUrl is not set/);
  });
});

describe("the Gong webhook secret check", () => {
  let server: http.Server;
  let url: string;
  let acceptAnything = false;
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const key = new URL(req.url ?? "/", "http://x").searchParams.get("key") ?? "";
      seen.push(String(req.headers["x-sophia-check"]));
      res.writeHead(acceptAnything || key === "new-gong-secret" ? 204 : 403).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/gong`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("passes when the receiver takes the new key and refuses a wrong one", async () => {
    await expect(ROTATION_CHECKS.gong!(ctx({ gongWebhookUrl: url }, "new-gong-secret"))).resolves.toBe(
      "the Gong webhook receiver accepts the new credential (204) and refuses a wrong one (403)",
    );
    expect(seen).toEqual(["rotation", "rotation"]);
  });

  it("fails when the receiver has not learned the new key", async () => {
    await expect(ROTATION_CHECKS.gong!(ctx({ gongWebhookUrl: url }, "stale"))).rejects.toThrow(
      /refused the new credential \(403\)/,
    );
  });

  it("fails when the receiver accepts any key (nothing is proven)", async () => {
    acceptAnything = true;
    try {
      await expect(ROTATION_CHECKS.gong!(ctx({ gongWebhookUrl: url }, "new-gong-secret"))).rejects.toThrow(
        /accepted a wrong credential \(204\)/,
      );
    } finally {
      acceptAnything = false;
    }
  });

  it("reports an unreachable receiver with the key to check", async () => {
    await expect(
      ROTATION_CHECKS.gong!(ctx({ gongWebhookUrl: "http://127.0.0.1:1/hook" }, "new-gong-secret")),
    ).rejects.toThrow(/unreachable.*check gongWebhookUrl/);
  });
});

describe("the current credential in an exported state", () => {
  const slot = (service: string, s: string, result: unknown) => ({
    type: "random:index/randomPassword:RandomPassword",
    inputs: { keepers: { service, slot: s, generation: "1" } },
    outputs: { result },
  });
  const envelope = (v: string) => ({
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    plaintext: JSON.stringify(v),
  });
  const deployment = {
    resources: [
      slot("estuary", "a", envelope("value-a")),
      slot("estuary", "b", envelope("value-b")),
      slot("gong", "a", "gong-a"),
    ],
  };

  it("is the slot the epoch makes current: a on odd epochs, b on even ones", () => {
    expect(currentCredential(deployment, "estuary", 3)).toBe("value-a");
    expect(currentCredential(deployment, "estuary", 4)).toBe("value-b");
    expect(currentCredential(deployment, "gong", 1)).toBe("gong-a");
  });

  it("is an error when the stack has no such slot", () => {
    expect(() => currentCredential(deployment, "gong", 2)).toThrow(
      "the stack holds no current (b) gong credential: deploy it first",
    );
  });
});
