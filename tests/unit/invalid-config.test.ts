// A careless or hostile stack config, case by case, across every integration: each one fails before any
// resource is declared (so before any API request: loadStackConfig runs first, and a ConfigError stops the
// program), and its message names the key (with the path inside a structured value) and what is expected.
// tests/e2e/first-hour.e2e.test.ts shows the engine's preview failing on such a config with no request at
// any stand-in.
import { ConfigError, loadStackConfig } from "../../config";

/** Every integration on, every value valid: the base each case breaks one thing of. */
const BASE: Record<string, string> = {
  airbyteApiUrl: "https://api.airbyte.com/v1",
  airbyteClientId: "client",
  airbyteWorkspaceId: "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6",
  postgresHost: "db.example.com",
  postgresUser: "sophia_writer",
  redisHost: "cache.example.com",
  snowflakeEnabled: "true",
  awsEnabled: "true",
  githubEnabled: "true",
  githubRepository: "sophia-ai",
  githubProductionReviewers: "[4242]",
  vercelEnabled: "true",
  gongEnabled: "true",
  gongApiUrl: "https://us-12345.api.gong.io",
  gongWorkspaceId: "6543219876543210987",
  gongWebhookUrl: "https://app.example.com/api/webhooks/gong",
  gongPermissionProfiles: JSON.stringify([
    { name: "readonly", permissions: { callsAccess: { permissionLevel: "all" } } },
  ]),
  estuaryEnabled: "true",
  openrouterEnabled: "true",
  openrouterKeys: JSON.stringify([{ name: "app", limit: 25, limitReset: "monthly" }, { name: "portkey" }]),
  llmModels: JSON.stringify({ allow: ["openai/gpt-4o"], fallbacks: [] }),
  portkeyEnabled: "true",
  portkeyProviders: JSON.stringify([
    { name: "openrouter", provider: "openrouter", openrouterKey: "portkey" },
  ]),
  portkeyConfigs: JSON.stringify([
    { name: "chat", strategy: "fallback", targets: [{ provider: "openrouter" }], cache: { mode: "simple" } },
  ]),
  lambdaEnabled: "true",
  lambdaSshKeys: JSON.stringify([{ name: "deploy" }]),
};
const SECRETS: Record<string, string> = {
  airbyteClientSecret: "s",
  gongAccessKey: "s",
  gongAccessKeySecret: "s",
  postgresPassword: "s",
  redisPassword: "s",
  estuaryRefreshToken: "s",
  openrouterManagementKey: "s",
  portkeyApiKey: "s",
  lambdaApiKey: "s",
};

function problemsOf(
  values: Record<string, string | undefined>,
  opts: { stack?: string; plain?: string[] } = {},
) {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...BASE, ...SECRETS, ...values })) if (v !== undefined) all[k] = v;
  const secret = new Set(Object.keys(SECRETS).filter((k) => !opts.plain?.includes(k)));
  try {
    loadStackConfig(
      {
        name: "sophia-ai",
        get: (k) => all[k],
        isSecret: (full) => secret.has(full.replace(/^sophia-ai:/, "")),
        keys: () => Object.keys(all),
      },
      opts.stack ?? "staging",
    );
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const json = (v: unknown) => JSON.stringify(v);
const long = "a".repeat(10_000);

/** [what the case breaks, the values set, the key (path) named, what the message says is expected] */
const CASES: [
  string,
  Record<string, string | undefined>,
  string,
  string,
  { stack?: string; plain?: string[] }?,
][] = [
  [
    "a typo inside a structured value",
    { openrouterKeys: json([{ name: "app", limt: 25 }]) },
    "openrouterKeys[0].limt",
    "did you mean limit?",
  ],
  ["a typo of a top-level key", { airbyteEnabeld: "true" }, "airbyteEnabeld", "did you mean airbyteEnabled?"],
  [
    "a near miss of a flag",
    { lambdaLaunchInstance: "true" },
    "lambdaLaunchInstance",
    "did you mean lambdaLaunchInstances?",
  ],
  [
    "a newline in a host",
    { redisHost: "cache.example.com\nevil" },
    "redisHost",
    "must not contain control characters",
  ],
  [
    "SQL in a schema name",
    { postgresSchema: "gong; DROP SCHEMA public" },
    "postgresSchema",
    "a PostgreSQL identifier",
  ],
  ["a 10,000-character prefix", { namePrefix: long }, "namePrefix", "at most 1024 characters"],
  [
    "a 10,000-character key name",
    { openrouterKeys: json([{ name: long }]) },
    "openrouterKeys[0].name",
    "lower-case letters, digits and dashes",
  ],
  [
    "plain http to Gong",
    { gongApiUrl: "http://us-12345.api.gong.io" },
    "gongApiUrl",
    "must be https (or http to this machine)",
  ],
  [
    "plain http to OpenRouter",
    { openrouterApiUrl: "http://openrouter.ai/api/v1" },
    "openrouterApiUrl",
    "must be https",
  ],
  ["plain http to Portkey", { portkeyApiUrl: "http://api.portkey.ai/v1" }, "portkeyApiUrl", "must be https"],
  ["plain http to Lambda", { lambdaApiUrl: "http://cloud.lambda.ai" }, "lambdaApiUrl", "must be https"],
  ["plain http to Airbyte", { airbyteApiUrl: "http://api.airbyte.com/v1" }, "airbyteApiUrl", "must be https"],
  [
    "plain http to Estuary",
    { estuaryApiUrl: "http://x.supabase.co/rest/v1" },
    "estuaryApiUrl",
    "must be https",
  ],
  [
    "plain http to the encryption service",
    { estuaryConfigEncryptionUrl: "http://config-encryption.estuary.dev" },
    "estuaryConfigEncryptionUrl",
    "must be https",
  ],
  [
    "plain http to the webhook receiver",
    { gongWebhookUrl: "http://app.example.com/hook" },
    "gongWebhookUrl",
    "must be https",
  ],
  ["a URL that is not one", { portkeyApiUrl: "api.portkey.ai" }, "portkeyApiUrl", "an http(s) URL"],
  ["a port out of range", { postgresPort: "70000" }, "postgresPort", "an integer from 1 to 65535"],
  ["a port that is not a number", { redisPort: "six" }, "redisPort", "an integer from 1 to 65535"],
  ["an unknown sslmode", { postgresSslMode: "sometimes" }, "postgresSslMode", "a libpq sslmode"],
  ["a host with a port", { postgresHost: "db.example.com:5432" }, "postgresHost", "the PostgreSQL host name"],
  ["a Redis user with a space", { redisUser: "de fault" }, "redisUser", "a Redis ACL user name"],
  ["a workspace id that is not a UUID", { airbyteWorkspaceId: "nope" }, "airbyteWorkspaceId", "a UUID"],
  ["streams that are not JSON", { airbyteStreams: "calls,users" }, "airbyteStreams", "a list of strings"],
  ["a start date without time", { gongStartDate: "2024-01-01" }, "gongStartDate", "a UTC timestamp"],
  [
    "a Gong workspace that is not numeric",
    { gongWorkspaceId: "sales" },
    "gongWorkspaceId",
    "numeric workspace id",
  ],
  [
    "a CRM owner that is not an e-mail",
    { gongCrmIntegration: json({ name: "crm", ownerEmail: "alice" }) },
    "gongCrmIntegration.ownerEmail",
    "an e-mail address",
  ],
  [
    "an unknown CRM property",
    { gongCrmIntegration: json({ name: "crm", ownerEmail: "a@b.c", owner: "x" }) },
    "gongCrmIntegration.owner",
    "is not a property it has",
  ],
  [
    "a typo in a Gong permission",
    { gongPermissionProfiles: json([{ name: "p", permissions: { deleteCall: false } }]) },
    "gongPermissionProfiles[0].permissions.deleteCall",
    "did you mean deleteCalls?",
  ],
  [
    "a profile name with spaces",
    { gongPermissionProfiles: json([{ name: "Read Only" }]) },
    "gongPermissionProfiles[0].name",
    "lower-case letters",
  ],
  [
    "a warehouse size Snowflake has not",
    { snowflakeWarehouseSize: "HUGE" },
    "snowflakeWarehouseSize",
    "one of XSMALL",
  ],
  [
    "an auto-suspend below Snowflake's minimum",
    { snowflakeAutoSuspendSeconds: "10" },
    "snowflakeAutoSuspendSeconds",
    "from 60 to 3600",
  ],
  [
    "a lower-case Snowflake database",
    { snowflakeDatabase: "analytics" },
    "snowflakeDatabase",
    "an upper-case identifier",
  ],
  ["an S3 bucket name S3 refuses", { awsBucketName: "Bad_Bucket" }, "awsBucketName", "an S3 bucket name"],
  ["a lifecycle of zero days", { awsRawExpireDays: "0" }, "awsRawExpireDays", "an integer from 1"],
  [
    "a secret visibility GitHub has not",
    { githubOrgSecretVisibility: "public" },
    "githubOrgSecretVisibility",
    "one of all, private, selected",
  ],
  [
    "reviewers by login, not id",
    { githubProductionReviewers: json(["alice"]) },
    "githubProductionReviewers",
    "a list of integers",
  ],
  [
    "a repository name with a space",
    { githubRepository: "sophia ai" },
    "githubRepository",
    "the repository name",
  ],
  [
    "a Vercel project name Vercel refuses",
    { vercelProjectName: "Sophia App" },
    "vercelProjectName",
    "a Vercel project name",
  ],
  ["a domain given as a URL", { vercelDomain: "https://app.example.com" }, "vercelDomain", "a domain name"],
  [
    "a Git repository without its owner",
    { vercelGitRepository: "sophia-ai" },
    "vercelGitRepository",
    "owner/name",
  ],
  [
    "an Estuary prefix without its slash",
    { estuaryPrefix: "sophia-ai/staging" },
    "estuaryPrefix",
    "ending in /",
  ],
  ["a Redis TTL under a minute", { estuaryRedisTtlSeconds: "5" }, "estuaryRedisTtlSeconds", "from 60"],
  [
    "a Snowflake host that is not Snowflake's",
    {
      estuaryMaterializeSnowflake: "true",
      estuarySnowflakeHost: "x.example.com",
      estuarySnowflakeAccount: "x",
    },
    "estuarySnowflakeHost",
    "snowflakecomputing.com",
  ],
  ["a data plane with spaces", { estuaryDataPlane: "ops dp" }, "estuaryDataPlane", "a data plane name"],
  [
    "a credit limit as a string",
    { openrouterKeys: json([{ name: "app", limit: "25" }, { name: "portkey" }]) },
    "openrouterKeys[0].limit",
    "must be a number",
  ],
  [
    "a reset period OpenRouter has not",
    { openrouterKeys: json([{ name: "app", limitReset: "yearly" }, { name: "portkey" }]) },
    "openrouterKeys[0].limitReset",
    "one of daily, weekly, monthly",
  ],
  [
    "a model list that is a string",
    { llmModels: json({ allow: "openai/gpt-4o" }) },
    "llmModels.allow",
    "a list of",
  ],
  ["a typo in the model policy", { llmModels: json({ alow: [] }) }, "llmModels.alow", "did you mean allow?"],
  [
    "a Portkey provider with no key",
    { portkeyProviders: json([{ name: "x", provider: "openai" }]) },
    "portkeyProviders[0]",
    "exactly one of apiKeySecret",
  ],
  [
    "a Portkey provider on a key nobody declares",
    { portkeyProviders: json([{ name: "x", provider: "openrouter", openrouterKey: "nope" }]) },
    "portkeyProviders[0].openrouterKey",
    "is not in sophia-ai:openrouterKeys",
  ],
  [
    "a routing strategy Portkey has not",
    { portkeyConfigs: json([{ name: "chat", strategy: "random", targets: [] }]) },
    "portkeyConfigs[0].strategy",
    "one of fallback, loadbalance",
  ],
  [
    "a typo in a routing target",
    {
      portkeyConfigs: json([
        { name: "chat", strategy: "loadbalance", targets: [{ provider: "openrouter", wieght: 1 }] },
      ]),
    },
    "portkeyConfigs[0].targets[0].wieght",
    "did you mean weight?",
  ],
  [
    "a typo in a guardrail check",
    { portkeyGuardrail: json({ name: "g", checks: [{ id: "default.regexMatch", params: {} }] }) },
    "portkeyGuardrail.checks[0].params",
    "did you mean parameters?",
  ],
  [
    "a workspace id with spaces",
    { portkeyWorkspaceId: "my workspace" },
    "portkeyWorkspaceId",
    "a Portkey workspace id",
  ],
  [
    "an SSH key property in the API's spelling",
    { lambdaSshKeys: json([{ name: "k", public_key: "ssh-ed25519 AAAA" }]) },
    "lambdaSshKeys[0].public_key",
    "did you mean publicKey?",
  ],
  [
    "SSH key names as a string",
    {
      lambdaInstances: json([
        { name: "i", instanceType: "gpu_1x_a10", region: "us-east-1", sshKeyNames: "deploy" },
      ]),
    },
    "lambdaInstances[0].sshKeyNames",
    "a list of strings",
  ],
  ["a rotation age of zero", { rotationMaxAgeDays: "0" }, "rotationMaxAgeDays", "an integer from 1 to 365"],
  [
    "a negative epoch",
    { rotation: json({ gong: { epoch: -1 } }) },
    "rotation.gong.epoch",
    "a whole number from 0",
  ],
  [
    "unprotected production",
    { protectData: "false", githubProductionReviewers: "[4242]" },
    "protectData",
    "cannot be false in the production stack",
    { stack: "production" },
  ],
  [
    "a password in plain text",
    {},
    "postgresPassword",
    "must be stored as a secret",
    { plain: ["postgresPassword"] },
  ],
  ["a missing API key", { portkeyApiKey: undefined }, "portkeyApiKey", "is required: a secret"],
];

describe("invalid stack configurations", () => {
  it("starts from a valid base", () => {
    expect(problemsOf({})).toEqual([]);
  });

  it(`has at least 40 cases across the integrations (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  // rest parameters: jest would take a fifth named parameter for a done callback
  it.each(CASES)("%s", (...[, values, path, expected, opts]) => {
    const problems = problemsOf(values, opts);
    const named = problems.filter(
      (p) => p.startsWith(`sophia-ai:${path} `) || p.startsWith(`sophia-ai:${path}:`),
    );
    expect({ problems, match: named.some((p) => p.includes(expected)) }).toEqual({ problems, match: true });
  });
});
