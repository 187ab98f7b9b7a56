// The Estuary Flow pipeline from the Estuary design document (../shared/design/estuary-flow-summary.md):
// Gong call events arrive on an HTTP-ingest capture (bearer token), land in a collection, are enriched by
// a TypeScript derivation, and are materialized to Redis (hot cache, TTL), Snowflake (analytics) and
// PostgreSQL (staging). Each materialization is optional. Every catalog entity is one EstuaryCatalogSpec,
// published through Flow's drafts; endpoint credentials travel only in secretSpec.
import * as pulumi from "@pulumi/pulumi";
import { EstuaryCatalogSpec } from "../providers/estuary/catalogSpec";

export interface EstuaryRedisArgs {
  /** host:port of the Redis server. */
  address: string;
  password: pulumi.Input<string>;
  /** How long a cached call stays in Redis (the design asks for 2–24 hours). */
  ttlSeconds: number;
}

export interface EstuarySnowflakeArgs {
  /** e.g. "orgname-account.snowflakecomputing.com" */
  host: string;
  account: string;
  user: pulumi.Input<string>;
  password: pulumi.Input<string>;
  database: string;
  schema: string;
  warehouse: pulumi.Input<string>;
}

export interface EstuaryPostgresArgs {
  /** host:port of the PostgreSQL server. */
  address: string;
  database: string;
  user: string;
  password: pulumi.Input<string>;
  schema: string;
}

export interface EstuaryArgs {
  /** Catalog prefix of every spec, e.g. "sophia-ai/production" (the tenant and a path; no trailing slash). */
  prefix: string;
  /** Bearer token the Gong webhook must send to the HTTP-ingest capture (a random, rotated secret). */
  captureToken: pulumi.Input<string>;
  /** Data plane of the tasks, e.g. "ops/dp/public/gcp-us-central1-c1"; the control plane's default if unset. */
  dataPlane?: string;
  redis?: EstuaryRedisArgs;
  snowflake?: EstuarySnowflakeArgs;
  postgres?: EstuaryPostgresArgs;
}

/** The webhook path of the capture, below the capture's ingest URL. */
export const GONG_INGEST_PATH = "/gong/calls";

const CONNECTORS = {
  httpIngest: "ghcr.io/estuary/source-http-ingest:dev",
  redis: "ghcr.io/estuary/materialize-redis:dev",
  snowflake: "ghcr.io/estuary/materialize-snowflake:dev",
  postgres: "ghcr.io/estuary/materialize-postgres:dev",
};

/** Gong call events as the webhook sends them: {type, data: {id, ...}}. */
const CALL_EVENT_SCHEMA = {
  type: "object",
  required: ["type", "data"],
  properties: {
    type: { type: "string", enum: ["call_created", "call_updated", "call_completed", "call_analyzed"] },
    occurredAt: { type: "string", format: "date-time" },
    data: {
      type: "object",
      required: ["id"],
      properties: {
        id: { type: "string" },
        title: { type: "string" },
        started: { type: "string", format: "date-time" },
        duration: { type: "integer", description: "seconds" },
        primaryUserId: { type: "string" },
        parties: { type: "array", items: { type: "object" } },
        topics: { type: "array", items: { type: "string" } },
        sentiment: { type: "number" },
      },
    },
  },
};

const ENRICHED_SCHEMA = {
  type: "object",
  required: ["callId", "lastEvent"],
  properties: {
    callId: { type: "string" },
    lastEvent: { type: "string" },
    title: { type: "string" },
    started: { type: "string", format: "date-time" },
    durationMinutes: { type: "number" },
    participantCount: { type: "integer" },
    riskIndicators: { type: "array", items: { type: "string" } },
    opportunities: { type: "array", items: { type: "string" } },
    summary: { type: "string" },
  },
  reduce: { strategy: "merge" },
};

/** The derivation's lambda (Flow's TypeScript derivation model of flow.schema.json: a publish lambda). */
function enrichmentModule(enrichedName: string): string {
  return `import { IDerivation, Document, Register, FromCallEventsSource } from 'flow/${enrichedName}';

const RISKS: [RegExp, string][] = [
  [/\\b(competitor|alternative|cheaper)\\b/i, 'competition'],
  [/\\b(budget|price|cost)\\b/i, 'pricing'],
  [/\\b(delay|postpone|next quarter)\\b/i, 'timing'],
];
const OPPORTUNITIES: [RegExp, string][] = [
  [/\\b(expand|more seats|upgrade)\\b/i, 'expansion'],
  [/\\b(renew|renewal)\\b/i, 'renewal'],
];

export class Derivation implements IDerivation {
  fromCallEventsPublish(source: FromCallEventsSource, _register: Register, _previous: Register): Document[] {
    const call = source.data;
    const text = [call.title ?? '', ...(call.topics ?? [])].join(' ');
    const minutes = call.duration === undefined ? undefined : Math.round(call.duration / 6) / 10;
    return [{
      callId: call.id,
      lastEvent: source.type,
      title: call.title,
      started: call.started,
      durationMinutes: minutes,
      participantCount: call.parties?.length,
      riskIndicators: RISKS.filter(([re]) => re.test(text)).map(([, r]) => r),
      opportunities: OPPORTUNITIES.filter(([re]) => re.test(text)).map(([, o]) => o),
      summary: \`\${call.title ?? 'Call'} (\${minutes ?? '?'} min, \${call.parties?.length ?? 0} participants)\`,
    }];
  }
}
`;
}

const secretConfig = (config: Record<string, pulumi.Input<unknown>>) => ({
  endpoint: { connector: { config } },
});

/** Where the component's specs go: child names start with `name`, catalog names with `prefix`. */
interface Catalog {
  name: string;
  prefix: string;
  dataPlaneName?: string;
  parent: pulumi.Resource;
}

/** The collection the webhook capture writes Gong's call events to. */
function callEventsCollection(at: Catalog): EstuaryCatalogSpec {
  return new EstuaryCatalogSpec(
    `${at.name}-gong-call-events`,
    {
      catalogName: `${at.prefix}/gong/call-events`,
      specType: "collection",
      spec: { key: ["/data/id", "/type"], schema: CALL_EVENT_SCHEMA },
    },
    { parent: at.parent },
  );
}

/** The HTTP-ingest capture Gong's webhook posts to, authenticated by the bearer token. */
function webhookCapture(
  at: Catalog,
  callEvents: EstuaryCatalogSpec,
  captureToken: pulumi.Input<string>,
): EstuaryCatalogSpec {
  return new EstuaryCatalogSpec(
    `${at.name}-gong-webhook`,
    {
      catalogName: `${at.prefix}/gong-webhook`,
      specType: "capture",
      dataPlaneName: at.dataPlaneName,
      spec: {
        endpoint: {
          connector: { image: CONNECTORS.httpIngest, config: { paths: [GONG_INGEST_PATH] } },
        },
        bindings: [
          {
            resource: { path: GONG_INGEST_PATH, stream: GONG_INGEST_PATH },
            target: callEvents.catalogName,
          },
        ],
      },
      secretSpec: secretConfig({ require_auth_token: captureToken }),
    },
    { parent: at.parent },
  );
}

/** The TypeScript derivation that turns call events into one enriched document per call. */
function enrichedCollection(at: Catalog, callEvents: EstuaryCatalogSpec): EstuaryCatalogSpec {
  const enrichedName = `${at.prefix}/gong/calls-enriched`;
  return new EstuaryCatalogSpec(
    `${at.name}-gong-calls-enriched`,
    {
      catalogName: enrichedName,
      specType: "collection",
      dataPlaneName: at.dataPlaneName,
      spec: {
        key: ["/callId"],
        schema: ENRICHED_SCHEMA,
        derivation: {
          transform: {
            fromCallEvents: {
              source: { name: callEvents.catalogName },
              publish: { lambda: "typescript" },
            },
          },
          typescript: { module: enrichmentModule(enrichedName) },
        },
      },
    },
    { parent: at.parent },
  );
}

/** A materialization `<prefix>/<suffix>`; its password travels only in secretSpec. */
function materialization(
  at: Catalog,
  suffix: string,
  image: string,
  config: Record<string, unknown>,
  secret: Record<string, pulumi.Input<unknown>>,
  bindings: Record<string, unknown>[],
): EstuaryCatalogSpec {
  return new EstuaryCatalogSpec(
    `${at.name}-${suffix}`,
    {
      catalogName: `${at.prefix}/${suffix}`,
      specType: "materialization",
      dataPlaneName: at.dataPlaneName,
      spec: { endpoint: { connector: { image, config } }, bindings },
      secretSpec: secretConfig(secret),
    },
    { parent: at.parent },
  );
}

/** A binding that materializes the enriched collection into `resource`. */
const fromEnriched = (enriched: EstuaryCatalogSpec, resource: Record<string, unknown>) => ({
  resource,
  source: enriched.catalogName,
  fields: { recommended: true },
});

function redisCache(at: Catalog, r: EstuaryRedisArgs, enriched: EstuaryCatalogSpec): EstuaryCatalogSpec {
  return materialization(
    at,
    "redis-cache",
    CONNECTORS.redis,
    { address: r.address, ttl_seconds: r.ttlSeconds },
    { password: r.password },
    [fromEnriched(enriched, { key_prefix: "gong:call:" })],
  );
}

function snowflakeAnalytics(
  at: Catalog,
  s: EstuarySnowflakeArgs,
  enriched: EstuaryCatalogSpec,
): EstuaryCatalogSpec {
  return materialization(
    at,
    "snowflake-analytics",
    CONNECTORS.snowflake,
    {
      host: s.host,
      account: s.account,
      user: s.user,
      database: s.database,
      schema: s.schema,
      warehouse: s.warehouse,
    },
    { password: s.password },
    [fromEnriched(enriched, { table: "gong_calls_enriched" })],
  );
}

/** PostgreSQL staging keeps the raw call events as well as the enriched calls. */
function postgresStaging(
  at: Catalog,
  g: EstuaryPostgresArgs,
  callEvents: EstuaryCatalogSpec,
  enriched: EstuaryCatalogSpec,
): EstuaryCatalogSpec {
  return materialization(
    at,
    "postgres-staging",
    CONNECTORS.postgres,
    { address: g.address, database: g.database, user: g.user, schema: g.schema },
    { password: g.password },
    [
      { resource: { table: "gong_call_events" }, source: callEvents.catalogName },
      fromEnriched(enriched, { table: "gong_calls_enriched" }),
    ],
  );
}

export class EstuaryFlow extends pulumi.ComponentResource {
  readonly capture: EstuaryCatalogSpec;
  readonly callEvents: EstuaryCatalogSpec;
  readonly enrichedCalls: EstuaryCatalogSpec;
  readonly redis?: EstuaryCatalogSpec;
  readonly snowflake?: EstuaryCatalogSpec;
  readonly postgres?: EstuaryCatalogSpec;
  /** Full catalog names of the materializations that exist. */
  readonly materializationNames: pulumi.Output<string[]>;

  constructor(name: string, args: EstuaryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:integrations:Estuary", name, {}, opts);
    const at: Catalog = {
      name,
      prefix: args.prefix.replace(/\/+$/, ""),
      dataPlaneName: args.dataPlane,
      parent: this,
    };

    this.callEvents = callEventsCollection(at);
    this.capture = webhookCapture(at, this.callEvents, args.captureToken);
    this.enrichedCalls = enrichedCollection(at, this.callEvents);
    if (args.redis) this.redis = redisCache(at, args.redis, this.enrichedCalls);
    if (args.snowflake) this.snowflake = snowflakeAnalytics(at, args.snowflake, this.enrichedCalls);
    if (args.postgres)
      this.postgres = postgresStaging(at, args.postgres, this.callEvents, this.enrichedCalls);

    const mats = [this.redis, this.snowflake, this.postgres].filter((m): m is EstuaryCatalogSpec => !!m);
    this.materializationNames = pulumi.all(mats.map((m) => m.catalogName));
    this.registerOutputs({
      captureName: this.capture.catalogName,
      ingestPath: GONG_INGEST_PATH,
      callEventsCollection: this.callEvents.catalogName,
      enrichedCollection: this.enrichedCalls.catalogName,
      materializationNames: this.materializationNames,
    });
  }
}
