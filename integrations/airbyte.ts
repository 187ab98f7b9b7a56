// The Airbyte pipeline from the Airbyte design document: the Gong source lands calls, users, deals and
// emails in PostgreSQL (incremental append, every 6 hours); a Redis destination is added when configured.
import * as pulumi from "@pulumi/pulumi";
import { AirbyteDestination, AirbyteSource } from "../providers/airbyte/actor";
import type { StreamConfiguration } from "../providers/airbyte/client";
import { AirbyteConnection, type ConnectionInputs } from "../providers/airbyte/connection";

export interface PostgresDestinationArgs {
  host: string;
  port: number;
  database: string;
  schema: string;
  username: string;
  password: pulumi.Input<string>;
  sslMode: string;
}

export interface RedisDestinationArgs {
  host: string;
  port: number;
  username: string;
  password: pulumi.Input<string>;
  ssl: boolean;
}

export interface AirbyteArgs {
  /** Prefix of every object name in Airbyte, e.g. "sophia-production". */
  namePrefix: string;
  workspaceId: string;
  gong: {
    accessKey: pulumi.Input<string>;
    accessKeySecret: pulumi.Input<string>;
    startDate: string;
  };
  postgres: PostgresDestinationArgs;
  redis?: RedisDestinationArgs;
  /** Quartz cron expression of the Gong → PostgreSQL sync. */
  syncCron: string;
  streams: string[];
  syncMode: NonNullable<StreamConfiguration["syncMode"]>;
}

export class AirbytePipeline extends pulumi.ComponentResource {
  readonly gongSource: AirbyteSource;
  readonly postgres: AirbyteDestination;
  readonly redis?: AirbyteDestination;
  readonly gongToPostgres: AirbyteConnection;

  constructor(name: string, args: AirbyteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:integrations:Airbyte", name, {}, opts);
    const child = { parent: this };
    const p = args.namePrefix;

    this.gongSource = new AirbyteSource(
      `${name}-gong`,
      {
        name: `${p}-gong`,
        workspaceId: args.workspaceId,
        connectorType: "gong",
        configuration: { start_date: args.gong.startDate },
        secretConfiguration: {
          access_key: args.gong.accessKey,
          access_key_secret: args.gong.accessKeySecret,
        },
      },
      child,
    );

    const pg = args.postgres;
    this.postgres = new AirbyteDestination(
      `${name}-postgres`,
      {
        name: `${p}-postgres`,
        workspaceId: args.workspaceId,
        connectorType: "postgres",
        configuration: {
          host: pg.host,
          port: pg.port,
          database: pg.database,
          schema: pg.schema,
          username: pg.username,
          ssl_mode: { mode: pg.sslMode },
        },
        secretConfiguration: { password: pg.password },
      },
      child,
    );

    if (args.redis) {
      const r = args.redis;
      this.redis = new AirbyteDestination(
        `${name}-redis`,
        {
          name: `${p}-redis`,
          workspaceId: args.workspaceId,
          connectorType: "redis",
          configuration: { host: r.host, port: r.port, username: r.username, ssl: r.ssl, cache_type: "hash" },
          secretConfiguration: { password: r.password },
        },
        child,
      );
    }

    const streams: StreamConfiguration[] = args.streams.map((s) => ({ name: s, syncMode: args.syncMode }));
    const schedule: ConnectionInputs["schedule"] = { scheduleType: "cron", cronExpression: args.syncCron };
    this.gongToPostgres = new AirbyteConnection(
      `${name}-gong-to-postgres`,
      {
        name: `${p}-gong-to-postgres`,
        workspaceId: args.workspaceId,
        sourceId: this.gongSource.actorId,
        destinationId: this.postgres.actorId,
        streams,
        schedule,
        status: "active",
        namespaceDefinition: "destination",
        nonBreakingSchemaUpdatesBehavior: "propagate_columns",
      },
      child,
    );

    this.registerOutputs({
      gongSourceId: this.gongSource.actorId,
      postgresDestinationId: this.postgres.actorId,
      redisDestinationId: this.redis?.actorId,
      connectionId: this.gongToPostgres.connectionId,
    });
  }
}
