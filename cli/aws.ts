// The AWS side of `sophia check`: who the configured credentials are (STS GetCallerIdentity) and whether
// they reach the data bucket (S3 HeadBucket), through the official AWS SDK, with the settings the Pulumi
// AWS provider reads: `aws:region`, `aws:accessKey` / `aws:secretKey` / `aws:token` or `aws:profile` (else
// the usual credential chain: environment, shared files, instance role), `aws:endpoints` and
// `aws:s3UsePathStyle`. Loaded on first use only.
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { isSafeUrl } from "../providers/http/client";

export interface AwsSettings {
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  endpoints: { sts?: string; s3?: string };
  forcePathStyle: boolean;
}

/**
 * A failed AWS call: no answer (`network`), no credentials to sign with (`credentials`), or AWS's answer
 * (`refused`), with its error code and HTTP status.
 */
export interface AwsFailure {
  kind: "network" | "credentials" | "refused";
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
    for (const [i, e] of list.entries()) {
      for (const service of ["sts", "s3"] as const) {
        const u = e && typeof e === "object" ? e[service] : undefined;
        if (u === undefined) continue;
        // signed requests, and with aws:token a session token, travel to it
        if (typeof u !== "string" || !isSafeUrl(u)) {
          throw new Error(`aws:endpoints[${i}].${service} must be an https URL (or http on this machine)`);
        }
        endpoints[service] = u;
      }
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

/** Credentials resolved once per probe: the configured keys, or the chain (profile, environment, SSO, role). */
async function credentialsOf(s: AwsSettings): Promise<AwsCredentialIdentity> {
  if (s.credentials) return s.credentials;
  const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
  try {
    return await defaultProvider({
      ...(s.profile ? { profile: s.profile } : {}),
      timeout: 2000,
      maxRetries: 0,
    })();
  } catch (err) {
    throw {
      kind: "credentials",
      code: "NoCredentials",
      message: String((err as Error).message),
    } satisfies AwsFailure;
  }
}

/** What the SDK's errors may carry: a service's answer, a network error's code (anything else: none). */
interface SdkError {
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
  BucketRegion?: string;
  Code?: unknown;
  code?: unknown;
  name?: unknown;
  message?: unknown;
}

function failure(thrown: unknown): AwsFailure {
  const err = thrown as SdkError | null | undefined;
  const status = err?.$metadata?.httpStatusCode;
  if (status === undefined) {
    const code = String(err?.code ?? err?.name ?? "UNKNOWN");
    return {
      kind: "network",
      code,
      message: `${err?.message ?? thrown}${err?.code ? ` (${err.code})` : ""}`,
    };
  }
  return {
    kind: "refused",
    code: String(err?.Code ?? err?.name ?? status),
    status,
    message: String(err?.message ?? ""),
  };
}

/** The two calls of the probe, on one pair of clients with credentials resolved once. */
export async function awsSession(s: AwsSettings) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [{ STSClient, GetCallerIdentityCommand }, { S3Client, HeadBucketCommand }, credentials] =
    await Promise.all([import("@aws-sdk/client-sts"), import("@aws-sdk/client-s3"), credentialsOf(s)]);
  const common = {
    region: s.region,
    credentials,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 10_000 },
  };
  const sts = new STSClient({ ...common, ...(s.endpoints.sts ? { endpoint: s.endpoints.sts } : {}) });
  const s3 = new S3Client({
    ...common,
    ...(s.endpoints.s3 ? { endpoint: s.endpoints.s3 } : {}),
    forcePathStyle: s.forcePathStyle,
  });
  return {
    async callerIdentity(signal: AbortSignal): Promise<{ arn: string; account: string }> {
      try {
        const r = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
        return { arn: String(r.Arn), account: String(r.Account) };
      } catch (err) {
        throw failure(err);
      }
    },
    /**
     * HeadBucket: 200 (reachable), 301 (another region, named; S3 may also answer 400 with the region),
     * 403 (not permitted) or 404 (no such bucket).
     */
    async headBucket(
      bucket: string,
      signal: AbortSignal,
    ): Promise<{ status: 200 | 301 | 403 | 404; region?: string }> {
      try {
        const r = await s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
        return { status: 200, region: r.BucketRegion };
      } catch (thrown) {
        const err = thrown as SdkError | null | undefined;
        const status = err?.$metadata?.httpStatusCode;
        const region = err?.$response?.headers?.["x-amz-bucket-region"] ?? err?.BucketRegion;
        if (status === 301 || (status === 400 && region)) return { status: 301, region };
        if (status === 403 || status === 404) return { status, ...(region ? { region } : {}) };
        throw failure(err);
      }
    },
    close() {
      sts.destroy();
      s3.destroy();
    },
  };
}
