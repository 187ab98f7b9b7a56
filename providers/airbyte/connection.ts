// AirbyteConnection: a source → destination sync with its streams and schedule.
import * as pulumi from "@pulumi/pulumi";
import {
  type CheckFailure,
  changedKeys,
  configValue,
  isPlainObject,
  isUnknown,
  rememberConfig,
  requireString,
  UUID,
} from "../dynamic";
import { type ConnectionResponse, configuredAirbyte, type StreamConfiguration } from "./client";
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

const UPDATABLE = [
  "name",
  "streams",
  "schedule",
  "status",
  "namespaceDefinition",
  "prefix",
  "nonBreakingSchemaUpdatesBehavior",
];

function checkConnection(n: Record<string, any>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  requireString(failures, n, "name");
  requireString(failures, n, "workspaceId", UUID);
  requireString(failures, n, "sourceId", UUID);
  requireString(failures, n, "destinationId", UUID);

  const s = n.schedule;
  if (!isUnknown(s)) {
    if (!isPlainObject(s) || !["manual", "cron"].includes(s.scheduleType as string)) {
      failures.push({ property: "schedule", reason: `schedule.scheduleType must be "manual" or "cron"` });
    } else if (s.scheduleType === "cron") {
      if (typeof s.cronExpression !== "string" || !s.cronExpression.trim()) {
        failures.push({
          property: "schedule",
          reason: 'schedule.cronExpression is required when scheduleType is "cron"',
        });
      } else {
        const problem = quartzCronError(s.cronExpression);
        if (problem)
          failures.push({
            property: "schedule",
            reason: `schedule.cronExpression "${s.cronExpression}": ${problem}`,
          });
      }
    } else if (s.cronExpression !== undefined) {
      failures.push({
        property: "schedule",
        reason: 'schedule.cronExpression is only allowed when scheduleType is "cron"',
      });
    }
  }

  const streams = n.streams;
  if (!isUnknown(streams)) {
    if (!Array.isArray(streams) || streams.length === 0) {
      failures.push({ property: "streams", reason: "streams must list at least one stream" });
    } else {
      const seen = new Set<string>();
      streams.forEach((st: any, i: number) => {
        if (isUnknown(st)) return;
        if (!isPlainObject(st) || typeof st.name !== "string" || !st.name) {
          failures.push({ property: "streams", reason: `streams[${i}].name is required` });
          return;
        }
        if (seen.has(st.name))
          failures.push({
            property: "streams",
            reason: `streams[${i}]: stream "${st.name}" is listed twice`,
          });
        seen.add(st.name);
        if (st.syncMode !== undefined && !(SYNC_MODES as readonly unknown[]).includes(st.syncMode)) {
          failures.push({
            property: "streams",
            reason: `streams[${i}].syncMode "${st.syncMode}" is not one of ${SYNC_MODES.join(", ")}`,
          });
        }
      });
    }
  }
  for (const [prop, allowed] of [
    ["status", ["active", "inactive"]],
    ["namespaceDefinition", ["source", "destination", "custom_format"]],
    [
      "nonBreakingSchemaUpdatesBehavior",
      ["ignore", "disable_connection", "propagate_columns", "propagate_fully"],
    ],
  ] as const) {
    const v = n[prop];
    if (v !== undefined && !isUnknown(v) && !(allowed as readonly string[]).includes(v)) {
      failures.push({ property: prop, reason: `${prop} "${v}" is not one of ${allowed.join(", ")}` });
    }
  }
  return failures;
}

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
      ? { namespaceDefinition: r.namespaceDefinition as any }
      : {}),
    ...(declared.prefix !== undefined ? { prefix: r.prefix ?? "" } : {}),
    ...(declared.nonBreakingSchemaUpdatesBehavior !== undefined
      ? { nonBreakingSchemaUpdatesBehavior: r.nonBreakingSchemaUpdatesBehavior as any }
      : {}),
    connectionId: r.connectionId,
    createdAt: r.createdAt,
  };
}

export const connectionProvider: pulumi.dynamic.ResourceProvider<ConnectionInputs, ConnectionOutputs> = {
  async configure(req) {
    rememberConfig(req);
  },

  async check(_olds, news) {
    return { inputs: news, failures: checkConnection(news as unknown as Record<string, unknown>) };
  },

  async diff(_id, olds, news) {
    // The API cannot move a connection to another source, destination or workspace.
    const replaces = changedKeys(olds as any, news as any, ["workspaceId", "sourceId", "destinationId"]);
    const updates = changedKeys(olds as any, news as any, UPDATABLE);
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && olds.name === news.name,
    };
  },

  async create(inputs) {
    const client = configuredAirbyte(configValue);
    const findExisting = async () =>
      (await client.list("connections", inputs.workspaceId)).find(
        (c) =>
          c.name === inputs.name &&
          c.sourceId === inputs.sourceId &&
          c.destinationId === inputs.destinationId,
      );
    const existing = await findExisting();
    const remote = existing
      ? await client.patch("connections", existing.connectionId, requestBody(inputs))
      : await client.create(
          "connections",
          { ...requestBody(inputs), sourceId: inputs.sourceId, destinationId: inputs.destinationId },
          findExisting,
        );
    return { id: remote.connectionId, outs: toOutputs(remote, inputs) };
  },

  async read(id, props) {
    const remote = await configuredAirbyte(configValue).get("connections", id);
    if (!remote) return { id: "", props: {} as ConnectionOutputs };
    return { id, props: toOutputs(remote, props ?? {}) };
  },

  async update(id, _olds, news) {
    const remote = await configuredAirbyte(configValue).patch("connections", id, requestBody(news));
    return { outs: toOutputs(remote, news) };
  },

  async delete(id) {
    await configuredAirbyte(configValue).remove("connections", id);
  },
};

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

export class AirbyteConnection extends pulumi.dynamic.Resource {
  declare readonly connectionId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly schedule: pulumi.Output<ConnectionSchedule>;
  declare readonly streams: pulumi.Output<StreamConfiguration[]>;
  constructor(name: string, args: ConnectionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      connectionProvider,
      name,
      { ...args, connectionId: undefined, createdAt: undefined },
      opts,
      "airbyte",
      "Connection",
    );
  }
}
