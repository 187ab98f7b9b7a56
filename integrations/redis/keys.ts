// redis: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, HOST_RULE } from "../keys";

export const REDIS = defineKeys({
  redisEnabled: { type: "boolean", description: "Add the Redis destination.", defaultValue: true },
  redisHost: {
    type: "string",
    description: "Redis host of the hot cache.",
    defaultValue: "",
    required: true,
    ...HOST_RULE,
    what: "the Redis host name",
  },
  redisPort: { type: "integer", description: "Redis port.", defaultValue: 6379, min: 1, max: 65535 },
  redisUser: {
    type: "string",
    description: "Redis ACL user. Its password is redisPassword.",
    defaultValue: "default",
    pattern: /^[!-~]{1,128}$/,
    what: "a Redis ACL user name (no spaces)",
  },
  redisSsl: { type: "boolean", description: "Connect to Redis over TLS.", defaultValue: true },
  redisPassword: { type: "string", description: "Password of redisUser.", secret: true },
});
