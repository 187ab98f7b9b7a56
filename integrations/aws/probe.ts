// `sophia check` for AWS: who the credentials are (STS GetCallerIdentity: authenticated) and whether they
// reach the program's data bucket (S3 HeadBucket: permitted), with the Pulumi AWS provider's settings.
import { type AwsFailure, type AwsSettings, awsFromConfig, awsSession, isAwsFailure } from "../../cli/aws";
import { AWS_THROTTLED, awsUnavailable, ProbeFailure, unavailable } from "../../cli/probeKit";
import { defaultNamePrefix } from "../../config";
import type { Probe } from "../spec";
import { STACK } from "../stack/keys";
import { AWS } from "./keys";

type Session = Awaited<ReturnType<typeof awsSession>>;
type Head = Awaited<ReturnType<Session["headBucket"]>>;

const creds = "aws:accessKey and aws:secretKey (or aws:profile, or the AWS credential chain)";

function settingsOf(get: (key: string) => string): AwsSettings {
  try {
    return awsFromConfig(get);
  } catch (err) {
    throw new ProbeFailure("config", (err as Error).message, "fix the AWS provider's config keys named");
  }
}

/** The stage of a failed AWS call `what`; `advice` when AWS refused it. */
function stage(err: AwsFailure, what: string, advice: string): ProbeFailure {
  if (err.kind === "network") {
    return new ProbeFailure(
      "reachable",
      `${what} is unreachable: ${err.message}`,
      "check aws:region and aws:endpoints, and that this network may reach AWS (proxy, VPC endpoint)",
    );
  }
  if (err.kind === "credentials") {
    return new ProbeFailure("authenticated", `no AWS credentials: ${err.message}`, `set ${creds}`);
  }
  if (awsUnavailable(err)) {
    return unavailable(what, err.status ?? 0, err.code, {
      vendor: "AWS",
      limited: err.status === 429 || AWS_THROTTLED.includes(err.code),
    });
  }
  return new ProbeFailure("permitted", `${what} refused the request (${err.code}): ${err.message}`, advice);
}

/** Runs one AWS step, turning its failure into a stage (anything else is a bug: rethrown). */
async function step<T>(call: () => Promise<T>, failed: (err: AwsFailure) => ProbeFailure): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isAwsFailure(err)) throw failed(err);
    throw err;
  }
}

/** STS: who the credentials are; AWS's refusal of them is an authentication failure. */
function callerFailure(err: AwsFailure): ProbeFailure {
  if (err.kind === "refused" && !awsUnavailable(err) && [400, 401, 403].includes(err.status ?? 0)) {
    return new ProbeFailure(
      "authenticated",
      `AWS refused the credentials (${err.code}): ${err.message}`,
      err.code === "ExpiredToken" ? "renew the session (aws:token, or your SSO login)" : `check ${creds}`,
    );
  }
  return stage(err, "AWS STS", `check ${creds}`);
}

/** What HeadBucket's answer means for `up`: not permitted, in another region, absent or there. */
function bucketVerdict(head: Head, arn: string, bucket: string, region: string): string {
  const bucketKey = AWS.awsBucketName.name;
  if (head.status === 403) {
    throw new ProbeFailure(
      "permitted",
      `${arn} may not access bucket ${bucket} (403)`,
      `allow s3:ListBucket (and the bucket's other actions) on arn:aws:s3:::${bucket} to ${arn}, or choose another ${bucketKey} if the name belongs to another account`,
    );
  }
  if (head.status === 301) {
    throw new ProbeFailure(
      "config",
      `bucket ${bucket} is in ${head.region ?? "another region"}, not aws:region ${region}`,
      `set aws:region to ${head.region ?? "the bucket's region"}, or choose another ${bucketKey} (bucket names are global)`,
    );
  }
  return head.status === 404
    ? `authenticated as ${arn}; bucket ${bucket} does not exist yet (the next up creates it)`
    : `authenticated as ${arn}; bucket ${bucket} reachable in ${head.region ?? region}`;
}

export const PROBE: Probe = {
  requires: [
    { key: "aws:region" },
    // optional (the credential chain may supply them), but never in plain text when set
    { key: "aws:secretKey", secret: true, default: "" },
    { key: "aws:token", secret: true, default: "" },
  ],
  run: async (get, signal, stack) => {
    const settings = settingsOf(get);
    const session = await step(
      () => awsSession(settings),
      (err) => stage(err, "AWS", `check ${creds}`),
    );
    try {
      const who = await step(() => session.callerIdentity(signal), callerFailure);
      // the program's bucket: awsBucketName, or its default <namePrefix>-data
      const bucket =
        get(AWS.awsBucketName.name) || `${get(STACK.namePrefix.name) || defaultNamePrefix(stack)}-data`;
      const head = await step(
        () => session.headBucket(bucket, signal),
        (err) => stage(err, `S3 (HeadBucket ${bucket})`, "check aws:endpoints and aws:region"),
      );
      return bucketVerdict(head, who.arn, bucket, settings.region);
    } finally {
      session.close();
    }
  },
};
