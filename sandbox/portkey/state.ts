// The Portkey stand-in's objects and credentials, and the helpers its routes share.
import { randomBytes } from "node:crypto";
import type { Ctx } from "../core";

export const PORTKEY_SANDBOX = {
  /** A workspace API key of the sandbox organisation. */
  apiKey: "pk-sandbox-workspace-key-0001",
  workspaceId: "0b6f3a52-5e8c-4a53-9a0e-4c1f7d9a2b10",
  organisationId: "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
  ownerId: "9e8d7c6b-5a49-4382-9160-5f4e3d2c1b0a",
};

/** The Model Catalog's credentials for one AI provider; `key` is never shown, only `masked_key`. */
export interface Integration {
  id: string;
  organisation_id: string;
  ai_provider_id?: string;
  name: string;
  slug: string;
  description?: string;
  status: string;
  key?: string;
  workspace_id?: string;
  created_at: string;
  last_updated_at: string;
  object: "integration";
}

/** UsageLimits of the description (members the stand-in does not read pass through). */
export interface UsageLimits {
  periodic_reset?: string;
  periodic_reset_days?: number;
  next_usage_reset_at?: string;
  [key: string]: unknown;
}

/** A workspace's use of an integration, with its limits. */
export interface Provider {
  id: string;
  name: string;
  slug: string;
  integration_id: string;
  workspace_id: string;
  note?: string;
  status: string;
  usage_limits?: UsageLimits;
  rate_limits?: unknown[];
  expires_at?: string;
  created_at: string;
  object: "provider";
}

export interface Config {
  id: string;
  name: string;
  slug: string;
  organisation_id: string;
  workspace_id: string;
  is_default: number;
  status: string;
  owner_id: string;
  updated_by: string;
  created_at: string;
  last_updated_at: string;
  config: unknown;
  version_id: string;
}

export interface Guardrail {
  id: string;
  name: string;
  slug: string;
  organisation_id: string;
  workspace_id: string;
  status: string;
  created_at: string;
  last_updated_at: string;
  owner_id: string;
  checks: unknown;
  actions: unknown;
  version_id: string;
}

export interface PortkeyState {
  apiKeys: Record<string, { workspaceId: string }>;
  integrations: Record<string, Integration>;
  providers: Record<string, Provider>;
  configs: Record<string, Config>;
  guardrails: Record<string, Guardrail>;
}

export const now = () => new Date().toISOString();
export const hex = (n: number) => randomBytes(n).toString("hex");

/**
 * `o` without its undefined and null members, which the description's (OpenAPI 3.0) schemas do not
 * allow; the stored types mark the members that may be left out as optional.
 */
export const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

/** A slug Portkey makes from a name when none is given: lowercase words joined by "-", a random tail. */
export const slugFrom = (name: unknown) =>
  `${String(name)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")}-${hex(3)}`;

/** One page of `items` (page_size, current_page from 0). */
export function page<T>(ctx: Ctx, items: T[], defaultSize: number): T[] {
  const size = Number(ctx.query.page_size ?? defaultSize);
  const current = Number(ctx.query.current_page ?? 0);
  return items.slice(current * size, current * size + size);
}
