// The Estuary Flow component with Pulumi's mocks (no engine, no network): which catalog specs it declares,
// that each is a valid Flow spec of its type (flow.schema.json), how they reference each other, and that
// every credential is secret.
import * as pulumi from "@pulumi/pulumi";
import { type EstuaryArgs, EstuaryFlow, GONG_INGEST_PATH } from "../../integrations/estuary";
import { flowValidators } from "../../sandbox/estuary";
import { installMocks, isSecretValue, plain, type Registered, settle } from "../helpers/mocks";

const registered: Registered[] = installMocks();
const TYPE = "pulumi-nodejs:dynamic/estuary:CatalogSpec";
const P = "sophia-ai/unit";

const SECRETS = {
  token: "capture-token-123",
  redis: "redis-pass-456",
  snowflake: "snowflake-pass-789",
  postgres: "pg-pass-000",
};

const full = (): EstuaryArgs => ({
  prefix: P,
  captureToken: pulumi.secret(SECRETS.token),
  dataPlane: "ops/dp/public/gcp-us-central1-c1",
  redis: { address: "cache.example.com:6379", password: pulumi.secret(SECRETS.redis), ttlSeconds: 7200 },
  snowflake: {
    host: "org-acct.snowflakecomputing.com",
    account: "org-acct",
    user: "ESTUARY",
    password: pulumi.secret(SECRETS.snowflake),
    database: "SOPHIA",
    schema: "GONG",
    warehouse: "ESTUARY_WH",
  },
  postgres: {
    address: "db.example.com:5432",
    database: "sophia_staging",
    user: "estuary",
    password: pulumi.secret(SECRETS.postgres),
    schema: "gong",
  },
});

async function build(args: EstuaryArgs) {
  registered.length = 0;
  const flow = new EstuaryFlow("estuary", args);
  // let every registration settle
  await settle(flow.materializationNames);
  await Promise.all(
    [flow.capture, flow.callEvents, flow.enrichedCalls, flow.redis, flow.snowflake, flow.postgres]
      .filter((r) => r)
      .map((r) => settle(r!.urn)),
  );
  const specs = registered.filter((r) => r.type === TYPE);
  const byName = Object.fromEntries(specs.map((r) => [plain(r.inputs.catalogName), r.inputs]));
  return { flow, specs, byName };
}

describe("the Estuary Flow pipeline", () => {
  it("declares the webhook capture, the event collection, the enrichment derivation and three materializations", async () => {
    const { specs, byName } = await build(full());
    expect(registered.filter((r) => r.type === "sophia:integrations:Estuary").map((r) => r.name)).toEqual([
      "estuary",
    ]);
    expect(specs.map((s) => [plain(s.inputs.catalogName), plain(s.inputs.specType)]).sort()).toEqual([
      [`${P}/gong-webhook`, "capture"],
      [`${P}/gong/call-events`, "collection"],
      [`${P}/gong/calls-enriched`, "collection"],
      [`${P}/postgres-staging`, "materialization"],
      [`${P}/redis-cache`, "materialization"],
      [`${P}/snowflake-analytics`, "materialization"],
    ]);

    const capture = byName[`${P}/gong-webhook`];
    expect(capture.spec.endpoint.connector).toEqual({
      image: "ghcr.io/estuary/source-http-ingest:dev",
      config: { paths: [GONG_INGEST_PATH] },
    });
    expect(capture.spec.bindings).toEqual([
      { resource: { path: GONG_INGEST_PATH, stream: GONG_INGEST_PATH }, target: `${P}/gong/call-events` },
    ]);
    expect(capture.dataPlaneName).toBe("ops/dp/public/gcp-us-central1-c1");

    const events = byName[`${P}/gong/call-events`];
    expect(events.spec.key).toEqual(["/data/id", "/type"]);
    expect(events.spec.schema.required).toEqual(["type", "data"]);

    const enriched = byName[`${P}/gong/calls-enriched`].spec;
    expect(enriched.derivation.transform.fromCallEvents).toEqual({
      source: { name: `${P}/gong/call-events` },
      publish: { lambda: "typescript" },
    });
    expect(enriched.derivation.typescript.module).toContain(`from 'flow/${P}/gong/calls-enriched'`);
    expect(enriched.derivation.typescript.module).toContain("fromCallEventsPublish");

    const redis = byName[`${P}/redis-cache`].spec;
    expect(redis.endpoint.connector.config).toEqual({ address: "cache.example.com:6379", ttl_seconds: 7200 });
    expect(redis.bindings.map((b: { source: string }) => b.source)).toEqual([`${P}/gong/calls-enriched`]);
    expect(byName[`${P}/snowflake-analytics`].spec.endpoint.connector.config).toEqual({
      host: "org-acct.snowflakecomputing.com",
      account: "org-acct",
      user: "ESTUARY",
      database: "SOPHIA",
      schema: "GONG",
      warehouse: "ESTUARY_WH",
    });
    expect(
      byName[`${P}/postgres-staging`].spec.bindings.map(
        (b: { resource: { table: string }; source: string }) => [b.resource.table, b.source],
      ),
    ).toEqual([
      ["gong_call_events", `${P}/gong/call-events`],
      ["gong_calls_enriched", `${P}/gong/calls-enriched`],
    ]);
  });

  it("declares only specs that are valid Flow models of their type (flow.schema.json)", async () => {
    const { specs } = await build(full());
    const validators = flowValidators();
    for (const s of specs) {
      const validate = validators[plain(s.inputs.specType)];
      const ok = validate(plain(s.inputs.spec));
      expect({ name: plain(s.inputs.catalogName), errors: ok ? [] : validate.errors }).toEqual({
        name: plain(s.inputs.catalogName),
        errors: [],
      });
    }
    // and the check catches what is not: a materialization binding without its resource
    const broken = { endpoint: { connector: { image: "x", config: {} } }, bindings: [{ source: `${P}/a` }] };
    expect(validators.materialization(broken)).toBe(false);
  });
});

describe("the Estuary Flow pipeline's secrets and optional parts", () => {
  it("keeps the capture token and every endpoint password secret, and out of the plain spec", async () => {
    const { flow, specs, byName } = await build(full());
    for (const s of specs) {
      const plainParts = JSON.stringify({ ...s.inputs, secretSpec: undefined });
      for (const secret of Object.values(SECRETS)) expect(plainParts).not.toContain(secret);
    }
    const secretOf = (name: string) => byName[`${P}/${name}`].secretSpec;
    for (const [name, key, value] of [
      ["gong-webhook", "require_auth_token", SECRETS.token],
      ["redis-cache", "password", SECRETS.redis],
      ["snowflake-analytics", "password", SECRETS.snowflake],
      ["postgres-staging", "password", SECRETS.postgres],
    ]) {
      expect(isSecretValue(secretOf(name))).toBe(true);
      expect(plain(secretOf(name)).endpoint.connector.config[key]).toBe(value);
    }
    expect(byName[`${P}/gong/call-events`].secretSpec).toBeUndefined();
    const out = await settle(flow.capture.secretSpec);
    expect(out.secret).toBe(true);
  });

  it("leaves out each materialization that is not configured", async () => {
    const { redis: _r, snowflake: _s, postgres: _p, ...bare } = full();
    const { flow, specs } = await build({ ...bare, postgres: full().postgres });
    expect(flow.redis).toBeUndefined();
    expect(flow.snowflake).toBeUndefined();
    expect(
      specs
        .filter((s) => plain(s.inputs.specType) === "materialization")
        .map((s) => plain(s.inputs.catalogName)),
    ).toEqual([`${P}/postgres-staging`]);
    expect((await settle(flow.materializationNames)).value).toEqual([`${P}/postgres-staging`]);

    const none = await build(bare);
    expect(none.specs.map((s) => plain(s.inputs.specType)).sort()).toEqual([
      "capture",
      "collection",
      "collection",
    ]);
  });
});
