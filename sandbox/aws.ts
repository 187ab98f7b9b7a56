// Stand-in for the two AWS calls `sophia check` makes (specs/aws-sts-s3.yaml): STS GetCallerIdentity (who
// the credentials are) and S3 HeadBucket (may they reach the data bucket).
//
// Faithful where the check depends on it: every request must carry a valid AWS Signature Version 4 — the
// stand-in recomputes it from the request as it arrived (canonical request, credential scope, signing key)
// and answers SignatureDoesNotMatch (a wrong secret), InvalidClientTokenId (an unknown access key id) or
// RequestTimeTooSkewed like AWS; STS errors are ErrorResponse XML with Type/Code/Message, S3 HEAD errors
// carry no body (403, 404, or 301 with x-amz-bucket-region for a bucket in another region), as S3 answers.
import { createHash, createHmac, randomUUID } from "node:crypto";
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec } from "./openapi";

interface Identity {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (ASIA...) carry a session token, which must be sent and signed. */
  sessionToken?: string;
  expired?: boolean;
  arn: string;
  userId: string;
  /** Buckets this identity may access (s3:ListBucket on them). */
  buckets: string[];
}

export const AWS_SANDBOX = {
  account: "000000000000",
  region: "us-east-1",
  /** The data bucket, in us-east-1, readable by `admin`. */
  bucket: "sophia-ai-sandbox-data",
  /** A bucket in eu-west-1 (HeadBucket from us-east-1 answers 301). */
  foreignBucket: "sophia-ai-eu-archive",
  admin: {
    accessKeyId: "AKIASANDBOXADMIN0001",
    secretAccessKey: "sandbox/admin/secret+key/0001/aaaaaaaaaaaa",
    arn: "arn:aws:iam::000000000000:user/pulumi-sandbox",
    userId: "AIDASANDBOXADMIN00001",
    buckets: ["sophia-ai-sandbox-data", "sophia-ai-eu-archive"],
  } satisfies Identity,
  /** Temporary credentials (an assumed role's), with their session token. */
  temporary: {
    accessKeyId: "ASIASANDBOXTEMP00001",
    secretAccessKey: "sandbox/temporary/secret+key/0001/cccccccc",
    sessionToken: "sandbox-session-token-0001",
    arn: "arn:aws:sts::000000000000:assumed-role/pulumi-deployer/ci",
    userId: "AROASANDBOXTEMP00001:ci",
    buckets: ["sophia-ai-sandbox-data"],
  } satisfies Identity,
  /** Temporary credentials whose session has expired. */
  expired: {
    accessKeyId: "ASIASANDBOXEXPD00001",
    secretAccessKey: "sandbox/expired/secret+key/0001/dddddddddd",
    sessionToken: "sandbox-session-token-expired",
    arn: "arn:aws:sts::000000000000:assumed-role/pulumi-deployer/old",
    userId: "AROASANDBOXEXPD00001:old",
    buckets: [],
    expired: true,
  } satisfies Identity,
  /** Valid credentials without any S3 access. */
  noS3: {
    accessKeyId: "AKIASANDBOXNOS300001",
    secretAccessKey: "sandbox/no-s3/secret+key/0001/bbbbbbbbbbbb",
    arn: "arn:aws:iam::000000000000:user/read-nothing",
    userId: "AIDASANDBOXNOS300001",
    buckets: [],
  } satisfies Identity,
};

interface AwsState {
  buckets: Record<string, { name: string; region: string }>;
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s, "utf8").digest();
/** RFC 3986 encoding, as SigV4 wants it. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";

export class AwsSandbox extends Service<AwsState> {
  readonly name = "aws";
  readonly spec = new OpenApiSpec(path.join(__dirname, "specs", "aws-sts-s3.yaml"), { basePath: "" });
  private readonly identities: Identity[] = [
    AWS_SANDBOX.admin,
    AWS_SANDBOX.noS3,
    AWS_SANDBOX.temporary,
    AWS_SANDBOX.expired,
  ];
  /** The identity of the request being handled (set by authenticate). */
  private caller?: Identity;
  /** Its credential scope (the region it signed for). */
  private callerScope?: { region: string };

  constructor() {
    super();
    this.on("stsAction", (ctx) => {
      if (ctx.body.Action !== "GetCallerIdentity") {
        return this.stsError(
          400,
          "InvalidAction",
          `Could not find operation ${ctx.body.Action} for version 2011-06-15`,
        );
      }
      const me = this.caller!;
      return {
        status: 200,
        headers: { "content-type": "text/xml", "x-amzn-requestid": randomUUID() },
        text: `<GetCallerIdentityResponse xmlns="${STS_NS}">
  <GetCallerIdentityResult>
    <Arn>${me.arn}</Arn>
    <UserId>${me.userId}</UserId>
    <Account>${AWS_SANDBOX.account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`,
      };
    });
    const headBucket = (ctx: Ctx): Reply => {
      const bucket = this.state.buckets[ctx.params.Bucket];
      const ids = { "x-amz-request-id": randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase() };
      if (!bucket) return { status: 404, headers: ids };
      const region = { ...ids, "x-amz-bucket-region": bucket.region };
      if (this.callerScope?.region !== bucket.region) return { status: 301, headers: region };
      if (!this.caller!.buckets.includes(bucket.name)) return { status: 403, headers: region };
      return { status: 200, headers: region };
    };
    this.on("headBucket", headBucket);
    this.on("headBucketSlash", headBucket);
  }

  protected seed(): AwsState {
    return {
      buckets: {
        [AWS_SANDBOX.bucket]: { name: AWS_SANDBOX.bucket, region: "us-east-1" },
        [AWS_SANDBOX.foreignBucket]: { name: AWS_SANDBOX.foreignBucket, region: "eu-west-1" },
      },
    };
  }

  problem(status: number, title: string, detail: string): Reply {
    return this.stsError(status, status === 429 ? "Throttling" : title, detail);
  }

  private stsError(status: number, code: string, message: string): Reply {
    return {
      status,
      headers: { "content-type": "text/xml" },
      text: `<ErrorResponse xmlns="${STS_NS}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${message}</Message>
  </Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>
`,
    };
  }

  private scope(ctx: Ctx) {
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        String(ctx.headers.authorization ?? ""),
      );
    if (!m) return undefined;
    const [, accessKeyId, date, region, service, signedHeaders, signature] = m;
    return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(";"), signature };
  }

  /** AWS Signature Version 4, recomputed from the request as it arrived. */
  protected authenticate(ctx: Ctx, op: { operationId: string }): Reply | undefined {
    this.caller = undefined;
    this.callerScope = undefined;
    const s3 = op.operationId.startsWith("headBucket");
    // S3 answers a HEAD without a body: the status says it all
    const refuse = (code: string, message: string): Reply =>
      s3 ? { status: 403, headers: { "x-amz-request-id": "SANDBOX" } } : this.stsError(403, code, message);
    const scope = this.scope(ctx);
    if (!scope) return refuse("MissingAuthenticationToken", "Request is missing Authentication Token");
    const identity = this.identities.find((i) => i.accessKeyId === scope.accessKeyId);
    if (!identity) {
      return refuse("InvalidClientTokenId", "The security token included in the request is invalid.");
    }
    const amzDate = String(ctx.headers["x-amz-date"] ?? "");
    const at = Date.parse(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    if (!Number.isFinite(at) || !amzDate.startsWith(scope.date)) {
      return refuse(
        "IncompleteSignature",
        "The request must contain a valid x-amz-date matching the credential scope.",
      );
    }
    if (Math.abs(Date.now() - at) > 15 * 60_000) {
      return refuse(
        "RequestTimeTooSkewed",
        "Signature expired: the request time is more than 15 minutes from the server time.",
      );
    }
    if (scope.service !== (s3 ? "s3" : "sts")) {
      return refuse(
        "SignatureDoesNotMatch",
        `Credential should be scoped to correct service: '${s3 ? "s3" : "sts"}'.`,
      );
    }
    if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(scope.region)) {
      return refuse(
        "SignatureDoesNotMatch",
        `Credential should be scoped to a valid region, not '${scope.region}'.`,
      );
    }
    const required = ["host", "x-amz-date", ...(s3 ? ["x-amz-content-sha256"] : [])];
    const token = ctx.headers["x-amz-security-token"];
    if (identity.sessionToken || token !== undefined) required.push("x-amz-security-token");
    if (required.some((h) => !scope.signedHeaders.includes(h))) {
      return refuse("SignatureDoesNotMatch", `The request must sign ${required.join(", ")}.`);
    }
    if (identity.sessionToken !== undefined && token !== identity.sessionToken) {
      return refuse("InvalidClientTokenId", "The security token included in the request is invalid.");
    }

    const query = [...new URLSearchParams(ctx.raw.search)]
      .map(([k, v]) => [rfc3986(k), rfc3986(v)])
      .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const headerValue = (h: string) => {
      const v = ctx.headers[h];
      return (Array.isArray(v) ? v.join(",") : String(v ?? "")).trim().replace(/\s+/g, " ");
    };
    // STS signs the body's hash; S3 sends it in x-amz-content-sha256, which must be the real one (or
    // UNSIGNED-PAYLOAD), or S3 answers XAmzContentSHA256Mismatch
    const declared = String(ctx.headers["x-amz-content-sha256"] ?? "");
    if (s3 && declared !== "UNSIGNED-PAYLOAD" && declared !== sha256(ctx.raw.body)) {
      return { status: 400, headers: { "x-amz-request-id": "SANDBOX" } };
    }
    const payload = s3 ? declared : sha256(ctx.raw.body);
    const canonical = [
      ctx.method,
      // S3 signs the path as sent; every other service its segments encoded once more
      s3 ? ctx.raw.path : ctx.raw.path.split("/").map(rfc3986).join("/"),
      query,
      ...scope.signedHeaders.map((h) => `${h}:${headerValue(h)}`),
      "",
      scope.signedHeaders.join(";"),
      payload,
    ].join("\n");
    const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", amzDate, credentialScope, sha256(canonical)].join("\n");
    const key = hmac(
      hmac(hmac(hmac(`AWS4${identity.secretAccessKey}`, scope.date), scope.region), scope.service),
      "aws4_request",
    );
    const expected = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
    if (expected !== scope.signature) {
      return refuse(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      );
    }
    if (identity.expired)
      return refuse("ExpiredToken", "The security token included in the request is expired");
    this.caller = identity;
    this.callerScope = scope;
    return undefined;
  }
}
