// The Redis hot cache: Airbyte and Estuary both write to it. No component of its own; its settings are
// shared by the pipelines, and `sophia check` probes it.
import type * as pulumi from "@pulumi/pulumi";
import { defineIntegration } from "../spec";
import { REDIS } from "./keys";

export interface RedisConfig {
  host: string;
  port: number;
  username: string;
  password: pulumi.Output<string>;
  ssl: boolean;
}

export const redis = defineIntegration({
  name: "redis",
  keys: REDIS,
  enabled: (f) => f.flag(REDIS.redisEnabled) && (f.isOn("airbyte") || f.isOn("estuary")),
  read: ({ r }): RedisConfig => ({
    host: r.string(REDIS.redisHost),
    port: r.int(REDIS.redisPort),
    username: r.string(REDIS.redisUser),
    password: r.secret(REDIS.redisPassword),
    ssl: r.bool(REDIS.redisSsl),
  }),
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
