// airbyte: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, URL_RULE, UUID_RULE } from "../keys";

export const AIRBYTE = defineKeys({
  airbyteEnabled: {
    type: "boolean",
    description: "Manage the Airbyte pipeline (Gong → PostgreSQL, Redis) in this stack.",
    defaultValue: true,
  },
  airbyteApiUrl: {
    type: "string",
    description: "Base URL of the Airbyte public API.",
    defaultValue: "https://api.airbyte.com/v1",
    ...URL_RULE,
    readBy: "provider",
  },
  airbyteClientId: {
    type: "string",
    description:
      "Client id of the Airbyte application (client-credentials flow). Its secret is airbyteClientSecret.",
    defaultValue: "",
    required: true,
    what: "the Airbyte application's client id",
  },
  airbyteWorkspaceId: {
    type: "string",
    description: "UUID of the Airbyte workspace that owns the pipeline.",
    defaultValue: "",
    required: true,
    ...UUID_RULE,
  },
  airbyteSyncCron: {
    type: "string",
    description: "Quartz cron expression of the Gong → PostgreSQL sync (default every 6 hours).",
    defaultValue: "0 0 */6 * * ?",
  },
  airbyteStreams: {
    type: "array",
    items: "string",
    description: "Gong streams to sync.",
    defaultValue: ["calls", "users", "deals", "emails"],
  },
  gongStartDate: {
    type: "string",
    description: "First date the Airbyte Gong source reads from (UTC, 2024-01-01T00:00:00Z).",
    defaultValue: "2024-01-01T00:00:00Z",
    pattern: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    what: "a UTC timestamp like 2024-01-01T00:00:00Z",
  },
  airbyteClientSecret: {
    type: "string",
    description: "Client secret of the Airbyte application.",
    secret: true,
  },
});
