// AirbyteConnection: a source → destination sync with its streams and schedule.
import type * as pulumi from "@pulumi/pulumi";
import { isPlainObject, isUnknown, UUID } from "../dynamic";
import { dynamicProvider, dynamicResource, type Rule, str, text } from "../kit";
import {
  type AirbyteClient,
  type ConnectionResponse,
  configuredAirbyte,
  type StreamConfiguration,
} from "./client";
import { quartzCronError } from "./cron";

export const SYNC_MODES = [
  "full_refresh_overwrite",
  "full_refresh_overwrite_deduped",
  "full_refresh_append",
  "full_refresh_update",
  "full_refresh_soft_delete",
  "incremental_append",
  "incremental_deduped_history",
  "incremental_update",
  "incremental_soft_delete",
] as const;

export interface ConnectionSchedule {
  scheduleType: "manual" | "cron";
  cronExpression?: string;
}

export interface ConnectionInputs {
  name: string;
  workspaceId: string;
  sourceId: string;
  destinationId: string;
  streams: StreamConfiguration[];
  schedule: ConnectionSchedule;
  status?: "active" | "inactive";
  namespaceDefinition?: "source" | "destination" | "custom_format";
  prefix?: string;
  nonBreakingSchemaUpdatesBehavior?:
    | "ignore"
    | "disable_connection"
    | "propagate_columns"
    | "propagate_fully";
}

export interface ConnectionOutputs extends ConnectionInputs {
  connectionId: string;
  createdAt: number;
}

function scheduleProblem(s: unknown): string | undefined {
  if (!isPlainObject(s) || !["manual", "cron"].includes(s.scheduleType as string)) {
    return `schedule.scheduleType must be "manual" or "cron"`;
  }
  if (s.scheduleType !== "cron") {
    return s.cronExpression !== undefined
      ? 'schedule.cronExpression is only allowed when scheduleType is "cron"'
      : undefined;
  }
  if (typeof s.cronExpression !== "string" || !s.cronExpression.trim()) {
    return 'schedule.cronExpression is required when scheduleType is "cron"';
  }
  const problem = quartzCronError(s.cronExpression);
  return problem && `schedule.cronExpression "${s.cronExpression}": ${problem}`;
}

function streamsProblems(streams: unknown): string[] {
  if (!Array.isArray(streams) || streams.length === 0) return ["streams must list at least one stream"];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [i, st] of streams.entries()) {
    if (isUnknown(st)) continue;
    if (!isPlainObject(st) || typeof st.name !== "string" || !st.name) {
      out.push(`streams[${i}].name is required`);
      continue;
    }
    if (seen.has(st.name)) out.push(`streams[${i}]: stream "${st.name}" is listed twice`);
    seen.add(st.name);
    if (st.syncMode !== undefined && !(SYNC_MODES as readonly unknown[]).includes(st.syncMode)) {
      out.push(
        `streams[${i}].syncMode ${JSON.stringify(st.syncMode)} is not one of ${SYNC_MODES.join(", ")}`,
      );
    }
  }
  return out;
}

/** An optional value from a fixed list. */
const oneOf =
  (allowed: string[]): Rule =>
  (v, prop) =>
    v !== undefined && !allowed.includes(v as string)
      ? `${prop} ${JSON.stringify(v)} is not one of ${allowed.join(", ")}`
      : undefined;

function requestBody(i: ConnectionInputs) {
  return {
    name: i.name,
    configurations: { streams: i.streams },
    schedule: i.schedule,
    ...(i.status ? { status: i.status } : {}),
    ...(i.namespaceDefinition ? { namespaceDefinition: i.namespaceDefinition } : {}),
    ...(i.prefix !== undefined ? { prefix: i.prefix } : {}),
    ...(i.nonBreakingSchemaUpdatesBehavior
      ? { nonBreakingSchemaUpdatesBehavior: i.nonBreakingSchemaUpdatesBehavior }
      : {}),
  };
}

/** Remote state in the shape of the inputs; optional settings the program left unset are not reported. */
function toOutputs(r: ConnectionResponse, declared: Partial<ConnectionInputs>): ConnectionOutputs {
  return {
    name: r.name,
    workspaceId: r.workspaceId,
    sourceId: r.sourceId,
    destinationId: r.destinationId,
    streams: (r.configurations?.streams ?? []).map(
      (s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as StreamConfiguration,
    ),
    schedule: {
      scheduleType: r.schedule.scheduleType as "manual" | "cron",
      ...(r.schedule.cronExpression ? { cronExpression: r.schedule.cronExpression } : {}),
    },
    ...(declared.status !== undefined ? { status: r.status as "active" | "inactive" } : {}),
    ...(declared.namespaceDefinition !== undefined
      ? { namespaceDefinition: r.namespaceDefinition as ConnectionInputs["namespaceDefinition"] }
      : {}),
    ...(declared.prefix !== undefined ? { prefix: r.prefix ?? "" } : {}),
    ...(declared.nonBreakingSchemaUpdatesBehavior !== undefined
      ? {
          nonBreakingSchemaUpdatesBehavior:
            r.nonBreakingSchemaUpdatesBehavior as ConnectionInputs["nonBreakingSchemaUpdatesBehavior"],
        }
      : {}),
    connectionId: r.connectionId,
    createdAt: r.createdAt,
  };
}

export const connectionProvider = dynamicProvider<ConnectionInputs, ConnectionOutputs, AirbyteClient>({
  client: configuredAirbyte,
  rules: {
    name: str(),
    workspaceId: str(UUID),
    sourceId: str(UUID),
    destinationId: str(UUID),
    schedule: scheduleProblem,
    prefix: text,
    streams: streamsProblems,
    status: oneOf(["active", "inactive"]),
    namespaceDefinition: oneOf(["source", "destination", "custom_format"]),
    nonBreakingSchemaUpdatesBehavior: oneOf([
      "ignore",
      "disable_connection",
      "propagate_columns",
      "propagate_fully",
    ]),
  },
  diff: {
    // The API cannot move a connection to another source, destination or workspace.
    replace: ["workspaceId", "sourceId", "destinationId"],
    update: [
      "name",
      "streams",
      "schedule",
      "status",
      "namespaceDefinition",
      "prefix",
      "nonBreakingSchemaUpdatesBehavior",
    ],
    deleteFirst: "name",
    stables: ["connectionId", "createdAt"],
  },

  // Orphans: the name carries the stack's prefix, so a connection of that name the state does not hold
  // was made by an interrupted run. One between the declared source and destination is adopted and
  // patched to the declared streams and schedule; one between others (which cannot change) is deleted
  // and made anew.
  async create(inputs, api) {
    const client = api();
    const ours = (c: ConnectionResponse) =>
      c.sourceId === inputs.sourceId && c.destinationId === inputs.destinationId;
    const named = async () =>
      (await client.list("connections", inputs.workspaceId)).filter((c) => c.name === inputs.name);
    const findExisting = async () => (await named()).find(ours);
    const found = await named();
    for (const other of found.filter((c) => !ours(c))) await client.remove("connections", other.connectionId);
    const existing = found.find(ours);
    const remote = existing
      ? await client.patch("connections", existing.connectionId, requestBody(inputs))
      : await client.create(
          "connections",
          { ...requestBody(inputs), sourceId: inputs.sourceId, destinationId: inputs.destinationId },
          findExisting,
        );
    return { id: remote.connectionId, outs: toOutputs(remote, inputs) };
  },

  async read(id, props, api) {
    const remote = await api().get("connections", id);
    return remote && toOutputs(remote, props);
  },

  async update(id, _olds, news, api) {
    return toOutputs(await api().patch("connections", id, requestBody(news)), news);
  },

  async delete(id, _props, api) {
    await api().remove("connections", id);
  },
});

export interface ConnectionArgs {
  name: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  sourceId: pulumi.Input<string>;
  destinationId: pulumi.Input<string>;
  streams: pulumi.Input<pulumi.Input<StreamConfiguration>[]>;
  schedule: pulumi.Input<ConnectionSchedule>;
  status?: pulumi.Input<"active" | "inactive">;
  namespaceDefinition?: pulumi.Input<"source" | "destination" | "custom_format">;
  prefix?: pulumi.Input<string>;
  nonBreakingSchemaUpdatesBehavior?: pulumi.Input<
    ConnectionInputs["nonBreakingSchemaUpdatesBehavior"] & string
  >;
}

export class AirbyteConnection extends dynamicResource<ConnectionArgs>()(connectionProvider, {
  declaredIn: __filename,
  type: "airbyte:Connection",
  outputs: ["connectionId", "name", "schedule", "streams", "createdAt"],
}) {}
