// The OpenRouter stand-in's objects and credentials.
import type { Model } from "./catalogue";

export const OPENROUTER_SANDBOX = {
  managementKey: "sk-or-v1-sandbox-management-key-0001",
  workspaceId: "0df9e665-d932-5740-b2c7-b52af166bc11",
  userId: "user_sandbox0000000000000000000",
};

/** An API key as stored (by hash; the key string itself is kept nowhere). */
export interface ApiKey {
  hash: string;
  name: string;
  label: string;
  disabled: boolean;
  limit: number | null;
  limit_remaining: number | null;
  limit_reset: string | null;
  include_byok_in_limit: boolean;
  usage: number;
  usage_daily: number;
  usage_weekly: number;
  usage_monthly: number;
  byok_usage: number;
  byok_usage_daily: number;
  byok_usage_weekly: number;
  byok_usage_monthly: number;
  created_at: string;
  updated_at: string | null;
  expires_at: string | null;
  creator_user_id: string;
  workspace_id: string;
}

export interface OpenRouterState {
  managementKeys: string[];
  /** API keys by hash; never the key string. */
  keys: Record<string, ApiKey>;
  /** The catalogue by modelKey(id) (the id with "/" as "__", so the admin API can address it). */
  models: Record<string, Model>;
}
