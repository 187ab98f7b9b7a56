// airbyte: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, URL_RULE, UUID_RULE } from "../keys";

export const AIRBYTE = defineKeys({
  airbyteEnabled: {
    type: "boolean",
    description: "Manage the Airbyte pipeline (Gong → PostgreSQL, Redis) in this stack.",
    default: true,
  },
  airbyteApiUrl: {
    type: "string",
    description: "Base URL of the Airbyte public API.",
    default: "https://api.airbyte.com/v1",
    ...URL_RULE,
    readBy: "provider",
  },
  airbyteClientId: {
    type: "string",
    description:
      "Client id of the Airbyte application (client-credentials flow). Its secret is airbyteClientSecret.",
    default: "",
    required: true,
    what: "the Airbyte application's client id",
  },
  airbyteWorkspaceId: {
    type: "string",
    description: "UUID of the Airbyte workspace that owns the pipeline.",
    default: "",
    required: true,
    ...UUID_RULE,
  },
  airbyteSyncCron: {
    type: "string",
    description: "Quartz cron expression of the Gong → PostgreSQL sync (default every 6 hours).",
    default: "0 0 */6 * * ?",
  },
  airbyteStreams: {
    type: "array",
    items: "string",
    description: "Gong streams to sync.",
    default: ["calls", "users", "deals", "emails"],
  },
  gongStartDate: {
    type: "string",
    description: "First date the Airbyte Gong source reads from (UTC, 2024-01-01T00:00:00Z).",
    default: "2024-01-01T00:00:00Z",
    pattern: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    what: "a UTC timestamp like 2024-01-01T00:00:00Z",
  },
  airbyteClientSecret: {
    type: "string",
    description: "Client secret of the Airbyte application.",
    secret: true,
  },
});
