// The Gong stand-in's objects and credentials, and the request ids of its answers.
import { randomBytes } from "node:crypto";

export const GONG_SANDBOX = {
  accessKey: "SANDBOXGONGACCESSKEY",
  accessKeySecret: "sandbox-gong-access-key-secret",
  workspaceId: "6543219876543210987",
};

export interface CrmIntegration {
  /** A 19-digit int64, kept as a decimal string (a JavaScript number would round it). */
  integrationId: string;
  name: string;
  ownerEmail: string;
  /** The clientRequestId of a pending delete. */
  deleting?: string;
}

/** A permission profile as stored: the API's view plus its workspaceId. */
export interface Profile {
  id: string;
  name: string;
  workspaceId: string;
  [key: string]: unknown;
}

export interface GongState {
  workspaces: Record<string, { id: string; name: string; description: string }>;
  /** Profiles by id, each with its workspaceId (not part of the API's view). */
  profiles: Record<string, Profile>;
  /** CRM integrations by id (a decimal string); `deleting` holds the clientRequestId of a pending delete. */
  crmIntegrations: Record<string, CrmIntegration>;
  /** Asynchronous requests by clientRequestId. */
  crmRequests: Record<string, { integrationId: string; pollsLeft: number; outcome: string; status?: string }>;
}

export const requestId = () => randomBytes(10).toString("hex").slice(0, 19);
