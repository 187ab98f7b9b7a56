// The three stacks, with Pulumi's mocks. The snowflake, aws, github, vercel and random provider plugins
// cannot be built on our build machines (their Go modules are not served there), so these integrations
// are tested here, through mocks, and not on the real engine.
import { DATA_AND_IDENTITY_TYPES } from "../../policy/rules";
import {
  installMocks,
  isSecretValue,
  plain,
  type Registered,
  recordOptions,
  setConfig,
  settle,
  stackConfigValues,
} from "../helpers/mocks";

const registered: Registered[] = installMocks();

// A whole program run under mocks registers ~120 resources; the rotation tests run it twice per test, which
// takes more than jest's default 5 s on a loaded 2-core CI machine; measured 10-15 s alone, 30+ s beside
// another suite, so 120 s.
jest.setTimeout(120_000);

/** What operators set per stack outside the stack file (account ids, hosts) and the secrets. */
const OPERATOR = {
  airbyteClientId: "client",
  airbyteWorkspaceId: "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6",
  postgresHost: "db.example.com",
  postgresUser: "airbyte",
  redisHost: "cache.example.com",
  githubProductionReviewers: "[4242]",
  gongApiUrl: "https://us-12345.api.gong.io",
  gongWorkspaceId: "6543219876543210987",
  estuarySnowflakeHost: "sophia-analytics.snowflakecomputing.com",
  estuarySnowflakeAccount: "sophia-analytics",
};
const SECRETS = {
  airbyteClientSecret: "s-airbyte-client",
  gongAccessKey: "s-gong-key",
  gongAccessKeySecret: "s-gong-secret",
  postgresPassword: "s-pg",
  redisPassword: "s-redis",
  estuaryRefreshToken: "s-estuary-refresh",
  openrouterManagementKey: "s-openrouter-management",
  portkeyApiKey: "s-portkey",
  lambdaApiKey: "s-lambda",
};

async function run(stack: string, extra: Record<string, string> = {}) {
  registered.length = 0;
  setConfig(stackConfigValues(stack, { ...OPERATOR, ...extra }), SECRETS);
  let exports: Record<string, unknown> = {};
  jest.isolateModules(() => {
    recordOptions();
    const sdk = require("@pulumi/pulumi");
    jest.spyOn(sdk, "getStack").mockReturnValue(stack);
    exports = require("../../index");
  });
  for (const v of Object.values(exports)) await settle(v as any);
  await new Promise((r) => setTimeout(r, 50));
  // merge the options recorded at registration into the mock's record of the same resource
  const resources = registered.filter((r) => r.inputs);
  for (const r of resources)
    r.protect = registered.some((o) => !o.inputs && o.name === r.name && o.type === r.type && o.protect);
  return { exports, resources };
}

const one = (rs: Registered[], type: string) => {
  const found = rs.filter((r) => r.type === type);
  expect(found).toHaveLength(1);
  return found[0];
};

describe.each([
  ["development", "XSMALL", 1, false],
  ["staging", "SMALL", 7, false],
  ["production", "MEDIUM", 30, true],
])("the %s stack", (stack, size, retention, protect) => {
  let resources: Registered[];
  beforeAll(async () => {
    ({ resources } = await run(stack));
  });

  it("creates every integration the stack enables", () => {
    const components = resources
      .filter((r) => r.type.startsWith("sophia:integrations:"))
      .map((r) => r.type)
      .sort();
    expect(components).toEqual([
      "sophia:integrations:Airbyte",
      "sophia:integrations:Aws",
      "sophia:integrations:Estuary",
      "sophia:integrations:Github",
      "sophia:integrations:Gong",
      "sophia:integrations:LambdaLabs",
      "sophia:integrations:OpenRouter",
      "sophia:integrations:Portkey",
      "sophia:integrations:Snowflake",
      "sophia:integrations:Vercel",
    ]);
  });

  it("sizes Snowflake for the stack, auto-suspends and keeps data for recovery", () => {
    const wh = one(resources, "snowflake:index/warehouse:Warehouse").inputs;
    expect(wh).toMatchObject({
      warehouseSize: size,
      autoSuspend: 60,
      autoResume: "true",
      name: `SOPHIA_${stack.toUpperCase()}_WH`,
    });
    expect(one(resources, "snowflake:index/database:Database").inputs.dataRetentionTimeInDays).toBe(
      retention,
    );
  });

  it(`${protect ? "protects" : "does not protect"} what holds data or identity`, () => {
    // The policy pack's list of what holds data or identity: the program must agree with it.
    const held = DATA_AND_IDENTITY_TYPES;
    expect(held.every((t) => resources.some((r) => r.type === t))).toBe(true);
    const protectedTypes = resources.filter((r) => r.protect).map((r) => r.type);
    for (const t of held) expect(protectedTypes.includes(t)).toBe(protect);
    // Configuration-only resources are never protected: they must stay replaceable.
    expect(resources.filter((r) => r.protect && r.type.includes("Grant"))).toEqual([]);
  });

  it("blocks public access to the bucket, encrypts and versions it, with lifecycle rules", () => {
    expect(one(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      one(resources, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration.status,
    ).toBe("Enabled");
    expect(
      one(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
        .inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm,
    ).toBe("aws:kms");
    const rules = one(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
      .rules;
    expect(rules.map((r: any) => r.id)).toEqual(["raw-expiry", "backups-to-glacier", "noncurrent-versions"]);
  });

  it("limits Airbyte's IAM identity to its own prefix", () => {
    const policy = JSON.parse(one(resources, "aws:iam/userPolicy:UserPolicy").inputs.policy);
    const actions = policy.Statement.flatMap((s: any) => s.Action);
    expect(actions.every((a: string) => a.startsWith("s3:"))).toBe(true);
    expect(actions).not.toContain("s3:*");
    expect(policy.Statement[1].Resource).toBe(`arn:aws:s3:::sophia-${stack}-data/raw/airbyte/*`);
  });

  it("creates the three deployment environments, production with required reviewers", () => {
    const envs = resources.filter(
      (r) => r.type === "github:index/repositoryEnvironment:RepositoryEnvironment",
    );
    expect(envs.map((e) => e.inputs.environment).sort()).toEqual(["development", "production", "staging"]);
    const prod = envs.find((e) => e.inputs.environment === "production")!.inputs;
    expect(prod.reviewers).toEqual([{ users: [4242] }]);
    expect(prod.deploymentBranchPolicy).toEqual({ protectedBranches: true, customBranchPolicies: false });
  });

  it("keeps every secret secret: Actions secrets, sensitive Vercel variables, service-user passwords", async () => {
    const secrets = resources.filter((r) => r.type.startsWith("github:index/actions"));
    expect(secrets.map((s) => s.inputs.secretName).sort()).toEqual([
      "AIRBYTE_CLIENT_ID",
      "AIRBYTE_CLIENT_SECRET",
      "ESTUARY_REFRESH_TOKEN",
      "ESTUARY_WEBHOOK_TOKEN",
      "GONG_ACCESS_KEY",
      "GONG_ACCESS_KEY_SECRET",
      "GONG_WEBHOOK_SECRET",
      "LAMBDA_API_KEY",
      "OPENROUTER_MANAGEMENT_KEY",
      "PORTKEY_API_KEY",
      "SNOWFLAKE_PASSWORD",
      "SNOWFLAKE_USER",
    ]);
    for (const s of secrets) expect(isSecretValue(s.inputs.plaintextValue)).toBe(true);
    const vars = resources.filter(
      (r) => r.type === "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
    );
    for (const v of vars.filter(
      (x) => x.inputs.key !== "SOPHIA_STACK" && x.inputs.key !== "SNOWFLAKE_USER",
    )) {
      expect(v.inputs.sensitive).toBe(true);
      expect(v.inputs.targets).toEqual(["production", "preview"]);
      expect(isSecretValue(v.inputs.value)).toBe(true);
    }
    for (const u of resources.filter(
      (r) => r.type === "snowflake:index/legacyServiceUser:LegacyServiceUser",
    )) {
      expect(isSecretValue(u.inputs.password)).toBe(true);
    }
  });

  it("wires the rotated credentials to their consumers with keepers", () => {
    const passwords = resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
    expect(passwords.map((p) => `${p.name}:${JSON.stringify(p.inputs.keepers)}`).sort()).toEqual(
      ["estuary-webhook-token", "gong-webhook-secret", "snowflake-service-password"].flatMap((n) => [
        `${n}-a:{"generation":"0","service":"${n.split("-")[0]}","slot":"a"}`,
        `${n}-b:{"generation":"0","service":"${n.split("-")[0]}","slot":"b"}`,
      ]),
    );
    // Snowflake's password policy wants an upper-case letter, a lower-case letter and a digit in each
    for (const p of passwords) {
      const policy = {
        minUpper: p.inputs.minUpper,
        minLower: p.inputs.minLower,
        minNumeric: p.inputs.minNumeric,
      };
      expect([p.name, policy]).toEqual([
        p.name,
        p.name.startsWith("snowflake")
          ? { minUpper: 1, minLower: 1, minNumeric: 1 }
          : { minUpper: undefined, minLower: undefined, minNumeric: undefined },
      ]);
    }
    const users = resources.filter((r) => r.type === "snowflake:index/legacyServiceUser:LegacyServiceUser");
    const sfPassword = resources.find((r) => r.inputs?.secretName === "SNOWFLAKE_PASSWORD")!.inputs
      .plaintextValue;
    // Epoch 0: slot b is current.
    expect(plain(sfPassword)).toBe(plain(users.find((u) => u.name === "snowflake-user-b")!.inputs.password));
    expect(plain(users.find((u) => u.name === "snowflake-user-a")!.inputs.password)).not.toBe(
      plain(sfPassword),
    );
  });
});

describe("the SaaS integrations wired together (staging)", () => {
  let resources: Registered[];
  let exports: Record<string, unknown>;
  beforeAll(async () => {
    ({ resources, exports } = await run("staging"));
  });
  const byType = (t: string) => resources.filter((r) => r.type === `pulumi-nodejs:dynamic/${t}`);
  const secretNamed = (n: string) =>
    resources.find((r) => r.inputs?.secretName === n && r.type.includes("actionsSecret"))!.inputs
      .plaintextValue;

  it("the Estuary capture checks the same rotated token CI and Vercel carry", () => {
    const capture = byType("estuary:CatalogSpec").find((r) => r.inputs.specType === "capture")!;
    expect(capture.inputs.catalogName).toBe("sophia-ai/staging/gong-webhook");
    expect(isSecretValue(capture.inputs.secretSpec)).toBe(true);
    const token = plain(capture.inputs.secretSpec).endpoint.connector.config.require_auth_token;
    expect(token).toBe(plain(secretNamed("ESTUARY_WEBHOOK_TOKEN")));
  });

  it("Estuary materializes to Snowflake as the current service user, with its warehouse", () => {
    const m = byType("estuary:CatalogSpec").find((r) =>
      r.inputs.catalogName.endsWith("/snowflake-analytics"),
    )!;
    const cfg = m.inputs.spec.endpoint.connector.config;
    expect(cfg).toMatchObject({
      host: "sophia-analytics.snowflakecomputing.com",
      account: "sophia-analytics",
      user: plain(secretNamed("SNOWFLAKE_USER")),
      warehouse: "SOPHIA_STAGING_WH",
      database: "SOPHIA_STAGING_ANALYTICS",
    });
    expect(plain(m.inputs.secretSpec).endpoint.connector.config.password).toBe(
      plain(secretNamed("SNOWFLAKE_PASSWORD")),
    );
  });

  it("Portkey's OpenRouter provider uses the key this program manages at OpenRouter, as a secret", async () => {
    const integration = one(
      resources.filter((r) => r.inputs?.aiProviderId === "openrouter"),
      "pulumi-nodejs:dynamic/portkey:Integration",
    );
    const keyInput = integration.inputs.apiKey;
    expect(isSecretValue(keyInput)).toBe(true);
    const { value: keys, secret } = await settle(exports.openrouterKeys as any);
    expect(secret).toBe(true);
    expect(plain(keyInput)).toBe((keys as Record<string, string>).portkey);
    expect(Object.keys(keys as object).sort()).toEqual(["app", "portkey"]);
  });

  it("Gong's webhook rule output carries the current webhook secret, as a secret", async () => {
    const { value, secret } = await settle(exports.gongWebhookSetup as any);
    expect(secret).toBe(true);
    const url = new URL((value as { webhookUrl: string }).webhookUrl);
    expect(url.origin + url.pathname).toBe("https://staging.sophia-ai.app/api/webhooks/gong");
    expect(url.searchParams.get("key")).toBe(plain(secretNamed("GONG_WEBHOOK_SECRET")));
    expect(byType("gong:PermissionProfile").map((p) => p.inputs.name)).toEqual([
      "sophia-staging-integration-readonly",
    ]);
  });

  it("protects Gong's CRM integration in production only (deleting it deletes its CRM data)", async () => {
    const crm = JSON.stringify({ name: "crm", ownerEmail: "ops@sophia-ai.example" });
    for (const [stack, expected] of [
      ["production", true],
      ["staging", false],
    ] as const) {
      const { resources: rs } = await run(stack, { gongCrmIntegration: crm });
      expect([stack, one(rs, "pulumi-nodejs:dynamic/gong:CrmIntegration").protect]).toEqual([
        stack,
        expected,
      ]);
    }
  });

  it("Lambda gets its key and file system but no instance unless launching is switched on", async () => {
    expect(byType("lambda:SshKey").map((k) => k.inputs.name)).toEqual(["sophia-staging-ops"]);
    expect(byType("lambda:FileSystem").map((k) => k.inputs.region)).toEqual(["us-east-1"]);
    expect(byType("lambda:Instance")).toEqual([]);
    await expect(
      run("staging", {
        lambdaInstances: JSON.stringify([
          { name: "gpu", instanceType: "gpu_1x_a10", region: "us-east-1", sshKeyNames: ["ops"] },
        ]),
      }),
    ).rejects.toThrow(/launchInstances/);
  });
});

describe("rotation", () => {
  const snapshot = async (epochs: Record<string, number>) => {
    const rotation = JSON.stringify(
      Object.fromEntries(Object.entries(epochs).map(([k, e]) => [k, { epoch: e }])),
    );
    const { resources } = await run("staging", { rotation });
    return new Map(resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify(r.inputs)]));
  };
  const changed = (a: Map<string, string>, b: Map<string, string>) =>
    [...a.keys()]
      .filter((k) => a.get(k) !== b.get(k))
      .map((k) => k.split("::")[1])
      .sort();

  it("moving one service's epoch replaces exactly that service's older slot and its consumers", async () => {
    const before = await snapshot({ snowflake: 4, gong: 2, estuary: 7 });
    const after = await snapshot({ snowflake: 5, gong: 2, estuary: 7 });
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect(changed(before, after)).toEqual([
      // Estuary writes to Snowflake as the current service user: it follows the rotation
      "estuary-snowflake-analytics",
      "github-secret-snowflake_password",
      "github-secret-snowflake_user",
      "snowflake-service-password-a",
      "snowflake-user-a",
      "vercel-env-snowflake_password",
      "vercel-env-snowflake_user",
    ]);
  });

  it("the next rotation replaces the other slot, so the previous value stays valid for one rotation", async () => {
    const five = await snapshot({ snowflake: 5, gong: 0, estuary: 0 });
    const six = await snapshot({ snowflake: 6, gong: 0, estuary: 0 });
    expect(changed(five, six)).toContain("snowflake-service-password-b");
    expect(changed(five, six)).not.toContain("snowflake-service-password-a");
  });

  it("rotating the Estuary token touches the capture that checks it and its carriers", async () => {
    const before = await snapshot({ snowflake: 0, gong: 0, estuary: 0 });
    const after = await snapshot({ snowflake: 0, gong: 0, estuary: 1 });
    expect(changed(before, after)).toEqual([
      "estuary-gong-webhook",
      "estuary-webhook-token-a",
      "github-secret-estuary_webhook_token",
      "vercel-env-estuary_webhook_token",
    ]);
  });

  it("rotating a webhook secret touches only its carriers", async () => {
    const before = await snapshot({ snowflake: 0, gong: 0, estuary: 0 });
    const after = await snapshot({ snowflake: 0, gong: 1, estuary: 0 });
    expect(changed(before, after)).toEqual([
      "github-secret-gong_webhook_secret",
      "gong-webhook-secret-a",
      "vercel-env-gong_webhook_secret",
    ]);
  });
});

describe("stack config errors", () => {
  it("production refuses to run unprotected or without reviewers", async () => {
    await expect(
      run("production", { protectData: "false", githubProductionReviewers: "[]" }),
    ).rejects.toThrow(
      /protectData cannot be false in the production stack[\s\S]*githubProductionReviewers must name at least one reviewer/,
    );
  });

  it("names each malformed SaaS setting by its key and index", async () => {
    await expect(
      run("staging", {
        gongWorkspaceId: "acme",
        openrouterKeys: JSON.stringify([{ name: "app" }, { name: "app" }, { name: "Bad Name" }]),
        portkeyProviders: JSON.stringify([{ name: "openai", provider: "openai" }]),
        estuaryPrefix: "no-trailing-slash",
        gongApiUrl: "",
      }),
    ).rejects.toThrow(
      new RegExp(
        [
          'gongWorkspaceId must be Gong\'s numeric workspace id \\(GET /v2/workspaces\\); got "acme"',
          "gongApiUrl is required",
          "estuaryPrefix must be an Estuary catalog prefix ending in /",
          'openrouterKeys\\[1\\].name "app" is listed twice',
          "openrouterKeys\\[2\\].name must be lower-case",
          "portkeyProviders\\[0\\] needs exactly one of apiKeySecret",
        ].join("[\\s\\S]*"),
      ),
    );
  });

  it("names a malformed rotation entry and an unknown warehouse size", async () => {
    await expect(
      run("staging", {
        rotation: JSON.stringify({ snowflake: { epoch: -1 }, lambda: { epoch: 1 } }),
        snowflakeWarehouseSize: "HUGE",
      }),
    ).rejects.toThrow(
      /rotation\.lambda is not a rotated service[\s\S]*rotation\.snowflake\.epoch must be a whole number/,
    );
  });
});
