// Airbyte: the Gong → PostgreSQL (and Redis) pipeline.

import type { AirbyteArgs, AirbytePipeline } from "../airbyte";
import { GONG } from "../gong/keys";
import { gongCredentials } from "../gong/spec";
import { postgres } from "../postgres/spec";
import { redis } from "../redis/spec";
import { defineIntegration, enabledBy } from "../spec";
import { AIRBYTE } from "./keys";

export const airbyte = defineIntegration({
  name: "airbyte",
  keys: AIRBYTE,
  enabled: enabledBy(AIRBYTE.airbyteEnabled),
  // Airbyte's Gong source reads with Gong's credentials; the provider reads its client's at call time.
  ciCredentials: [
    GONG.gongAccessKey,
    GONG.gongAccessKeySecret,
    AIRBYTE.airbyteClientId,
    AIRBYTE.airbyteClientSecret,
  ],
  read: (ctx): AirbyteArgs => {
    const { r } = ctx;
    const gong = gongCredentials(ctx);
    r.string(AIRBYTE.airbyteApiUrl);
    return {
      namePrefix: ctx.namePrefix,
      workspaceId: r.string(AIRBYTE.airbyteWorkspaceId),
      gong: { ...gong, startDate: r.string(AIRBYTE.gongStartDate) },
      // postgres is on whenever airbyte is (its spec's `enabled`), and read before it
      postgres: ctx.configOf(postgres)!,
      redis: ctx.configOf(redis),
      syncCron: r.string(AIRBYTE.airbyteSyncCron),
      streams: r.stringList(AIRBYTE.airbyteStreams),
      syncMode: "incremental_append",
    };
  },
  compose: (cfg): AirbytePipeline => {
    const { AirbytePipeline } = require("../airbyte") as typeof import("../airbyte");
    return new AirbytePipeline("airbyte", cfg);
  },
  outputs: (airbyte) => ({
    airbyteGongSourceId: airbyte.gongSource.actorId,
    airbytePostgresDestinationId: airbyte.postgres.actorId,
    airbyteConnectionId: airbyte.gongToPostgres.connectionId,
    ...(airbyte.redis ? { airbyteRedisDestinationId: airbyte.redis.actorId } : {}),
  }),
  sandboxUrls: (at) => ({ [AIRBYTE.airbyteApiUrl.name]: at("airbyte", "/v1") }),
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
