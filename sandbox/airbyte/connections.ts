// Connections (a source synced into a destination, on a schedule, by stream) and their jobs.
import { type Ctx, type Handler, newId } from "../core";
import { cronProblem } from "./cron";
import type { AirbyteSandbox } from "./index";
import {
  byCreation,
  inWorkspaces,
  page,
  type Schedule,
  type StoredConnection,
  type StoredJob,
} from "./state";

/** Streams each source connector offers (Gong: the connector's streams plus the platform's deals and emails). */
const STREAMS: Record<string, string[]> = {
  gong: ["answered_scorecards", "calls", "scorecards", "users", "deals", "emails", "extensive_calls"],
};

/** The members of a connection a patch may change. */
const PATCHABLE = [
  "name",
  "configurations",
  "schedule",
  "namespaceDefinition",
  "namespaceFormat",
  "prefix",
  "nonBreakingSchemaUpdatesBehavior",
  "status",
];

/** A ConnectionCreateRequest / ConnectionPatchRequest, as validated by the harness. */
interface ConnectionBody {
  sourceId: string;
  destinationId: string;
  name?: string;
  status?: string;
  schedule?: Schedule;
  configurations?: StoredConnection["configurations"];
  namespaceDefinition?: string;
  prefix?: string;
  nonBreakingSchemaUpdatesBehavior?: string;
  [key: string]: unknown;
}

export function connectionRoutes(s: AirbyteSandbox): Record<string, Handler> {
  const notFound = (id: string) => s.problem(404, "resource-not-found", `Connection ${id} was not found`);
  const find = (ctx: Ctx) => s.state.connections[ctx.params.connectionId];
  /** What is wrong with a connection's schedule or streams, if anything. */
  const invalid = (b: Partial<ConnectionBody>, sourceId: string): string | undefined => {
    if (b.schedule?.scheduleType === "cron") {
      if (!b.schedule.cronExpression) return "schedule.cronExpression is required for a cron schedule";
      const problem = cronProblem(b.schedule.cronExpression);
      if (problem) return `Invalid cron expression "${b.schedule.cronExpression}": ${problem}`;
    }
    const offered = STREAMS[String(s.state.sources[sourceId]?.sourceType)];
    const names = (b.configurations?.streams ?? []).map((st) => st.name);
    const unknown = offered ? names.filter((n) => !offered.includes(n)) : [];
    if (unknown.length) return `Unknown stream(s) for this source: ${unknown.join(", ")}`;
    return undefined;
  };

  return {
    listConnections: (ctx) => {
      const all = Object.values(s.state.connections).sort(byCreation);
      return page(ctx, inWorkspaces(ctx, all), (c) => c);
    },
    createConnection: (ctx) => {
      const b = ctx.body as ConnectionBody;
      const source = s.state.sources[b.sourceId];
      const dest = s.state.destinations[b.destinationId];
      if (!source) return s.problem(400, "bad-request", `Source ${b.sourceId} does not exist`);
      if (!dest) return s.problem(400, "bad-request", `Destination ${b.destinationId} does not exist`);
      if (source.workspaceId !== dest.workspaceId)
        return s.problem(400, "bad-request", "Source and destination are in different workspaces");
      const problem = invalid(b, b.sourceId);
      if (problem) return s.problem(400, "bad-request", problem);
      const id = newId();
      const conn: StoredConnection = {
        connectionId: id,
        name: b.name ?? `${source.name} → ${dest.name}`,
        sourceId: b.sourceId,
        destinationId: b.destinationId,
        workspaceId: source.workspaceId,
        status: b.status ?? "active",
        schedule: b.schedule ?? { scheduleType: "manual" },
        configurations: b.configurations ?? { streams: [] },
        namespaceDefinition: b.namespaceDefinition ?? "destination",
        prefix: b.prefix ?? "",
        nonBreakingSchemaUpdatesBehavior: b.nonBreakingSchemaUpdatesBehavior ?? "ignore",
        createdAt: Math.floor(Date.now() / 1000),
        tags: [],
      };
      s.state.connections[id] = conn;
      s.save();
      return { status: 200, body: conn };
    },
    getConnection: (ctx) => {
      const c = find(ctx);
      return c ? { status: 200, body: c } : notFound(ctx.params.connectionId);
    },
    patchConnection: (ctx) => {
      const c = find(ctx);
      if (!c) return notFound(ctx.params.connectionId);
      const b = (ctx.body ?? {}) as Partial<ConnectionBody>;
      const problem = invalid(b, c.sourceId);
      if (problem) return s.problem(400, "bad-request", problem);
      const next: StoredConnection = { ...c };
      for (const k of PATCHABLE) if (b[k] !== undefined) next[k] = b[k];
      s.state.connections[c.connectionId] = next;
      s.save();
      return { status: 200, body: next };
    },
    deleteConnection: (ctx) => {
      const c = find(ctx);
      if (!c) return notFound(ctx.params.connectionId);
      delete s.state.connections[c.connectionId];
      s.save();
      return { status: 204 };
    },
  };
}

/** A job as the API shows it: a sync moves pending → running → succeeded as time passes (a second per step). */
function jobView(j: StoredJob) {
  const age = Date.now() - j.started;
  const status =
    j.status === "cancelled" ? "cancelled" : age < 1000 ? "pending" : age < 2000 ? "running" : "succeeded";
  const { started: _s, ...rest } = j;
  return { ...rest, status, lastUpdatedAt: new Date(j.started + Math.min(age, 2000)).toISOString() };
}

export function jobRoutes(s: AirbyteSandbox): Record<string, Handler> {
  const notFound = (id: string) => s.problem(404, "resource-not-found", `Job ${id} was not found`);
  return {
    createJob: (ctx) => {
      const b = ctx.body as { jobType: string; connectionId: string };
      if (!s.state.connections[b.connectionId])
        return s.problem(400, "bad-request", `Connection ${b.connectionId} does not exist`);
      const jobId = s.state.nextJobId++;
      const job: StoredJob = {
        jobId,
        status: "pending",
        jobType: b.jobType,
        connectionId: b.connectionId,
        startTime: new Date().toISOString(),
        started: Date.now(),
      };
      s.state.jobs[jobId] = job;
      s.save();
      return { status: 200, body: jobView(job) };
    },
    getJob: (ctx) => {
      const j = s.state.jobs[ctx.params.jobId];
      return j ? { status: 200, body: jobView(j) } : notFound(ctx.params.jobId);
    },
    listJobs: (ctx) => {
      const all = Object.values(s.state.jobs).filter(
        (j) => !ctx.query.connectionId || j.connectionId === ctx.query.connectionId,
      );
      return page(ctx, all, jobView);
    },
    cancelJob: (ctx) => {
      const j = s.state.jobs[ctx.params.jobId];
      if (!j) return notFound(ctx.params.jobId);
      j.status = "cancelled";
      s.save();
      return { status: 200, body: jobView(j) };
    },
  };
}
