// The stack config of every integration `sophia check` probes over HTTP, pointed at the stand-ins of a test
// sandbox, with the logins they accept: the plain keys and the secret ones apart. Shared by the check tests
// and `npm run bench -- check`.
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { AWS_SANDBOX as AWS } from "../../sandbox/aws";
import { ESTUARY_SANDBOX } from "../../sandbox/estuary";
import { GITHUB_SANDBOX } from "../../sandbox/github";
import { GONG_SANDBOX } from "../../sandbox/gong";
import { LAMBDA_SANDBOX } from "../../sandbox/lambda";
import { OPENROUTER_SANDBOX } from "../../sandbox/openrouter";
import { PORTKEY_SANDBOX } from "../../sandbox/portkey";
import { SNOWFLAKE_SANDBOX as SF } from "../../sandbox/snowflake";
import { VERCEL_SANDBOX as V } from "../../sandbox/vercel";
import type { TestSandbox } from "./sandbox";

/** Every integration `sophia check` probes over HTTP (PostgreSQL and Redis speak their own protocols). */
export const HTTP_INTEGRATIONS = [
  "airbyte",
  "github",
  "snowflake",
  "aws",
  "vercel",
  "gong",
  "estuary",
  "portkey",
  "openrouter",
  "lambda",
];

export function standInConfig(sb: TestSandbox): {
  plain: Record<string, string>;
  secret: Record<string, string>;
} {
  const aws = `http://127.0.0.1:${sb.sandbox.services.aws.port}`;
  return {
    plain: {
      airbyteApiUrl: sb.url("airbyte"),
      airbyteClientId: AIRBYTE_SANDBOX.clientId,
      airbyteWorkspaceId: AIRBYTE_SANDBOX.workspaceId,
      githubRepository: GITHUB_SANDBOX.repo,
      "github:owner": GITHUB_SANDBOX.owner,
      "snowflake:organizationName": SF.organizationName,
      "snowflake:accountName": SF.accountName,
      "snowflake:host": "127.0.0.1",
      "snowflake:protocol": "http",
      "snowflake:port": String(sb.sandbox.services.snowflake.port),
      "snowflake:user": SF.adminUser,
      awsBucketName: AWS.bucket,
      "aws:region": AWS.region,
      "aws:accessKey": AWS.admin.accessKeyId,
      "aws:endpoints": JSON.stringify([{ sts: aws, s3: aws }]),
      "aws:s3UsePathStyle": "true",
      vercelApiUrl: sb.url("vercel"),
      vercelProjectName: V.project,
      "vercel:team": V.team.slug,
      gongApiUrl: sb.url("gong"),
      gongWorkspaceId: GONG_SANDBOX.workspaceId,
      estuaryApiUrl: `${sb.url("estuary")}${ESTUARY_SANDBOX.restPath}`,
      estuaryConfigEncryptionUrl: sb.url("estuary"),
      portkeyApiUrl: sb.url("portkey"),
      openrouterApiUrl: sb.url("openrouter"),
      llmModels: JSON.stringify({ allow: ["openai/gpt-4o"], fallbacks: [] }),
      lambdaApiUrl: sb.url("lambda"),
    },
    secret: {
      airbyteClientSecret: AIRBYTE_SANDBOX.clientSecret,
      "github:token": GITHUB_SANDBOX.token,
      "snowflake:password": SF.adminPassword,
      "aws:secretKey": AWS.admin.secretAccessKey,
      "vercel:apiToken": V.token,
      gongAccessKey: GONG_SANDBOX.accessKey,
      gongAccessKeySecret: GONG_SANDBOX.accessKeySecret,
      estuaryRefreshToken: ESTUARY_SANDBOX.refreshToken,
      portkeyApiKey: PORTKEY_SANDBOX.apiKey,
      openrouterManagementKey: OPENROUTER_SANDBOX.managementKey,
      lambdaApiKey: LAMBDA_SANDBOX.apiKey,
    },
  };
}
