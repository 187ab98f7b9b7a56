// The Sophia AI integrations program: reads the typed stack configuration and composes one component
// per enabled integration. Nothing else belongs here.
import { loadStackConfig } from "./config";
import { AirbytePipeline } from "./integrations/airbyte";

const config = loadStackConfig();

const airbyte = config.airbyte && new AirbytePipeline("airbyte", config.airbyte);

export const airbyteGongSourceId = airbyte?.gongSource.actorId;
export const airbytePostgresDestinationId = airbyte?.postgres.actorId;
export const airbyteRedisDestinationId = airbyte?.redis?.actorId;
export const airbyteConnectionId = airbyte?.gongToPostgres.connectionId;
