// estuary: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, PG_IDENTIFIER_RULE, URL_RULE } from "../keys";

export const ESTUARY = defineKeys({
  estuaryEnabled: {
    type: "boolean",
    description: "Manage the Estuary Flow capture, collections, derivation and materializations.",
    defaultValue: false,
  },
  estuaryApiUrl: {
    type: "string",
    description: "PostgREST root of Estuary's control plane.",
    defaultValue: "https://eyrcnmuzzyriypdajwdk.supabase.co/rest/v1",
    ...URL_RULE,
    env: "ESTUARY_CONTROL_PLANE_URL",
  },
  estuaryConfigEncryptionUrl: {
    type: "string",
    description:
      "Estuary's config-encryption service, which sops-encrypts endpoint credentials before they are staged.",
    defaultValue: "https://config-encryption.estuary.dev",
    ...URL_RULE,
  },
  estuaryPrefix: {
    type: "string",
    description: "Catalog prefix of every spec, ending in / (default sophia-ai/<stack>/).",
    defaultValue: "",
    pattern: /^(?=.{1,512}$)[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/$/,
    what: "an Estuary catalog prefix ending in /, e.g. sophia-ai/production/",
  },
  estuaryDataPlane: {
    type: "string",
    description: "Data plane the specs run in.",
    defaultValue: "ops/dp/public/gcp-us-central1-c1",
    pattern: /^[a-z0-9][a-z0-9/_.-]{0,200}$/,
    what: "a data plane name like ops/dp/public/gcp-us-central1-c1",
  },
  estuaryRedisTtlSeconds: {
    type: "integer",
    description: "TTL of the Redis hot-cache keys (60 s - 30 days).",
    defaultValue: 86400,
    min: 60,
    max: 2_592_000,
  },
  estuaryMaterializeRedis: {
    type: "boolean",
    description: "Materialize to the Redis hot cache (needs redisEnabled).",
    defaultValue: true,
  },
  estuaryMaterializePostgres: {
    type: "boolean",
    description: "Materialize to the PostgreSQL staging database.",
    defaultValue: true,
  },
  estuaryPostgresSchema: {
    type: "string",
    description: "PostgreSQL schema of the staging tables.",
    defaultValue: "estuary_staging",
    ...PG_IDENTIFIER_RULE,
  },
  estuaryMaterializeSnowflake: {
    type: "boolean",
    description:
      "Materialize to Snowflake as the Snowflake module's current service user (needs snowflakeEnabled).",
    defaultValue: false,
  },
  estuarySnowflakeHost: {
    type: "string",
    description: "Snowflake account host for Estuary, <org>-<account>.snowflakecomputing.com.",
    defaultValue: "",
    required: true,
    pattern: /^[a-z0-9.-]+\.snowflakecomputing\.com$/i,
    what: "the account host, <org>-<account>.snowflakecomputing.com",
  },
  estuarySnowflakeAccount: {
    type: "string",
    description: "Snowflake account identifier for Estuary.",
    defaultValue: "",
    required: true,
    what: "the Snowflake account identifier",
    pattern: /^[A-Za-z0-9_.-]{1,255}$/,
  },
  estuaryIngestUrl: {
    type: "string",
    description:
      "The published capture's HTTP-ingest URL (from Estuary), where `sophia secrets rotate` checks a new webhook token (optional; without it an Estuary rotation cannot be verified and is reverted).",
    defaultValue: "",
    readBy: "cli",
    ...URL_RULE,
  },
  estuaryRefreshToken: {
    type: "string",
    description: 'Flow refresh token (base64 of {"id","secret"}) from Estuary\'s dashboard (Admin, CLI-API).',
    secret: true,
  },
  estuaryApiKey: {
    type: "string",
    description: "The control plane gateway's public `apikey` header, where the gateway asks for one.",
    secret: true,
    readBy: "provider",
    env: "ESTUARY_CONTROL_PLANE_API_KEY",
  },
});
