// The Airbyte stand-in's objects, credentials and the paging every list route shares.
import type { Ctx, Reply } from "../core";

export const AIRBYTE_SANDBOX = {
  clientId: "sandbox-airbyte-client",
  clientSecret: "sandbox-airbyte-secret",
  workspaceId: "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6",
};

export type Json = Record<string, unknown>;

export interface Workspace {
  workspaceId: string;
  name: string;
  dataResidency: string;
  notifications: Json;
}

/** A source or a destination: its id and type keys are `sourceId`/`sourceType` or `destinationId`/… */
export interface StoredActor {
  name: string;
  definitionId: string;
  workspaceId: string;
  configuration: Json;
  createdAt: number;
  [key: string]: unknown;
}

export interface Schedule {
  scheduleType: string;
  cronExpression?: string;
}

export interface StoredConnection {
  connectionId: string;
  name: string;
  sourceId: string;
  destinationId: string;
  workspaceId: string;
  status: string;
  schedule: Schedule;
  configurations: { streams?: { name: string }[] };
  createdAt: number;
  [key: string]: unknown;
}

export interface StoredJob {
  jobId: number;
  status: string;
  jobType: string;
  connectionId: string;
  startTime: string;
  /** When the job was created (ms); hidden from the API's view. */
  started: number;
}

export interface AirbyteState {
  applications: Record<string, { clientId: string; clientSecret: string }>;
  tokens: Record<string, number>;
  workspaces: Record<string, Workspace>;
  sources: Record<string, StoredActor>;
  destinations: Record<string, StoredActor>;
  connections: Record<string, StoredConnection>;
  jobs: Record<string, StoredJob>;
  nextJobId: number;
}

/** One page of `items` by limit/offset, with `next` and `previous` links as the API gives them. */
export function page<T>(ctx: Ctx, items: T[], present: (o: T) => unknown): Reply {
  const limit = Number(ctx.query.limit ?? 20);
  const offset = Number(ctx.query.offset ?? 0);
  const slice = items.slice(offset, offset + limit).map(present);
  const link = (o: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(ctx.query)) if (k !== "offset" && k !== "limit") q.set(k, String(v));
    q.set("limit", String(limit));
    q.set("offset", String(o));
    return `${ctx.baseUrl}${ctx.path}?${q}`;
  };
  return {
    status: 200,
    body: {
      data: slice,
      ...(offset + limit < items.length ? { next: link(offset + limit) } : {}),
      ...(offset > 0 ? { previous: link(Math.max(0, offset - limit)) } : {}),
    },
  };
}

/** `items` in the workspaces the `workspaceIds` query names (repeated or comma-separated); all without it. */
export function inWorkspaces<T extends { workspaceId: string }>(ctx: Ctx, items: T[]): T[] {
  const raw = ctx.query.workspaceIds;
  const ids = raw === undefined ? [] : (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(","));
  return ids.length ? items.filter((o) => ids.includes(o.workspaceId)) : items;
}

export const byCreation = (a: { createdAt: number }, b: { createdAt: number }) => a.createdAt - b.createdAt;
