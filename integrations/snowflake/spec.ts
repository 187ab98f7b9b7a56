// Snowflake: the warehouse, database, schema, role, grants and the rotated service users.
import { CARRIERS } from "../credentials";
import type { SnowflakeAnalytics, SnowflakeArgs } from "../snowflake";
import { defineIntegration, enabledBy } from "../spec";
import { SNOWFLAKE } from "./keys";

export type SnowflakeConfig = Omit<SnowflakeArgs, "credential" | "protect">;

export const snowflake = defineIntegration({
  name: "snowflake",
  keys: SNOWFLAKE,
  enabled: enabledBy(SNOWFLAKE.snowflakeEnabled),
  read: ({ r, namePrefix }): SnowflakeConfig => {
    const prefix = namePrefix.toUpperCase().replace(/-/g, "_");
    return {
      prefix,
      warehouseSize: r.string(SNOWFLAKE.snowflakeWarehouseSize),
      autoSuspendSeconds: r.int(SNOWFLAKE.snowflakeAutoSuspendSeconds),
      dataRetentionDays: r.int(SNOWFLAKE.snowflakeDataRetentionDays),
      database: r.string(SNOWFLAKE.snowflakeDatabase, `${prefix}_ANALYTICS`),
      schema: r.string(SNOWFLAKE.snowflakeSchema),
    };
  },
  compose: (cfg, ctx): SnowflakeAnalytics => {
    const { SnowflakeAnalytics } = require("../snowflake") as typeof import("../snowflake");
    const credential = ctx.credential("snowflake");
    if (!credential) throw new Error("the Snowflake service password was not minted");
    return new SnowflakeAnalytics("snowflake", { ...cfg, credential, protect: ctx.protect });
  },
  outputs: (sf) => ({ snowflakeWarehouse: sf.warehouse.name, snowflakeCurrentUser: sf.currentUser }),
  mints: {
    service: "snowflake",
    resource: "snowflake-service-password",
    mixedCase: true, // Snowflake's password policy
    when: (c) => c.on,
  },
  carries: (sf) => {
    const [user, password] = CARRIERS.snowflake;
    return sf ? { [user]: sf.currentUser, [password]: sf.currentPassword } : {};
  },
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
