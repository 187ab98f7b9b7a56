// The integrations, in the order they are read and composed: a spec may use the config and component of
// one listed before it (Estuary: Snowflake's service user; Portkey: OpenRouter's keys), and the carriers
// of rotated credentials (GitHub, Vercel) come last. Adding an integration: see ARCHITECTURE.md,
// "Adding an integration".
import { airbyte } from "./airbyte/spec";
import { aws } from "./aws/spec";
import { estuary } from "./estuary/spec";
import { github } from "./github/spec";
import { gong } from "./gong/spec";
import { lambda } from "./lambda/spec";
import { openrouter } from "./openrouter/spec";
import { portkey } from "./portkey/spec";
import { postgres } from "./postgres/spec";
import { redis } from "./redis/spec";
import { snowflake } from "./snowflake/spec";
import { vercel } from "./vercel/spec";

export const REGISTRY = [
  postgres,
  redis,
  airbyte,
  snowflake,
  aws,
  gong,
  estuary,
  openrouter,
  portkey,
  lambda,
  github,
  vercel,
] as const;

export type Registry = typeof REGISTRY;
export type IntegrationName = Registry[number]["name"];
