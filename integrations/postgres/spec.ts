// The PostgreSQL staging database: Airbyte and Estuary both write to it. No component of its own (the
// database is the platform's); its settings are shared by the pipelines, and `sophia check` probes it.
import type * as pulumi from "@pulumi/pulumi";
import { defineIntegration } from "../spec";
import { POSTGRES } from "./keys";

export interface PostgresConfig {
  host: string;
  port: number;
  database: string;
  schema: string;
  username: string;
  password: pulumi.Output<string>;
  sslMode: string;
}

export const postgres = defineIntegration({
  name: "postgres",
  keys: POSTGRES,
  enabled: (f) => f.isOn("airbyte") || f.isOn("estuary"),
  read: ({ r }): PostgresConfig => ({
    host: r.string(POSTGRES.postgresHost),
    port: r.int(POSTGRES.postgresPort),
    database: r.string(POSTGRES.postgresDatabase),
    schema: r.string(POSTGRES.postgresSchema),
    username: r.string(POSTGRES.postgresUser),
    password: r.secret(POSTGRES.postgresPassword),
    sslMode: r.string(POSTGRES.postgresSslMode),
  }),
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
