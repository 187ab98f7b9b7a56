// stack: its config keys, defined once (see integrations/keys.ts).
import { defineKeys } from "../keys";

export const STACK = defineKeys({
  namePrefix: {
    type: "string",
    description: "Prefix of every object name created in the SaaS services (default sophia-<stack>).",
    defaultValue: "",
    pattern: /^[a-z][a-z0-9-]{1,40}$/,
    what: "lower-case letters, digits and dashes",
  },
  protectData: {
    type: "boolean",
    description: "Protect resources that hold data or identity from deletion. Always true in production.",
    defaultValue: false,
  },
  rotation: {
    type: "object",
    description:
      'Per-service rotation state of the credentials this program mints: {"snowflake": {"epoch": 0, "rotatedAt": "2026-11-01T00:00:00Z"}, "gong": {...}, "estuary": {...}}. Moving a service\'s epoch by one rotates its older slot; `sophia secrets rotate` does it and records rotatedAt.',
    defaultValue: {},
  },
  rotationMaxAgeDays: {
    type: "integer",
    description: "Credentials older than this many days are flagged overdue.",
    defaultValue: 90,
    min: 1,
    max: 365,
  },
  credentialsSetAt: {
    type: "object",
    description:
      'When each credential a vendor issues was last set, {"gongAccessKey": "2026-05-01T09:00:00Z", ...} (ids in README, "Rotating credentials"); `sophia secrets import-env` records it, `sophia secrets audit` ages them. Read by the CLI only.',
    defaultValue: {},
    readBy: "cli",
  },
  slackWebhookUrl: {
    type: "string",
    description:
      "Slack incoming webhook the scheduled workflows alert (`sophia ci`); sync-github pushes it as an Actions secret.",
    secret: true,
    readBy: "cli",
  },
});
