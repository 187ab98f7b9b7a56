// Each rule of the sophia-guardrails policy pack, shown failing on a bad resource and passing on a good one.
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  noPlaintextCredentials,
  productionDataProtected,
  productionEnvironmentReviewed,
  s3Encrypted,
  s3PublicAccessBlocked,
  snowflakeWarehouseAutoSuspend,
  vercelSecretsSensitive,
} from "../../policy/rules";

function resource(
  type: string,
  name: string,
  props: Record<string, any>,
  opts: Record<string, any> = {},
  stack = "staging",
) {
  return {
    type,
    name,
    props,
    urn: `urn:pulumi:${stack}::sophia-ai::${type}::${name}`,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: {},
      ...opts,
    },
    stackTags: new Map(),
    dependencies: [] as PolicyResource[],
    propertyDependencies: {} as Record<string, PolicyResource[]>,
    getConfig: () => ({}),
    notApplicable: () => {
      throw new Error("not applicable");
    },
  } as any;
}

async function violations(policy: ResourceValidationPolicy, args: any): Promise<string[]> {
  const out: string[] = [];
  await (policy.validateResource as any)(args, (m: string) => out.push(m));
  return out;
}

async function stackViolations(policy: StackValidationPolicy, resources: any[]): Promise<string[]> {
  const out: string[] = [];
  await policy.validateStack(
    { resources, getConfig: () => ({}) as any, notApplicable: () => undefined as never } as any,
    (m: string) => out.push(m),
  );
  return out;
}

describe("no-plaintext-credentials", () => {
  const DEST = "pulumi-nodejs:dynamic/airbyte:Destination";
  it("fails a password in the plain configuration and a token-shaped value anywhere", async () => {
    const bad = resource(DEST, "pg", {
      configuration: {
        host: "h",
        password: "hunter2",
        tunnel: { note: "ghp_abcdefghijklmnopqrstuvwxyz0123456789" },
      },
    });
    expect(await violations(noPlaintextCredentials, bad)).toEqual([
      "pg: configuration.password looks like a credential but is not kept secret",
      "pg: configuration.tunnel.note looks like a credential but is not kept secret",
    ]);
  });
  it("passes secrets kept in secret outputs or provider-secret properties, and mere references", async () => {
    const dyn = resource(
      DEST,
      "pg",
      { configuration: { host: "h" }, secretConfiguration: { password: "x" } },
      {
        additionalSecretOutputs: ["secretConfiguration"],
      },
    );
    const gh = resource("github:index/actionsSecret:ActionsSecret", "s", {
      secretName: "TOKEN",
      plaintextValue: "v",
    });
    expect(await violations(noPlaintextCredentials, dyn)).toEqual([]);
    expect(await violations(noPlaintextCredentials, gh)).toEqual([]);
  });
});

describe("production-data-protected", () => {
  it("fails an unprotected production database and passes it protected, or outside production", async () => {
    const db = (protect: boolean, stack: string) =>
      resource("snowflake:index/database:Database", "db", { name: "D" }, { protect }, stack);
    expect(await violations(productionDataProtected, db(false, "production"))).toEqual([
      "db (snowflake:index/database:Database) holds data or identity and must be protected in production",
    ]);
    expect(await violations(productionDataProtected, db(true, "production"))).toEqual([]);
    expect(await violations(productionDataProtected, db(false, "staging"))).toEqual([]);
  });
});

describe("S3 buckets", () => {
  const bucket = resource("aws:s3/bucket:Bucket", "data", { bucket: "b" });
  const pab = (props: Record<string, boolean>) => ({
    ...resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", props),
    propertyDependencies: { bucket: [bucket] },
  });
  const sse = (alg?: string) => ({
    ...resource(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "sse",
      {
        rules: alg ? [{ applyServerSideEncryptionByDefault: { sseAlgorithm: alg } }] : [],
      },
    ),
    propertyDependencies: { bucket: [bucket] },
  });
  const all = {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  };

  it("fails a bucket without a public access block, or with one setting off", async () => {
    expect(await stackViolations(s3PublicAccessBlocked, [bucket])).toEqual([
      "bucket data has no public access block",
    ]);
    expect(
      await stackViolations(s3PublicAccessBlocked, [bucket, pab({ ...all, restrictPublicBuckets: false })]),
    ).toEqual(["bucket data: public access block leaves restrictPublicBuckets off"]);
    expect(await stackViolations(s3PublicAccessBlocked, [bucket, pab(all)])).toEqual([]);
  });

  it("fails a bucket without default encryption", async () => {
    expect(await stackViolations(s3Encrypted, [bucket])).toEqual([
      "bucket data has no server-side encryption configuration",
    ]);
    expect(await stackViolations(s3Encrypted, [bucket, sse()])).toEqual([
      "bucket data: encryption configuration has no default algorithm",
    ]);
    expect(await stackViolations(s3Encrypted, [bucket, sse("aws:kms")])).toEqual([]);
  });
});

describe("snowflake-warehouse-auto-suspend", () => {
  const wh = (props: Record<string, unknown>) => resource("snowflake:index/warehouse:Warehouse", "wh", props);
  it("fails a warehouse that never suspends or does not resume", async () => {
    expect(
      await violations(snowflakeWarehouseAutoSuspend, wh({ autoSuspend: 0, autoResume: "false" })),
    ).toEqual(["wh: autoSuspend must be 1-3600 seconds; got 0", 'wh: autoResume must be "true"']);
    expect(
      await violations(snowflakeWarehouseAutoSuspend, wh({ autoSuspend: 60, autoResume: "true" })),
    ).toEqual([]);
  });
});

describe("github-production-environment-reviewed", () => {
  const env = (props: Record<string, unknown>) =>
    resource("github:index/repositoryEnvironment:RepositoryEnvironment", "prod", {
      environment: "production",
      ...props,
    });
  it("fails production without reviewers or branch protection", async () => {
    expect(await violations(productionEnvironmentReviewed, env({}))).toEqual([
      "prod: production needs at least one required reviewer",
      "prod: production must deploy only from protected branches",
    ]);
    expect(
      await violations(
        productionEnvironmentReviewed,
        env({ reviewers: [{ users: [1] }], deploymentBranchPolicy: { protectedBranches: true } }),
      ),
    ).toEqual([]);
  });
});

describe("vercel-secrets-sensitive", () => {
  const v = (key: string, sensitive: boolean) =>
    resource("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", key, {
      key,
      value: "x",
      sensitive,
    });
  it("fails a credential variable that is not sensitive", async () => {
    expect(await violations(vercelSecretsSensitive, v("GONG_WEBHOOK_SECRET", false))).toEqual([
      "GONG_WEBHOOK_SECRET: GONG_WEBHOOK_SECRET carries a credential and must be sensitive",
    ]);
    expect(await violations(vercelSecretsSensitive, v("GONG_WEBHOOK_SECRET", true))).toEqual([]);
    expect(await violations(vercelSecretsSensitive, v("SOPHIA_STACK", false))).toEqual([]);
  });
});
