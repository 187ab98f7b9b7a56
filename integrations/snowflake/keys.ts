// snowflake: its config keys, defined once (see integrations/keys.ts).
import { defineKeys } from "../keys";

export const SNOWFLAKE = defineKeys({
  snowflakeEnabled: {
    type: "boolean",
    description: "Manage the Snowflake warehouse, database, schema, role, grants and service users.",
    defaultValue: false,
  },
  snowflakeWarehouseSize: {
    type: "string",
    description: "Warehouse size (XSMALL, SMALL, MEDIUM, LARGE, XLARGE, XXLARGE).",
    defaultValue: "XSMALL",
    oneOf: ["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE"],
  },
  snowflakeAutoSuspendSeconds: {
    type: "integer",
    description: "Idle seconds before the warehouse suspends (60-3600).",
    defaultValue: 60,
    min: 60,
    max: 3600,
  },
  snowflakeDataRetentionDays: {
    type: "integer",
    description: "Time Travel retention of the database and schema, for recovery (0-90 days).",
    defaultValue: 1,
    min: 0,
    max: 90,
  },
  snowflakeDatabase: {
    type: "string",
    description: "Database name (default <PREFIX>_ANALYTICS).",
    defaultValue: "",
    pattern: /^[A-Z][A-Z0-9_]{0,254}$/,
    what: "an upper-case identifier",
  },
  snowflakeSchema: {
    type: "string",
    description: "Schema the platform writes to.",
    defaultValue: "GONG",
    pattern: /^[A-Z][A-Z0-9_]{0,254}$/,
    what: "an upper-case identifier",
  },
});
