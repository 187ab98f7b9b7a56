// `sophia check`'s AWS probe against the AWS stand-in, through the official AWS SDK: STS GetCallerIdentity
// proves the credentials (the stand-in recomputes every Signature Version 4), S3 HeadBucket proves access
// to the data bucket. A wrong secret or an unknown key fails at "authenticated", an identity without S3
// rights at "permitted" (naming the bucket ARN to allow), a bucket in another region at "config", a closed
// port at "reachable"; a bucket not created yet passes, saying so. The AWS Pulumi provider plugin cannot be
// built here; this is the live side of the AWS integration that can be tested.
import { runChecks } from "../../cli/check";
import type { Values } from "../../cli/probes";
import { AWS_SANDBOX as AWS } from "../../sandbox/aws";
import { type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
let url: string;

useContractSandbox(["aws"], async (started) => {
  sb = started;
  url = `http://127.0.0.1:${sb.sandbox.services.aws.port}`;
});

const values = (overrides: Record<string, string> = {}): Values => {
  const all: Record<string, string> = {
    awsEnabled: "true",
    awsBucketName: AWS.bucket,
    "aws:region": AWS.region,
    "aws:accessKey": AWS.admin.accessKeyId,
    "aws:secretKey": AWS.admin.secretAccessKey,
    "aws:endpoints": JSON.stringify([{ sts: url, s3: url }]),
    "aws:s3UsePathStyle": "true",
    ...overrides,
  };
  return new Map(
    Object.entries(all)
      .filter(([, v]) => v !== "")
      .map(([k, v]) => [k, { value: v, secret: k === "aws:secretKey" }]),
  );
};
const check = async (v: Values, stack = "contract") => {
  const report = await runChecks(stack, v, { timeoutMs: 15_000, only: ["aws"] });
  return report.checks[0];
};

it("passes with the admin credentials: who they are, and the bucket reachable in its region", async () => {
  await sb.admin("aws").reset();
  const c = await check(values());
  expect(c).toMatchObject({
    status: "pass",
    detail: `authenticated as ${AWS.admin.arn}; bucket ${AWS.bucket} reachable in us-east-1`,
  });
  // one signed STS call and one signed HeadBucket, nothing else
  expect((await sb.admin("aws").requests()).map((r) => `${r.route} ${r.status}`)).toEqual([
    "POST / 200",
    `HEAD /{Bucket}/ 200`,
  ]);
});

it("fails a wrong secret and an unknown key id at 'authenticated', with AWS's code, never the value", async () => {
  const wrongSecret = await check(values({ "aws:secretKey": "not/the/right/secret/key/at/all/000000" }));
  expect(wrongSecret).toMatchObject({ status: "fail", stage: "authenticated" });
  expect(wrongSecret.error).toMatch(/^AWS refused the credentials \(SignatureDoesNotMatch\)/);
  expect(wrongSecret.recommendation).toContain("aws:accessKey and aws:secretKey");
  expect(JSON.stringify(wrongSecret)).not.toContain("not/the/right/secret");
  const unknownKey = await check(values({ "aws:accessKey": "AKIAUNKNOWNKEY000000" }));
  expect(unknownKey).toMatchObject({ status: "fail", stage: "authenticated" });
  expect(unknownKey.error).toContain("InvalidClientTokenId");
});

it("fails an identity without access to the bucket at 'permitted', naming what to allow", async () => {
  const c = await check(
    values({ "aws:accessKey": AWS.noS3.accessKeyId, "aws:secretKey": AWS.noS3.secretAccessKey }),
  );
  expect(c).toMatchObject({
    status: "fail",
    stage: "permitted",
    error: `${AWS.noS3.arn} may not access bucket ${AWS.bucket} (403)`,
  });
  expect(c.recommendation).toContain(`arn:aws:s3:::${AWS.bucket}`);
});

it("fails a bucket in another region at 'config', naming the region", async () => {
  const c = await check(values({ awsBucketName: AWS.foreignBucket }));
  expect(c).toMatchObject({ status: "fail", stage: "config" });
  expect(c.error).toBe(`bucket ${AWS.foreignBucket} is in eu-west-1, not aws:region us-east-1`);
});

it("passes when the bucket does not exist yet, and derives the default bucket name from the stack", async () => {
  const c = await check(values({ awsBucketName: "" }), "staging");
  expect(c).toMatchObject({
    status: "pass",
    detail: `authenticated as ${AWS.admin.arn}; bucket sophia-staging-data does not exist yet (the next up creates it)`,
  });
});

it("fails a closed port at 'reachable', and malformed provider config at 'config'", async () => {
  const closed = await check(values({ "aws:endpoints": JSON.stringify([{ sts: "http://127.0.0.1:1" }]) }));
  expect(closed).toMatchObject({ status: "fail", stage: "reachable" });
  expect(closed.error).toContain("ECONNREFUSED");
  const malformed = await check(values({ "aws:endpoints": "{sts:" }));
  expect(malformed).toMatchObject({ status: "fail", stage: "config" });
  expect(malformed.error).toContain("aws:endpoints");
  const half = await check(values({ "aws:secretKey": "" }));
  expect(half).toMatchObject({ status: "fail", stage: "config" });
  expect(half.error).toContain("aws:accessKey and aws:secretKey go together");
});
