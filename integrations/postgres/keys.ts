// postgres: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, HOST_RULE, PG_IDENTIFIER_RULE } from "../keys";

export const POSTGRES = defineKeys({
  postgresHost: {
    type: "string",
    description: "PostgreSQL host Airbyte writes to.",
    defaultValue: "",
    required: true,
    ...HOST_RULE,
    what: "the PostgreSQL host name",
  },
  postgresPort: { type: "integer", description: "PostgreSQL port.", defaultValue: 5432, min: 1, max: 65535 },
  postgresDatabase: {
    type: "string",
    description: "PostgreSQL database.",
    defaultValue: "sophia_intel",
    ...PG_IDENTIFIER_RULE,
  },
  postgresSchema: {
    type: "string",
    description: "PostgreSQL schema the Gong streams land in.",
    defaultValue: "gong",
    ...PG_IDENTIFIER_RULE,
  },
  postgresUser: {
    type: "string",
    description: "PostgreSQL user Airbyte writes as. Its password is postgresPassword.",
    defaultValue: "",
    required: true,
    what: "the PostgreSQL user the pipelines write as",
    pattern: /^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$/,
  },
  postgresSslMode: {
    type: "string",
    description: "libpq sslmode of the PostgreSQL destination.",
    defaultValue: "require",
    pattern: /^(disable|allow|prefer|require|verify-ca|verify-full)$/,
    what: "a libpq sslmode (disable, allow, prefer, require, verify-ca, verify-full)",
  },
  postgresPassword: { type: "string", description: "Password of postgresUser.", secret: true },
});
