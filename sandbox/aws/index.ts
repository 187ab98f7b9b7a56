// Stand-in for the two AWS calls `sophia check` makes (specs/aws-sts-s3.yaml): STS GetCallerIdentity (who
// the credentials are; sts.ts) and S3 HeadBucket (may they reach the data bucket; s3.ts).
//
// Faithful where the check depends on it: every request must carry a valid AWS Signature Version 4 — the
// stand-in recomputes it from the request as it arrived (canonical request, credential scope, signing key)
// and answers SignatureDoesNotMatch (a wrong secret), InvalidClientTokenId (an unknown access key id) or
// RequestTimeTooSkewed like AWS; STS errors are ErrorResponse XML with Type/Code/Message, S3 HEAD errors
// carry no body (403, 404, or 301 with x-amz-bucket-region for a bucket in another region), as S3 answers.
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "../core";
import { OpenApiSpec } from "../openapi";
import { s3Routes } from "./s3";
import { verifySigV4 } from "./sigv4";
import { AWS_SANDBOX, type AwsState, type Identity, seed } from "./state";
import { STS_NS, stsRoutes } from "./sts";

export { AWS_SANDBOX } from "./state";

export class AwsSandbox extends Service<AwsState> {
  readonly name = "aws";
  readonly spec = new OpenApiSpec(path.join(__dirname, "..", "specs", "aws-sts-s3.yaml"), { basePath: "" });
  private readonly identities: Identity[] = [
    AWS_SANDBOX.admin,
    AWS_SANDBOX.noS3,
    AWS_SANDBOX.temporary,
    AWS_SANDBOX.expired,
  ];
  /** The identity of the request being handled (set by authenticate). */
  caller?: Identity;
  /** Its credential scope (the region it signed for). */
  callerScope?: { region: string };

  constructor() {
    super();
    this.onAll(stsRoutes(this), s3Routes(this));
  }

  protected seed(): AwsState {
    return seed();
  }

  problem(status: number, title: string, detail: string): Reply {
    return this.stsError(status, status === 429 ? "Throttling" : title, detail);
  }

  stsError(status: number, code: string, message: string): Reply {
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

  /** AWS Signature Version 4, recomputed from the request as it arrived (sigv4.ts). */
  protected authenticate(ctx: Ctx, op: { operationId: string }): Reply | undefined {
    this.caller = undefined;
    this.callerScope = undefined;
    const s3 = op.operationId.startsWith("headBucket");
    const verdict = verifySigV4(ctx, this.identities, s3);
    if ("refused" in verdict) {
      const { code, message, status = 403 } = verdict.refused;
      // S3 answers a HEAD without a body: the status says it all
      return s3
        ? { status, headers: { "x-amz-request-id": "SANDBOX" } }
        : this.stsError(status, code, message);
    }
    this.caller = verdict.identity;
    this.callerScope = verdict.scope;
    return undefined;
  }
}
