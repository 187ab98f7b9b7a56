// The rules of the sophia-guardrails policy pack. Each is exported on its own so tests can show it
// failing on a bad resource (tests/unit/policy.test.ts).
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/** Property names that hold credentials. */
const CREDENTIAL_NAME =
  /(password|passwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|client[_-]?secret|credential)/i;
/** Names that mention a credential without holding one (secretName, tokenId, accessKeyId, ...). */
const REFERENCE_NAME = /(name|names|id|ids|arn|type|url|path|version|count|length|slot|epoch|at|enabled)$/i;
/** Values that are credentials whatever their property is called. */
const CREDENTIAL_VALUE = [
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/, // GitHub tokens
  /\bsk-[A-Za-z0-9_-]{20,}\b/, // OpenAI-style and OpenRouter keys
  /\bxox[abpr]-[A-Za-z0-9-]{10,}\b/, // Slack tokens
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];
/** Properties each provider declares secret in its schema, so the engine encrypts them in the state. */
const PROVIDER_SECRET_PROPS: Record<string, string[]> = {
  "github:index/actionsSecret:ActionsSecret": ["plaintextValue", "encryptedValue", "value", "valueEncrypted"],
  "github:index/actionsOrganizationSecret:ActionsOrganizationSecret": [
    "plaintextValue",
    "encryptedValue",
    "value",
    "valueEncrypted",
  ],
  "snowflake:index/legacyServiceUser:LegacyServiceUser": ["password"],
  "snowflake:index/user:User": ["password"],
  "aws:iam/accessKey:AccessKey": ["secret"],
};

/** The stack a resource belongs to, from its URN (urn:pulumi:<stack>::<project>::<type>::<name>). */
export function stackOf(urn: string): string {
  return urn.split(":")[2] ?? "";
}

function findPlaintext(value: unknown, path: string, out: string[]): void {
  if (typeof value === "string") {
    const key = path.split(".").pop() ?? "";
    if (CREDENTIAL_NAME.test(key) && !REFERENCE_NAME.test(key) && value !== "") out.push(path);
    else if (CREDENTIAL_VALUE.some((re) => re.test(value))) out.push(path);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      findPlaintext(v, `${path}[${i}]`, out);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) findPlaintext(v, path ? `${path}.${k}` : k, out);
  }
}

export const noPlaintextCredentials: ResourceValidationPolicy = {
  name: "no-plaintext-credentials",
  description:
    "Credential-looking inputs must be secrets (a provider-secret property or additionalSecretOutputs).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    // A provider's inputs are the stack configuration, whose secrets config.ts already requires.
    if (args.type.startsWith("pulumi:providers:")) return;
    const exempt = new Set([
      ...(PROVIDER_SECRET_PROPS[args.type] ?? []),
      ...(args.opts.additionalSecretOutputs ?? []),
      ...(args.type === "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable" &&
      args.props.sensitive === true
        ? ["value"]
        : []),
    ]);
    const found: string[] = [];
    for (const [k, v] of Object.entries(args.props)) {
      if (k.startsWith("__") || exempt.has(k)) continue;
      findPlaintext(v, k, found);
    }
    for (const p of found)
      reportViolation(`${args.name}: ${p} looks like a credential but is not kept secret`);
  },
};

/** Types that hold data or identity; in production they must be protected from deletion. */
export const DATA_AND_IDENTITY_TYPES = [
  "snowflake:index/database:Database",
  "snowflake:index/schema:Schema",
  "snowflake:index/accountRole:AccountRole",
  "snowflake:index/legacyServiceUser:LegacyServiceUser",
  "aws:s3/bucket:Bucket",
  "aws:iam/user:User",
  "aws:iam/accessKey:AccessKey",
];

export const productionDataProtected: ResourceValidationPolicy = {
  name: "production-data-protected",
  description: "In production, resources that hold data or identity are protected.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (stackOf(args.urn) !== "production" || !DATA_AND_IDENTITY_TYPES.includes(args.type)) return;
    if (!args.opts.protect)
      reportViolation(
        `${args.name} (${args.type}) holds data or identity and must be protected in production`,
      );
  },
};

const bucketCompanion =
  (companionType: string, check: (props: Record<string, unknown>) => string | undefined, what: string) =>
  (args: Parameters<StackValidationPolicy["validateStack"]>[0], reportViolation: (m: string) => void) => {
    for (const bucket of args.resources.filter((r) => r.type === "aws:s3/bucket:Bucket")) {
      const companions = args.resources.filter(
        (r) =>
          r.type === companionType &&
          (r.propertyDependencies.bucket ?? r.dependencies).some((d) => d.urn === bucket.urn),
      );
      if (companions.length === 0) {
        reportViolation(`bucket ${bucket.name} has no ${what}`);
        continue;
      }
      for (const c of companions) {
        const problem = check(c.props);
        if (problem) reportViolation(`bucket ${bucket.name}: ${problem}`);
      }
    }
  };

export const s3PublicAccessBlocked: StackValidationPolicy = {
  name: "s3-public-access-blocked",
  description: "Every S3 bucket has a public access block with all four settings on.",
  enforcementLevel: "mandatory",
  validateStack: bucketCompanion(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    (p) => {
      const off = [
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
      ].filter((k) => p[k] !== true);
      return off.length ? `public access block leaves ${off.join(", ")} off` : undefined;
    },
    "public access block",
  ),
};

/** A rule of a bucket's encryption configuration, as far as s3Encrypted reads it. */
type SseRule = { applyServerSideEncryptionByDefault?: { sseAlgorithm?: unknown } } | null;

export const s3Encrypted: StackValidationPolicy = {
  name: "s3-encrypted",
  description: "Every S3 bucket has default server-side encryption.",
  enforcementLevel: "mandatory",
  validateStack: bucketCompanion(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    (p) =>
      ((p.rules ?? []) as SseRule[]).some((r) => {
        const algorithm = r?.applyServerSideEncryptionByDefault?.sseAlgorithm;
        return typeof algorithm === "string" && ["aws:kms", "aws:kms:dsse", "AES256"].includes(algorithm);
      })
        ? undefined
        : "encryption configuration has no default algorithm",
    "server-side encryption configuration",
  ),
};

export const snowflakeWarehouseAutoSuspend: ResourceValidationPolicy = {
  name: "snowflake-warehouse-auto-suspend",
  description: "Snowflake warehouses suspend within an hour of idling and resume on demand.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== "snowflake:index/warehouse:Warehouse") return;
    const s = args.props.autoSuspend;
    if (typeof s !== "number" || s <= 0 || s > 3600)
      reportViolation(`${args.name}: autoSuspend must be 1-3600 seconds; got ${s}`);
    if (args.props.autoResume !== "true") reportViolation(`${args.name}: autoResume must be "true"`);
  },
};

export const productionEnvironmentReviewed: ResourceValidationPolicy = {
  name: "github-production-environment-reviewed",
  description:
    "The production deployment environment requires a reviewer and deploys from protected branches.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (
      args.type !== "github:index/repositoryEnvironment:RepositoryEnvironment" ||
      args.props.environment !== "production"
    )
      return;
    const reviewers = (args.props.reviewers ?? []).flatMap((r: { users?: unknown[]; teams?: unknown[] }) => [
      ...(r.users ?? []),
      ...(r.teams ?? []),
    ]);
    if (reviewers.length === 0)
      reportViolation(`${args.name}: production needs at least one required reviewer`);
    if (args.props.deploymentBranchPolicy?.protectedBranches !== true) {
      reportViolation(`${args.name}: production must deploy only from protected branches`);
    }
  },
};

export const vercelSecretsSensitive: ResourceValidationPolicy = {
  name: "vercel-secrets-sensitive",
  description: "Vercel variables that carry credentials are sensitive.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable") return;
    const key = String(args.props.key ?? "");
    if (CREDENTIAL_NAME.test(key) && !REFERENCE_NAME.test(key) && args.props.sensitive !== true) {
      reportViolation(`${args.name}: ${key} carries a credential and must be sensitive`);
    }
  },
};

export const ALL = [
  noPlaintextCredentials,
  productionDataProtected,
  s3PublicAccessBlocked,
  s3Encrypted,
  snowflakeWarehouseAutoSuspend,
  productionEnvironmentReviewed,
  vercelSecretsSensitive,
];
