// The AWS side of `sophia check`: who the configured credentials are (STS GetCallerIdentity) and whether
// they reach the data bucket (S3 HeadBucket), through the official AWS SDK, with the settings the Pulumi
// AWS provider reads: `aws:region`, `aws:accessKey` / `aws:secretKey` / `aws:token` or `aws:profile` (else
// the usual credential chain: environment, shared files, instance role), `aws:endpoints` and
// `aws:s3UsePathStyle`. Loaded on first use only.
import type { S3Client } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";

export interface AwsSettings {
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  endpoints: { sts?: string; s3?: string };
  forcePathStyle: boolean;
}

/** A failed AWS call: no answer (`network`) or AWS's answer, with its error code and HTTP status. */
export interface AwsFailure {
  kind: "network" | "refused";
  code: string;
  status?: number;
  message: string;
}

export const isAwsFailure = (e: unknown): e is AwsFailure =>
  typeof e === "object" && e !== null && "kind" in e && "code" in e && !(e instanceof Error);

/** The settings from the stack config; an `aws:endpoints` that is not a list of objects names the key. */
export function awsFromConfig(get: (key: string) => string): AwsSettings {
  const endpoints: AwsSettings["endpoints"] = {};
  const raw = get("aws:endpoints");
  if (raw) {
    let list: unknown;
    try {
      list = JSON.parse(raw);
    } catch {
      throw new Error("aws:endpoints must be a list of {service: url} objects (JSON); it does not parse");
    }
    if (!Array.isArray(list)) throw new Error("aws:endpoints must be a list of {service: url} objects");
    for (const e of list) {
      if (e && typeof e === "object") Object.assign(endpoints, { sts: e.sts, s3: e.s3 });
    }
  }
  const accessKeyId = get("aws:accessKey");
  const secretAccessKey = get("aws:secretKey");
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new Error(
      "aws:accessKey and aws:secretKey go together: set both, or neither (the credential chain)",
    );
  }
  return {
    region: get("aws:region"),
    credentials: accessKeyId
      ? { accessKeyId, secretAccessKey, ...(get("aws:token") ? { sessionToken: get("aws:token") } : {}) }
      : undefined,
    profile: get("aws:profile") || undefined,
    endpoints,
    forcePathStyle: get("aws:s3UsePathStyle") === "true",
  };
}

async function clients(s: AwsSettings): Promise<{ sts: STSClient; s3: S3Client }> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [{ STSClient }, { S3Client }] = await Promise.all([
    import("@aws-sdk/client-sts"),
    import("@aws-sdk/client-s3"),
  ]);
  const common = {
    region: s.region,
    ...(s.credentials ? { credentials: s.credentials } : {}),
    ...(s.profile ? { profile: s.profile } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 10_000 },
  };
  return {
    sts: new STSClient({ ...common, ...(s.endpoints.sts ? { endpoint: s.endpoints.sts } : {}) }),
    s3: new S3Client({
      ...common,
      ...(s.endpoints.s3 ? { endpoint: s.endpoints.s3 } : {}),
      forcePathStyle: s.forcePathStyle,
    }),
  };
}

function failure(err: any): AwsFailure {
  const status: number | undefined = err?.$metadata?.httpStatusCode;
  if (status === undefined) {
    const code = String(err?.code ?? err?.name ?? "UNKNOWN");
    return { kind: "network", code, message: `${err?.message ?? err}${err?.code ? ` (${err.code})` : ""}` };
  }
  return {
    kind: "refused",
    code: String(err?.Code ?? err?.name ?? status),
    status,
    message: String(err?.message ?? ""),
  };
}

export async function callerIdentity(
  s: AwsSettings,
  signal: AbortSignal,
): Promise<{ arn: string; account: string }> {
  const { sts } = await clients(s);
  const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  try {
    const r = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
    return { arn: String(r.Arn), account: String(r.Account) };
  } catch (err) {
    throw failure(err);
  } finally {
    sts.destroy();
  }
}

/** HeadBucket: 200 (reachable), 301 (another region, named), 403 (not permitted) or 404 (no such bucket). */
export async function headBucket(
  s: AwsSettings,
  bucket: string,
  signal: AbortSignal,
): Promise<{ status: 200 | 301 | 403 | 404; region?: string }> {
  const { s3 } = await clients(s);
  const { HeadBucketCommand } = await import("@aws-sdk/client-s3");
  try {
    const r = await s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
    return { status: 200, region: r.BucketRegion };
  } catch (err: any) {
    const status = err?.$metadata?.httpStatusCode;
    if (status === 301 || status === 403 || status === 404) {
      const region = err?.$response?.headers?.["x-amz-bucket-region"] ?? err?.BucketRegion;
      return { status, ...(region ? { region } : {}) };
    }
    throw failure(err);
  } finally {
    s3.destroy();
  }
}
