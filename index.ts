// The Sophia AI integrations program: reads the typed stack configuration and composes one component
// per enabled integration. Nothing else belongs here.
import * as pulumi from "@pulumi/pulumi";
import { CARRIERS, loadStackConfig, type RotatedService } from "./config";
import { AirbytePipeline } from "./integrations/airbyte";
import { DataLake } from "./integrations/aws";
import { EstuaryFlow } from "./integrations/estuary";
import { GithubDelivery } from "./integrations/github";
import { GongWorkspace } from "./integrations/gong";
import { LambdaLabsCompute } from "./integrations/lambdaLabs";
import { OpenRouterAccess } from "./integrations/openrouter";
import { PortkeyGateway } from "./integrations/portkey";
import { RotatedCredential } from "./integrations/rotation";
import { SnowflakeAnalytics } from "./integrations/snowflake";
import { VercelSite, type VercelVariable } from "./integrations/vercel";

const config = loadStackConfig();

// Credentials this program mints with random resources, each rotated by its service's epoch. Webhook
// secrets exist when something uses or carries them (Gong's webhook rule, the Estuary capture; the Vercel
// app verifies and sends webhooks; CI uses them in integration checks).
const carriers = Boolean(config.github || config.vercel);
const credential = (service: RotatedService, name: string, mixedCase = false) =>
  new RotatedCredential(name, {
    service,
    rotation: config.rotation.services[service],
    maxAgeDays: config.rotation.maxAgeDays,
    mixedCase,
  });
const snowflakeCredential = config.snowflake
  ? credential("snowflake", "snowflake-service-password", true) // Snowflake's password policy
  : undefined;
const gongWebhookSecret =
  carriers || config.gong?.webhookUrl ? credential("gong", "gong-webhook-secret") : undefined;
const estuaryWebhookToken =
  carriers || config.estuary ? credential("estuary", "estuary-webhook-token") : undefined;

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

let gong: GongWorkspace | undefined;
if (config.gong) {
  const { webhookUrl, ...gongArgs } = config.gong;
  gong = new GongWorkspace("gong", {
    ...gongArgs,
    protect: config.protect,
    webhook:
      webhookUrl && gongWebhookSecret ? { url: webhookUrl, secret: gongWebhookSecret.current } : undefined,
  });
}

let estuary: EstuaryFlow | undefined;
if (config.estuary && estuaryWebhookToken) {
  const { snowflake: sf, ...estuaryArgs } = config.estuary;
  estuary = new EstuaryFlow("estuary", {
    ...estuaryArgs,
    captureToken: estuaryWebhookToken.current,
    // Estuary writes to Snowflake as the Snowflake module's current service user: a rotation reaches it.
    snowflake:
      sf && snowflake && config.snowflake
        ? {
            ...sf,
            user: snowflake.currentUser,
            password: snowflake.currentPassword,
            database: config.snowflake.database,
            schema: config.snowflake.schema,
            warehouse: snowflake.warehouse.name,
          }
        : undefined,
  });
}

const openrouter = config.openrouter && new OpenRouterAccess("openrouter", config.openrouter);

let portkey: PortkeyGateway | undefined;
if (config.portkey) {
  portkey = new PortkeyGateway("portkey", {
    ...config.portkey,
    providers: config.portkey.providers.map(({ openrouterKey, apiKey, ...p }) => ({
      ...p,
      // A vendor key from the stack's secrets, or a key this program manages at OpenRouter.
      apiKey: apiKey ?? openrouter!.keys.apply((keys) => keys[openrouterKey!]),
    })),
  });
}

const lambda = config.lambda && new LambdaLabsCompute("lambda", config.lambda);

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
if (gong) {
  Object.assign(outputs, {
    gongPermissionProfileIds: gong.permissionProfiles
      ? pulumi.all(Object.fromEntries(Object.entries(gong.permissionProfiles).map(([k, v]) => [k, v.id])))
      : {},
    ...(gong.crmIntegration ? { gongCrmIntegrationId: gong.crmIntegration.id } : {}),
    // What an admin enters in Gong's webhook rule (secret: the URL carries the key).
    ...(gong.webhookSetup ? { gongWebhookSetup: gong.webhookSetup } : {}),
  });
}
if (estuary) {
  Object.assign(outputs, {
    estuaryCapture: estuary.capture.catalogName,
    estuaryMaterializations: estuary.materializationNames,
  });
}
if (openrouter) Object.assign(outputs, { openrouterKeys: openrouter.keys, llmModels: openrouter.models });
if (portkey) {
  Object.assign(outputs, {
    portkeyConfigSlugs: portkey.configSlugs,
    portkeyProviderSlugs: portkey.providerSlugs,
  });
}
if (lambda) {
  Object.assign(outputs, { lambdaInstanceIps: lambda.instanceIps, lambdaPrivateKeys: lambda.privateKeys });
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
