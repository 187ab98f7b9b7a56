// `sophia check` for Redis: the login (authenticated) and a short-lived write under sophia:* (permitted).
import { Redis } from "ioredis";
import { errorMessage, networkFailure, ProbeFailure } from "../../cli/probeKit";
import { type Probe, requirement } from "../spec";
import { REDIS } from "./keys";

const { redisHost, redisPort, redisUser, redisPassword, redisSsl } = REDIS;

const refusedLogin = (text: string) =>
  new ProbeFailure(
    "authenticated",
    `Redis refused the login: ${text}`,
    `check ${redisUser.name} and ${redisPassword.name}`,
  );

/** Connects and pings, turning a refused login into its stage. */
async function connect(redis: Redis): Promise<void> {
  // ioredis reports the cause (refused connection, WRONGPASS) as an "error" event and rejects
  // connect() with a generic "Connection is closed"; keep the cause.
  let cause: unknown;
  redis.on("error", (e) => {
    cause ??= e;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    const e = cause ?? err;
    const text = errorMessage(e);
    if (/WRONGPASS|NOAUTH|invalid username-password|AUTH/i.test(text)) throw refusedLogin(text);
    throw networkFailure(e, "Redis", `${redisHost.name}, ${redisPort.name} and ${redisSsl.name}`);
  }
}

/** Writes a key that expires in 30 s: the pipelines' user must be allowed to write. */
async function write(redis: Redis, user: string): Promise<void> {
  try {
    await redis.set("sophia:check", String(Date.now()), "EX", 30);
  } catch (err) {
    const text = errorMessage(err);
    if (/NOPERM/i.test(text)) {
      throw new ProbeFailure(
        "permitted",
        `Redis user ${user} may not write: ${text}`,
        "grant the ACL user +set on sophia:* keys",
      );
    }
    if (/NOAUTH|WRONGPASS/i.test(text)) throw refusedLogin(text);
    throw networkFailure(err, "Redis", `${redisHost.name} and ${redisPort.name}`);
  }
}

export const PROBE: Probe = {
  requires: [
    requirement(redisHost),
    requirement(redisPort),
    requirement(redisUser),
    requirement(redisPassword),
    requirement(redisSsl),
  ],
  run: async (get, signal) => {
    const redis = new Redis({
      host: get(redisHost.name),
      port: Number(get(redisPort.name)),
      username: get(redisUser.name),
      password: get(redisPassword.name),
      tls: get(redisSsl.name) === "true" ? {} : undefined,
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    signal.addEventListener("abort", () => redis.disconnect());
    await connect(redis);
    try {
      await write(redis, get(redisUser.name));
    } finally {
      redis.disconnect();
    }
    return "authenticated; can write";
  },
};
