// Estuary Flow: the Gong webhook capture, its collections and derivation, and the materializations to
// PostgreSQL, Redis and (as the Snowflake module's current service user) Snowflake.
import { isSafeUrl } from "../../providers/http/client";
import { CARRIERS } from "../credentials";
import type { EstuaryArgs, EstuaryFlow } from "../estuary";
import { postgres } from "../postgres/spec";
import { redis } from "../redis/spec";
import { SNOWFLAKE } from "../snowflake/keys";
import { snowflake } from "../snowflake/spec";
import { defineIntegration, enabledBy, type ReadContext } from "../spec";
import { ESTUARY } from "./keys";

export type EstuaryConfig = Omit<EstuaryArgs, "captureToken" | "snowflake"> & {
  /** Materialize to Snowflake as the Snowflake module's current service user (needs snowflakeEnabled). */
  snowflake?: { host: string; account: string };
};

function materializations(ctx: ReadContext): Pick<EstuaryConfig, "redis" | "postgres" | "snowflake"> {
  const { r } = ctx;
  const rd = ctx.configOf(redis);
  const pg = ctx.configOf(postgres);
  return {
    redis:
      rd && r.bool(ESTUARY.estuaryMaterializeRedis)
        ? {
            address: `${rd.host}:${rd.port}`,
            password: rd.password,
            ttlSeconds: r.int(ESTUARY.estuaryRedisTtlSeconds),
          }
        : undefined,
    postgres:
      pg && r.bool(ESTUARY.estuaryMaterializePostgres)
        ? {
            address: `${pg.host}:${pg.port}`,
            database: pg.database,
            user: pg.username,
            password: pg.password,
            schema: r.string(ESTUARY.estuaryPostgresSchema),
          }
        : undefined,
    snowflake: r.bool(ESTUARY.estuaryMaterializeSnowflake)
      ? { host: r.string(ESTUARY.estuarySnowflakeHost), account: r.string(ESTUARY.estuarySnowflakeAccount) }
      : undefined,
  };
}

export const estuary = defineIntegration({
  name: "estuary",
  keys: ESTUARY,
  enabled: enabledBy(ESTUARY.estuaryEnabled),
  ciCredentials: [ESTUARY.estuaryRefreshToken],
  read: (ctx): EstuaryConfig => {
    const { r } = ctx;
    const config: EstuaryConfig = {
      prefix: r.string(ESTUARY.estuaryPrefix, `sophia-ai/${ctx.stack}/`),
      dataPlane: r.string(ESTUARY.estuaryDataPlane),
      ...materializations(ctx),
    };
    r.string(ESTUARY.estuaryApiUrl);
    const encryptionUrl = r.string(ESTUARY.estuaryConfigEncryptionUrl);
    if (encryptionUrl && !isSafeUrl(encryptionUrl)) {
      r.problems.push(
        `${r.full(ESTUARY.estuaryConfigEncryptionUrl)} must be https (or http on this machine): endpoint credentials travel to it; got ${encryptionUrl}`,
      );
    }
    if (config.snowflake && !ctx.configOf(snowflake)) {
      r.problems.push(
        `${r.full(ESTUARY.estuaryMaterializeSnowflake)} needs ${SNOWFLAKE.snowflakeEnabled.name}: true (its service user)`,
      );
    }
    return config;
  },
  compose: ({ snowflake: sf, ...cfg }, ctx): EstuaryFlow => {
    const { EstuaryFlow } = require("../estuary") as typeof import("../estuary");
    const token = ctx.credential("estuary");
    if (!token) throw new Error("the Estuary webhook token was not minted");
    const warehouse = ctx.built(snowflake);
    const sfConfig = ctx.configOf(snowflake);
    return new EstuaryFlow("estuary", {
      ...cfg,
      captureToken: token.current,
      // Estuary writes to Snowflake as the Snowflake module's current service user: a rotation reaches it.
      snowflake:
        sf && warehouse && sfConfig
          ? {
              ...sf,
              user: warehouse.currentUser,
              password: warehouse.currentPassword,
              database: sfConfig.database,
              schema: sfConfig.schema,
              warehouse: warehouse.warehouse.name,
            }
          : undefined,
    });
  },
  outputs: (flow) => ({
    estuaryCapture: flow.capture.catalogName,
    estuaryMaterializations: flow.materializationNames,
  }),
  mints: {
    service: "estuary",
    resource: "estuary-webhook-token",
    when: (c) => c.carried || c.on,
  },
  carries: (_flow, credential) => ({ [CARRIERS.estuary[0]]: credential.current }),
  sandboxUrls: (at) => ({
    [ESTUARY.estuaryApiUrl.name]: at("estuary", "/rest/v1"),
    [ESTUARY.estuaryConfigEncryptionUrl.name]: at("estuary"),
    // the sandbox capture's HTTP-ingest endpoint (prefix sophia-ai/sandbox/), where `secrets rotate` checks a
    // new webhook token; the stand-in takes the capture and its path as one encoded segment each
    [ESTUARY.estuaryIngestUrl.name]: at("estuary", "/ingest/sophia-ai%2Fsandbox%2Fgong-webhook/gong%2Fcalls"),
  }),
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
