// The Sophia AI integrations program: reads the typed stack configuration and composes one component
// per enabled integration. Nothing else belongs here.
import * as pulumi from "@pulumi/pulumi";
import { CARRIERS, loadStackConfig, type RotatedService } from "./config";
import { AirbytePipeline } from "./integrations/airbyte";
import { DataLake } from "./integrations/aws";
import { GithubDelivery } from "./integrations/github";
import { RotatedCredential } from "./integrations/rotation";
import { SnowflakeAnalytics } from "./integrations/snowflake";
import { VercelSite, type VercelVariable } from "./integrations/vercel";

const config = loadStackConfig();

// Credentials this program mints, each rotated by its service's epoch. Webhook secrets exist when something
// carries them (the Vercel app verifies and sends webhooks; CI uses them in integration checks).
const carriers = Boolean(config.github || config.vercel);
const credential = (service: RotatedService, name: string, special = false) =>
  new RotatedCredential(name, {
    service,
    rotation: config.rotation.services[service],
    maxAgeDays: config.rotation.maxAgeDays,
    special,
  });
const snowflakeCredential = config.snowflake && credential("snowflake", "snowflake-service-password");
const gongWebhookSecret = carriers ? credential("gong", "gong-webhook-secret") : undefined;
const estuaryWebhookToken = carriers ? credential("estuary", "estuary-webhook-token") : undefined;

const airbyte = config.airbyte && new AirbytePipeline("airbyte", config.airbyte);
const snowflake =
  config.snowflake &&
  snowflakeCredential &&
  new SnowflakeAnalytics("snowflake", {
    ...config.snowflake,
    credential: snowflakeCredential,
    protect: config.protect,
  });
const aws = config.aws && new DataLake("aws", { ...config.aws, protect: config.protect });

const [SNOWFLAKE_USER, SNOWFLAKE_PASSWORD] = CARRIERS.snowflake;
const carried: Record<string, pulumi.Input<string>> = {
  ...(snowflake
    ? { [SNOWFLAKE_USER]: snowflake.currentUser, [SNOWFLAKE_PASSWORD]: snowflake.currentPassword }
    : {}),
  ...(gongWebhookSecret ? { [CARRIERS.gong[0]]: gongWebhookSecret.current } : {}),
  ...(estuaryWebhookToken ? { [CARRIERS.estuary[0]]: estuaryWebhookToken.current } : {}),
};

if (config.github) {
  new GithubDelivery("github", {
    ...config.github,
    repoSecrets: carried,
    orgSecrets: config.github.carryConfigCredentials ? config.ciCredentials : {},
  });
}

if (config.vercel) {
  const variables: Record<string, VercelVariable> = {
    SOPHIA_STACK: {
      value: config.stack,
      targets: ["production", "preview", "development"],
      sensitive: false,
    },
  };
  for (const [key, value] of Object.entries(carried)) {
    variables[key] = { value, targets: ["production", "preview"], sensitive: key !== SNOWFLAKE_USER };
  }
  new VercelSite("vercel", { ...config.vercel, variables });
}

// Stack outputs: only what the enabled integrations produce (no undefined outputs).
const outputs: Record<string, unknown> = {};
if (airbyte) {
  Object.assign(outputs, {
    airbyteGongSourceId: airbyte.gongSource.actorId,
    airbytePostgresDestinationId: airbyte.postgres.actorId,
    airbyteConnectionId: airbyte.gongToPostgres.connectionId,
    ...(airbyte.redis ? { airbyteRedisDestinationId: airbyte.redis.actorId } : {}),
  });
}
if (snowflake)
  Object.assign(outputs, {
    snowflakeWarehouse: snowflake.warehouse.name,
    snowflakeCurrentUser: snowflake.currentUser,
  });
if (aws) {
  Object.assign(outputs, {
    dataBucket: aws.bucket.id,
    airbyteS3AccessKeyId: pulumi.secret(aws.airbyteAccessKey.id),
    airbyteS3SecretAccessKey: aws.airbyteAccessKey.secret,
  });
}
// Rotation state of every minted credential, for audits: epochs, slots, times and status, never values.
const rotations = Object.fromEntries(
  (
    [
      ["snowflake", snowflakeCredential],
      ["gong", gongWebhookSecret],
      ["estuary", estuaryWebhookToken],
    ] as const
  )
    .filter(([, c]) => c)
    .map(([service, c]) => [service, c!.audit()]),
);
if (Object.keys(rotations).length) outputs.credentialRotation = rotations;

export = outputs;
