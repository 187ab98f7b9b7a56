// Contract tests: the Estuary catalog-spec provider against the Estuary stand-in (drafts, publications and
// live specs over PostgREST), with the failures the real control plane produces: build failures, a spec
// changed elsewhere (expectPubIdMismatch), expired access tokens, 429s, 5xx, dropped connections, drift
// and out-of-band deletes. The stand-in checks every exchange against its description; afterAll asserts
// it recorded no violation.
import { UNKNOWN } from "../../providers/dynamic";
import { catalogSpecProvider as provider } from "../../providers/estuary/catalogSpec";
import {
  ESTUARY_DEFAULT_API_URL,
  EstuaryClient,
  estuarySettings,
  jwtSecondsLeft,
  NO_PUB_ID,
  parseRefreshToken,
} from "../../providers/estuary/client";
import { isApiError } from "../../providers/http/client";
import { ESTUARY_KMS_KEY_ID, ESTUARY_SANDBOX } from "../../sandbox/estuary";
import { sopsDecrypt, sopsEncrypt } from "../../sandbox/sops";
import { type Admin, providerConfig, type TestSandbox, useContractSandbox } from "../helpers/sandbox";

jest.setTimeout(20_000);

let sb: TestSandbox;
let admin: Admin;
let apiUrl: string;
const T = "sophia-ai/contract";

const collection = (name: string) => ({
  catalogName: `${T}/${name}`,
  specType: "collection" as const,
  spec: {
    key: ["/id"],
    schema: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
  },
});
const capture = (name: string, target: string, token: string) => ({
  catalogName: `${T}/${name}`,
  specType: "capture" as const,
  spec: {
    endpoint: {
      connector: { image: "ghcr.io/estuary/source-http-ingest:dev", config: { paths: ["/events"] } },
    },
    bindings: [{ resource: { path: "/events", stream: "/events" }, target: `${T}/${target}` }],
  },
  secretSpec: { endpoint: { connector: { config: { require_auth_token: token } } } },
});

const client = (extra: Record<string, number> = {}) =>
  new EstuaryClient(
    { apiUrl, refreshToken: ESTUARY_SANDBOX.refreshToken, configEncryptionUrl: sb.url("estuary") },
    { baseDelayMs: 5, maxRetries: 3, pollIntervalMs: 20, ...extra },
  );
const live = async (name: string) =>
  (await admin.objects("live_specs")).find((l) => l.catalog_name === `${T}/${name}`);

useContractSandbox(["estuary"], async (started) => {
  sb = started;
  admin = sb.admin("estuary");
  apiUrl = `${sb.url("estuary")}${ESTUARY_SANDBOX.restPath}`;
  await admin.settings({ queuedPolls: 0 });
  await provider.configure!(
    providerConfig({
      "sophia-ai:estuaryApiUrl": apiUrl,
      "sophia-ai:estuaryConfigEncryptionUrl": sb.url("estuary"),
      "sophia-ai:estuaryRefreshToken": ESTUARY_SANDBOX.refreshToken,
    }),
  );
});

describe("check", () => {
  it("names each invalid property and calls no API", async () => {
    await admin.reset();
    const res = await provider.check!(
      {} as any,
      { catalogName: "no-prefix", specType: "source", spec: "oops", secretSpec: 3 } as any,
    );
    expect(res.failures!.map((f) => f.property).sort()).toEqual([
      "catalogName",
      "secretSpec",
      "spec",
      "specType",
    ]);
    const missing = await provider.check!(
      {} as any,
      { catalogName: `${T}/m`, specType: "materialization", spec: { bindings: [] } } as any,
    );
    expect(missing.failures).toEqual([{ property: "spec", reason: "a materialization spec needs endpoint" }]);
    expect(await admin.requests()).toEqual([]);
  });

  it("refuses a credential in the plain spec", async () => {
    const c = capture("c", "events", "t");
    const res = await provider.check!(
      {} as any,
      {
        ...c,
        spec: { ...c.spec, endpoint: { connector: { image: "i", config: { nested: { password: "pw" } } } } },
      } as any,
    );
    expect(res.failures).toEqual([
      {
        property: "spec",
        reason:
          "spec.endpoint.connector.config.nested.password looks like a credential: set it in secretSpec",
      },
    ]);
  });

  it("refuses camelCase, snake_case and in-array credentials, and only those", async () => {
    await admin.reset();
    const c = capture("c", "events", "t");
    const config = {
      address: "db.example.com:5432",
      user: "flow",
      passes: "3",
      bypass: "cache",
      compass: "north",
      publicKey: "ssh-ed25519 AAAA",
      password: "pw",
      db_pass: "pw",
      smtpPass: "pw",
      passphrase: "pw",
      apiKey: "k",
      api_key: "k",
      client_secret: "s",
      refresh_token: "t",
      private_key: "k",
      credentials_json: "{}",
      credentials: { auth_type: "jwt", user: "flow", privateKey: "-----BEGIN PRIVATE KEY-----" },
      networkTunnel: { sshForwarding: { sshEndpoint: "ssh://bastion:22", privateKey: "-----BEGIN" } },
      hosts: [
        { name: "a", port: "22" },
        { name: "b", password: "pw" },
      ],
    };
    const res = await provider.check!(
      {} as any,
      { ...c, spec: { ...c.spec, endpoint: { connector: { image: "i", config } } } } as any,
    );
    const at = "spec.endpoint.connector.config";
    expect(res.failures!.every((f) => f.property === "spec")).toBe(true);
    expect(res.failures!.map((f) => f.reason)).toEqual(
      [
        "password",
        "db_pass",
        "smtpPass",
        "passphrase",
        "apiKey",
        "api_key",
        "client_secret",
        "refresh_token",
        "private_key",
        "credentials_json",
        "credentials.privateKey",
        "networkTunnel.sshForwarding.privateKey",
        "hosts[1].password",
      ].map((p) => `${at}.${p} looks like a credential: set it in secretSpec`),
    );
    expect(await admin.requests()).toEqual([]);
  });

  it("keeps secretSpec to endpoint.connector.config, the one part Estuary encrypts", async () => {
    const res = await provider.check!(
      {} as any,
      {
        ...capture("stray", "events", "t"),
        secretSpec: {
          endpoint: { connector: { config: { require_auth_token: "t" }, image: "x" } },
          bindings: [{ resource: { token: "t" } }],
        },
      } as any,
    );
    expect(res.failures).toEqual([
      {
        property: "secretSpec",
        reason:
          "secretSpec may hold only endpoint.connector.config values (the ones Estuary encrypts); got secretSpec.endpoint.connector.image, secretSpec.bindings",
      },
    ]);
    expect((await provider.check!({} as any, capture("ok", "events", "t") as any)).failures).toEqual([]);
  });

  it("refuses keys sops reserves, secret keys the service cannot place, and credentials where Estuary encrypts nothing", async () => {
    const res = await provider.check!(
      {} as any,
      {
        catalogName: `${T}/odd`,
        specType: "materialization",
        spec: {
          endpoint: { connector: { image: "i", config: { host: "h", password_sops: "ENC[...]", sops: {} } } },
          bindings: [],
          derive: { using: { connector: { image: "d", config: { apiKey: "plain" } } } },
        },
        secretSpec: { endpoint: { connector: { config: { hosts: { "0": "pw" } } } } },
      } as any,
    );
    expect(res.failures!.map((f) => f.reason)).toEqual([
      "spec.endpoint.connector.config.password_sops: sops and *_sops keys are reserved for encrypted values",
      "spec.endpoint.connector.config.sops: sops and *_sops keys are reserved for encrypted values",
      "spec.derive.using.connector.config.apiKey looks like a credential: Estuary encrypts only endpoint.connector.config, so keep credentials out of this config",
      'secretSpec.endpoint.connector.config.hosts.0: a secret key of digits or "-" cannot be encrypted (the service reads it as an array position)',
    ]);
  });

  it("lets unknown values through secretSpec's shape check, and names a non-object config", async () => {
    const base = capture("shape", "events", "t");
    const ok = await provider.check!(
      {} as any,
      {
        ...base,
        secretSpec: { endpoint: { connector: UNKNOWN } },
      } as any,
    );
    expect(ok.failures).toEqual([]);
    const bad = await provider.check!(
      {} as any,
      {
        ...base,
        secretSpec: { endpoint: { connector: { config: ["not", "an", "object"] } } },
      } as any,
    );
    expect(bad.failures!.map((f) => f.reason)).toEqual([
      "secretSpec may hold only endpoint.connector.config values (the ones Estuary encrypts); got secretSpec.endpoint.connector.config",
    ]);
  });

  it("accepts unknown values during preview", async () => {
    const res = await provider.check!(
      {} as any,
      { catalogName: `${T}/x`, specType: UNKNOWN, spec: UNKNOWN, secretSpec: UNKNOWN } as any,
    );
    expect(res.failures).toEqual([]);
  });
});

describe("diff", () => {
  const olds = { ...collection("d"), lastPubId: "01:02:03:04:05:06:07:08", liveSpecId: "x" } as any;
  it("updates spec changes in place and replaces a renamed or retyped spec", async () => {
    expect(
      await provider.diff!("x", olds, { ...collection("d"), spec: { key: ["/other"] } } as any),
    ).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!("x", olds, collection("d") as any)).toMatchObject({ changes: false });
    expect(await provider.diff!("x", olds, collection("e") as any)).toMatchObject({
      replaces: ["catalogName"],
      deleteBeforeReplace: false,
    });
    expect(
      await provider.diff!("x", olds, { ...collection("d"), specType: "materialization" } as any),
    ).toMatchObject({ replaces: ["specType"], deleteBeforeReplace: true });
  });
});

describe("lifecycle", () => {
  it("publishes through a draft, keeps secrets out of the compared spec, and deletes by publishing null", async () => {
    await admin.reset();
    const coll = await provider.create!(collection("events"));
    expect(coll.id).toBe(`${T}/events`);
    expect(coll.outs!.lastPubId).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){7}$/);
    const routes = (await admin.requests()).map((r) => r.route);
    expect(routes).toEqual(
      expect.arrayContaining([
        "POST /rest/v1/drafts",
        "POST /rest/v1/draft_specs",
        "POST /rest/v1/publications",
        "GET /rest/v1/publications",
      ]),
    );
    expect(await admin.objects("drafts")).toEqual([]); // the published draft is gone

    const cap = await provider.create!(capture("webhook", "events", "token-one"));
    expect(cap.outs!.spec).toEqual(capture("webhook", "events", "x").spec); // no token in the compared spec
    expect(cap.outs!.secretSpec).toEqual(capture("webhook", "events", "token-one").secretSpec);
    // Estuary stores only the sops-encrypted token, as its config-encryption service returned it
    const stored = (await live("webhook")).spec.endpoint.connector.config;
    expect(stored.require_auth_token).toBeUndefined();
    expect(stored.require_auth_token_sops).toMatch(
      /^ENC\[AES256_GCM,data:[^,]+,iv:[^,]+,tag:[^,]+,type:str\]$/,
    );
    expect(stored.sops).toMatchObject({
      encrypted_suffix: "_sops",
      gcp_kms: [{ resource_id: ESTUARY_KMS_KEY_ID }],
    });
    expect(JSON.stringify(await admin.objects("live_specs"))).not.toContain("token-one");
    expect((await admin.requests()).map((r) => r.route)).toContain("POST /v1/encrypt-config");

    const read = await provider.read!(cap.id, cap.outs!);
    expect(read.id).toBe(cap.id);
    // an import (no secretSpec in the state yet) keeps the live token out of the plain spec too
    const imported = await provider.read!(cap.id, {} as any);
    expect(JSON.stringify(imported.props)).not.toContain("token-one");
    expect(imported.props!.spec).toEqual(cap.outs!.spec);
    expect(
      (await provider.diff!(cap.id, read.props!, capture("webhook", "events", "token-one"))).changes,
    ).toBe(false);

    // a collection still captured into cannot go first
    await expect(provider.delete!(coll.id, coll.outs!)).rejects.toThrow(
      /ended with buildFailed: flow:\/\/collection\/sophia-ai\/contract\/events: collection .* is still used by sophia-ai\/contract\/webhook/,
    );
    await provider.delete!(cap.id, read.props!);
    await provider.delete!(coll.id, coll.outs!);
    expect((await provider.read!(cap.id, cap.outs!)).id).toBe("");
    expect(await admin.objects("live_specs")).toEqual([]);
    expect(await admin.objects("drafts")).toEqual([]);
  });

  it("keeps tunnel keys, key-pair keys and credentials in arrays out of an imported spec", async () => {
    const coll = await provider.create!(collection("tunnelled-events"));
    const base = capture("tunnelled", "tunnelled-events", "unused").spec;
    const config = {
      paths: ["/events"],
      networkTunnel: { sshForwarding: { sshEndpoint: "ssh://bastion:22", privateKey: "PRIVATE-SSH-KEY" } },
      credentials: { auth_type: "jwt", user: "flow", privateKey: "PRIVATE-PAIR-KEY" },
      accounts: [{ name: "a", credentials_json: "PRIVATE-JSON" }, { name: "b" }],
    };
    // published elsewhere (the console, flowctl), then imported: no secretSpec says where secrets are
    await client().publish(
      [
        {
          catalog_name: `${T}/tunnelled`,
          spec_type: "capture",
          spec: { ...base, endpoint: { connector: { ...base.endpoint.connector, config } } },
          expect_pub_id: NO_PUB_ID,
        },
      ],
      { detail: "out of band" },
    );
    const imported = await provider.read!(`${T}/tunnelled`, {} as any);
    expect(JSON.stringify(imported.props)).not.toContain("PRIVATE-");
    expect(imported.props!.spec.endpoint).toEqual({
      connector: {
        image: base.endpoint.connector.image,
        config: {
          paths: ["/events"],
          networkTunnel: { sshForwarding: { sshEndpoint: "ssh://bastion:22" } },
          credentials: { auth_type: "jwt", user: "flow" },
          accounts: [{ name: "a" }, { name: "b" }],
        },
      },
    });
    await provider.delete!(`${T}/tunnelled`, imported.props!);
    await provider.delete!(coll.id, coll.outs!);
  });

  it("adopts a live spec of the same name, publishing over its last_pub_id", async () => {
    const first = await provider.create!(collection("adopt-me"));
    const again = await provider.create!({
      ...collection("adopt-me"),
      spec: { ...collection("adopt-me").spec, key: ["/id", "/type"] },
    });
    expect(again.id).toBe(first.id);
    expect(again.outs!.liveSpecId).toBe(first.outs!.liveSpecId);
    expect(again.outs!.lastPubId).not.toBe(first.outs!.lastPubId);
    const named = (await admin.objects("live_specs")).filter((l) => l.catalog_name === `${T}/adopt-me`);
    expect(named.map((l) => l.spec.key)).toEqual([["/id", "/type"]]);
    await provider.delete!(first.id, again.outs!);
  });

  it("shows an out-of-band edit as drift and puts it right on update", async () => {
    const created = await provider.create!(collection("drifty"));
    await admin.edit("live_specs", created.outs!.liveSpecId, { spec: { key: ["/changed"] } });
    const read = await provider.read!(created.id, created.outs!);
    expect(read.props!.spec.key).toEqual(["/changed"]);
    expect(await provider.diff!(created.id, read.props!, collection("drifty"))).toMatchObject({
      changes: true,
      replaces: [],
    });
    const updated = await provider.update!(created.id, read.props!, collection("drifty"));
    expect(updated.outs!.spec.key).toEqual(["/id"]);
    expect((await live("drifty")).spec.key).toEqual(["/id"]);
    await provider.delete!(created.id, updated.outs!);
  });

  it("reports a change published elsewhere (expectPubIdMismatch) instead of overwriting it", async () => {
    const created = await provider.create!(collection("contended"));
    const other = client();
    const theirs = { ...collection("contended").spec, key: ["/theirs"] };
    await other.publish(
      [
        {
          catalog_name: `${T}/contended`,
          spec_type: "collection",
          spec: theirs,
          expect_pub_id: created.outs!.lastPubId,
        },
      ],
      { detail: "someone else" },
    );
    const ours = { ...collection("contended"), spec: { ...theirs, key: ["/ours"] } };
    const err = await provider.update!(created.id, created.outs!, ours).catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.message).toMatch(
      /ended with expectPubIdMismatch \(.*pulumi refresh.*\): flow:\/\/collection\//,
    );
    expect((await live("contended")).spec.key).toEqual(["/theirs"]);
    expect(await admin.objects("drafts")).toEqual([]); // the failed draft was cleaned up
    // after a refresh the update goes through
    const read = await provider.read!(created.id, created.outs!);
    const updated = await provider.update!(created.id, read.props!, ours);
    expect(updated.outs!.spec.key).toEqual(["/ours"]);
    await provider.delete!(created.id, updated.outs!);
  });

  it("surfaces build failures verbatim (schema and references) and leaves nothing live", async () => {
    await expect(provider.create!(capture("orphan", "no-such-collection", "t"))).rejects.toThrow(
      /ended with buildFailed: flow:\/\/capture\/sophia-ai\/contract\/orphan: referenced collection sophia-ai\/contract\/no-such-collection does not exist/,
    );
    await expect(
      provider.create!({
        catalogName: `${T}/bad-materialization`,
        specType: "materialization",
        spec: { endpoint: { connector: { image: "x" } }, bindings: [{ source: `${T}/x` }] },
      }),
    ).rejects.toThrow(
      /buildFailed: flow:\/\/materialization\/sophia-ai\/contract\/bad-materialization.*must have required property/,
    );
    await expect(provider.create!({ ...collection("x"), catalogName: "someone-else/x" })).rejects.toThrow(
      /User is not authorized/,
    );
    expect(await admin.objects("live_specs")).toEqual([]);
    expect(await admin.objects("drafts")).toEqual([]);
  });

  it("reports a spec deleted out of band as gone, and deleting it again succeeds", async () => {
    const created = await provider.create!(collection("vanishing"));
    await admin.remove("live_specs", created.outs!.liveSpecId);
    expect((await provider.read!(created.id, created.outs!)).id).toBe("");
    await admin.reset();
    await expect(provider.delete!(created.id, created.outs!)).resolves.toBeUndefined();
    // nothing to publish for a spec that is already gone
    expect((await admin.requests()).map((r) => r.route)).toEqual(["GET /rest/v1/live_specs"]);
  });
});

describe("the HTTP-ingest capture", () => {
  it("accepts a document only with the capture's current token, and follows a rotation", async () => {
    const coll = await provider.create!(collection("ingested"));
    const cap = await provider.create!(capture("ingest", "ingested", "token-a"));
    const post = (token: string) =>
      fetch(`${sb.url("estuary")}/ingest/${encodeURIComponent(cap.id)}/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ id: "call-1" }),
      });
    expect((await post("token-a")).status).toBe(200);
    expect((await post("wrong")).status).toBe(401);

    const rotated = capture("ingest", "ingested", "token-b");
    expect((await provider.diff!(cap.id, cap.outs!, rotated)).changes).toBe(true);
    const updated = await provider.update!(cap.id, cap.outs!, rotated);
    expect((await post("token-a")).status).toBe(401);
    expect((await post("token-b")).status).toBe(200);
    expect((await admin.objects("ingested")).map((d) => d.collection)).toEqual([
      `${T}/ingested`,
      `${T}/ingested`,
    ]);
    await provider.delete!(cap.id, updated.outs!);
    await provider.delete!(coll.id, coll.outs!);
  });
});

describe("config encryption", () => {
  it("stages nothing when the encryption service refuses, and retries it when it fails", async () => {
    await admin.reset();
    await admin.fault({ route: "POST /v1/encrypt-config", status: 400, count: 1 });
    await expect(provider.create!(capture("enc-refused", "events", "tok"))).rejects.toThrow(
      /^Estuary config encryption API POST \/v1\/encrypt-config failed with 400/,
    );
    const routes = (await admin.requests()).map((r) => r.route);
    expect(routes.filter((r) => r.includes("/rest/v1/draft"))).toEqual([]); // no draft was even created
    expect(await live("enc-refused")).toBeUndefined();

    await admin.fault({ route: "POST /v1/encrypt-config", status: 503, count: 1 });
    const coll = await provider.create!(collection("events-enc"));
    const cap = await provider.create!(capture("enc-retried", "events-enc", "tok"));
    expect((await live("enc-retried")).spec.endpoint.connector.config.require_auth_token_sops).toMatch(
      /^ENC\[/,
    );
    await provider.delete!(cap.id, cap.outs!);
    await provider.delete!(coll.id, coll.outs!);
  });

  it("sorts the config before it is encrypted, so Flow (which stores it sorted) can still decrypt it", async () => {
    const coll = await provider.create!(collection("events-sorted"));
    // declared order: paths, zzz_label, then the secret merged in last; sorted: paths, require_auth_token, zzz_label
    const unsorted = capture("sorted", "events-sorted", "tok-sorted");
    unsorted.spec.endpoint.connector.config = { paths: ["/events"], zzz_label: "calls" } as any;
    const cap = await provider.create!(unsorted);
    const stored = (await live("sorted")).spec.endpoint.connector.config;
    expect(Object.keys(stored)).toEqual(["paths", "require_auth_token_sops", "zzz_label", "sops"]);
    const ingest = await fetch(`${sb.url("estuary")}/ingest/${encodeURIComponent(cap.id)}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer tok-sorted" },
      body: JSON.stringify({ id: "c" }),
    });
    expect(ingest.status).toBe(200);
    await provider.delete!(cap.id, cap.outs!);
    await provider.delete!(coll.id, coll.outs!);
  });

  it("stages nothing when the service answers without encrypting, naming what is still plain", async () => {
    await admin.settings({ encryptionEchoesPlaintext: true });
    await admin.reset();
    try {
      await expect(provider.create!(capture("echo", "events", "tok-echo"))).rejects.toThrow(
        "Estuary: the config-encryption service did not encrypt spec.endpoint.connector.config.sops, spec.endpoint.connector.config.require_auth_token; nothing was staged",
      );
      const routes = (await admin.requests()).map((r) => r.route);
      expect(routes).toContain("POST /v1/encrypt-config");
      expect(routes.filter((r) => /drafts|draft_specs|publications/.test(r))).toEqual([]); // nothing staged
    } finally {
      await admin.settings({ encryptionEchoesPlaintext: false });
      await admin.reset(); // the broken answer is a recorded violation of the description, as it should be
    }
  });

  it("reports the service's refusal by its id and description, without the document", async () => {
    const c = client();
    const err = await c
      .encryptConfig({ hosts: ["h"] }, { type: "object", properties: { hosts: { items: { secret: true } } } })
      .catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.message).toBe(
      "Estuary config encryption API POST /v1/encrypt-config failed with 400: InvalidSecretLocation: a secret annotation under #/hosts/items is not supported",
    );
    expect(err.body).toBeUndefined();
  });

  it("wants https for the encryption service, except on this machine", () => {
    const settings = (url: string) =>
      estuarySettings(
        (k) => ({ estuaryRefreshToken: ESTUARY_SANDBOX.refreshToken, estuaryConfigEncryptionUrl: url })[k],
      );
    expect(() => settings("http://encrypt.example.com")).toThrow(
      "Estuary: estuaryConfigEncryptionUrl must be an https URL (or http on this machine); got http://encrypt.example.com",
    );
    expect(settings("https://config-encryption.estuary.dev").configEncryptionUrl).toBe(
      "https://config-encryption.estuary.dev",
    );
    expect(settings("http://127.0.0.1:18005").configEncryptionUrl).toBe("http://127.0.0.1:18005");
  });

  it("ignores the design documents' ESTUARY_API_URL / ESTUARY_API_KEY (Estuary's public API), reads the control plane's own names", () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        ESTUARY_API_URL: "https://api.estuary.dev",
        ESTUARY_API_KEY: "public-api-key",
      });
      const fromEnv = estuarySettings((k) => ({ estuaryRefreshToken: ESTUARY_SANDBOX.refreshToken })[k]);
      expect([fromEnv.apiUrl, fromEnv.apiKey]).toEqual([ESTUARY_DEFAULT_API_URL, undefined]);
      Object.assign(process.env, {
        ESTUARY_CONTROL_PLANE_URL: "https://cp.example.com/rest/v1",
        ESTUARY_CONTROL_PLANE_API_KEY: "anon-key",
      });
      const own = estuarySettings((k) => ({ estuaryRefreshToken: ESTUARY_SANDBOX.refreshToken })[k]);
      expect([own.apiUrl, own.apiKey]).toEqual(["https://cp.example.com/rest/v1", "anon-key"]);
    } finally {
      for (const k of [
        "ESTUARY_API_URL",
        "ESTUARY_API_KEY",
        "ESTUARY_CONTROL_PLANE_URL",
        "ESTUARY_CONTROL_PLANE_API_KEY",
      ])
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
    }
  });

  it("encrypts what the schema marks secret (secret or airbyte_secret, nested) and only that, as sops does", () => {
    const kms = Buffer.alloc(32, 7);
    const config = {
      user: "u",
      password: "p@ss",
      port: 5432,
      tunnel: { host: "h", privateKey: "k" },
      ssl: true,
    };
    const schema = {
      type: "object",
      properties: {
        password: { type: "string", secret: true },
        tunnel: { type: "object", properties: { privateKey: { airbyte_secret: true } } },
        ssl: { secret: true },
      },
    };
    const enc = sopsEncrypt(config, schema, kms, "projects/p/keys/k") as Record<string, any>;
    // the service keeps the document's order; secret keys are renamed in place
    expect(Object.keys(enc)).toEqual(["user", "password_sops", "port", "tunnel", "ssl_sops", "sops"]);
    expect(enc.user).toBe("u");
    expect(enc.tunnel.host).toBe("h");
    expect(enc.tunnel.privateKey_sops).toMatch(/type:str\]$/);
    expect(enc.ssl_sops).toMatch(/type:bool\]$/);
    expect(JSON.stringify(enc)).not.toMatch(/p@ss|"k"/);
    expect(sopsDecrypt(enc, kms)).toEqual(config);
    // another KMS key cannot open it, and a swapped value fails the MAC
    expect(() => sopsDecrypt(enc, Buffer.alloc(32, 8))).toThrow();
    const swapped = { ...enc, password_sops: enc.tunnel.privateKey_sops };
    expect(() => sopsDecrypt(swapped, kms)).toThrow();
    // the MAC covers the plain values too, in order: an edited or reordered document does not decrypt
    expect(() => sopsDecrypt({ ...enc, user: "someone-else" }, kms)).toThrow(/MAC mismatch/);
    const { user, ...rest } = enc;
    expect(() => sopsDecrypt({ ...rest, user }, kms)).toThrow(/MAC mismatch/);
    // a secret mark under `items` is refused, as the service refuses it
    expect(() =>
      sopsEncrypt({ hosts: ["a"] }, { properties: { hosts: { items: { secret: true } } } }, kms, "k"),
    ).toThrow("a secret annotation under #/hosts/items is not supported");
  });
});

describe("publication polling", () => {
  it("polls while the publication is queued", async () => {
    await admin.settings({ queuedPolls: 3 });
    try {
      await admin.reset();
      await client().publish(
        [
          {
            catalog_name: `${T}/polled`,
            spec_type: "collection",
            spec: collection("p").spec,
            expect_pub_id: NO_PUB_ID,
          },
        ],
        {
          detail: "poll test",
        },
      );
      expect((await admin.counts())["GET /rest/v1/publications"]).toBe(4);
    } finally {
      await admin.settings({ queuedPolls: 0 });
    }
    const c = client();
    const l = await c.liveSpec(`${T}/polled`);
    await c.publish(
      [{ catalog_name: `${T}/polled`, spec_type: null, spec: null, expect_pub_id: l!.last_pub_id }],
      {
        detail: "cleanup",
      },
    );
  });

  it("a dry run changes nothing live and removes its draft", async () => {
    await client().publish(
      [{ catalog_name: `${T}/dry`, spec_type: "collection", spec: collection("dry").spec }],
      { detail: "dry", dryRun: true },
    );
    expect(await live("dry")).toBeUndefined();
    expect(await admin.objects("drafts")).toEqual([]);
  });
});

describe("transport and auth", () => {
  it("reads flowctl's refresh token and the access token's expiry", () => {
    expect(parseRefreshToken(ESTUARY_SANDBOX.refreshToken)).toEqual({
      id: ESTUARY_SANDBOX.refreshTokenId,
      secret: ESTUARY_SANDBOX.refreshTokenSecret,
    });
    expect(() => parseRefreshToken("not-a-token")).toThrow(/not a Flow refresh token/);
    const jwt = `x.${Buffer.from(JSON.stringify({ exp: 1000 })).toString("base64url")}.y`;
    expect(jwtSecondsLeft(jwt, 400_000)).toBe(600);
  });

  it("exchanges the refresh token again after an expired access token", async () => {
    const c = client();
    await c.liveSpec(`${T}/none`);
    await admin.reset();
    await admin.expireTokens();
    await c.liveSpec(`${T}/none`);
    expect((await admin.requests()).map((r) => `${r.route} ${r.status}`)).toEqual([
      "GET /rest/v1/live_specs 401",
      "POST /rest/v1/rpc/generate_access_token 200",
      "GET /rest/v1/live_specs 200",
    ]);
  });

  it("reuses a live access token and renews it before it expires", async () => {
    await admin.settings({ tokenLifetimeSeconds: 2 });
    try {
      (globalThis as any).__sophiaTokenCache?.clear();
      await admin.reset();
      const c = client();
      await c.liveSpec(`${T}/none`);
      await c.liveSpec(`${T}/none`);
      expect((await admin.counts())["POST /rest/v1/rpc/generate_access_token"]).toBe(1);
      await new Promise((r) => setTimeout(r, 1600)); // within the last quarter of its life
      await c.liveSpec(`${T}/none`);
      const log = await admin.requests();
      expect(log.filter((r) => r.route.includes("generate_access_token"))).toHaveLength(2);
      expect(log.filter((r) => r.status === 401)).toEqual([]); // renewed before it expired
    } finally {
      await admin.settings({ tokenLifetimeSeconds: 3600 });
    }
  });

  it("refuses a wrong refresh token with the API's message and without echoing the secret", async () => {
    (globalThis as any).__sophiaTokenCache?.clear();
    const bad = Buffer.from(
      JSON.stringify({ id: ESTUARY_SANDBOX.refreshTokenId, secret: "wrong-secret" }),
    ).toString("base64");
    const err = await new EstuaryClient({ apiUrl, refreshToken: bad }).liveSpec(`${T}/x`).catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.message).toMatch(/POST \/rpc\/generate_access_token failed with 400: invalid refresh token/);
    expect(err.message).not.toContain("wrong-secret");
    (globalThis as any).__sophiaTokenCache?.clear();
  });

  it("waits out 429s as long as Retry-After asks, and retries 5xx", async () => {
    const c = client();
    await c.liveSpec(`${T}/none`);
    await admin.reset();
    await admin.fault({ route: "GET /rest/v1/live_specs", status: 429, retryAfter: 1, count: 1 });
    await admin.fault({ route: "GET /rest/v1/live_specs", status: 503, count: 1 });
    await c.liveSpec(`${T}/none`);
    const log = (await admin.requests()).filter((r) => r.route === "GET /rest/v1/live_specs");
    expect(log.map((r) => r.status)).toEqual([429, 503, 200]);
    expect(log[1].at - log[0].at).toBeGreaterThanOrEqual(950);

    await admin.clearFaults();
    await admin.fault({ route: "GET /rest/v1/live_specs", status: 500, count: 10 });
    const err = await c.liveSpec(`${T}/none`).catch((e) => e);
    expect(err.status).toBe(500);
    expect(err.message).toMatch(
      /GET \/live_specs failed with 500: injected by the sandbox \(after 4 attempts\)/,
    );
  });

  it("does not publish twice or leave a second draft when connections drop after the API acted", async () => {
    await admin.reset();
    await admin.fault({ route: "POST /rest/v1/drafts", dropAfter: true, count: 1 });
    await admin.fault({ route: "POST /rest/v1/publications", dropAfter: true, count: 1 });
    const created = await provider.create!(collection("dropped"));
    const counts = await admin.counts();
    expect(counts["POST /rest/v1/drafts"]).toBe(1); // recovered by its detail, not sent again
    expect(counts["POST /rest/v1/publications"]).toBe(1); // recovered by draft id
    expect(await admin.objects("publications")).toEqual(
      expect.arrayContaining([expect.objectContaining({ job_status: { type: "success" } })]),
    );
    expect(await admin.objects("drafts")).toEqual([]);
    await provider.delete!(created.id, created.outs!);
  });

  it("refuses requests without a valid access token in PostgREST's error shape", async () => {
    const res = await fetch(`${apiUrl}/live_specs`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      code: "42501",
      message: "permission denied for table live_specs",
    });
  });

  it("records an exchange its description does not allow as a violation", async () => {
    await admin.reset();
    const token = (await (client() as any).rest.opts.auth.headers(false)).authorization;
    const res = await fetch(`${apiUrl}/draft_specs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: token },
      body: JSON.stringify([{ catalog_name: "no spaces allowed here", spec_type: "source" }]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "PGRST400", message: expect.stringMatching(/body/) });
    expect(await admin.violations()).toEqual([
      expect.objectContaining({ operation: "upsertDraftSpecs", direction: "request" }),
    ]);
    await admin.reset(); // afterAll asserts the providers themselves caused none
  });
});
