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
      .map(([k, v]) => [k, { value: v, secret: k === "aws:secretKey" || k === "aws:token" }]),
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

it("signs with temporary credentials and their session token, and names an expired session", async () => {
  const temp = AWS.temporary;
  expect(
    await check(
      values({
        "aws:accessKey": temp.accessKeyId,
        "aws:secretKey": temp.secretAccessKey,
        "aws:token": temp.sessionToken,
      }),
    ),
  ).toMatchObject({ status: "pass", detail: expect.stringContaining(temp.arn) });
  // the right keys with another session token are refused
  const wrongToken = await check(
    values({
      "aws:accessKey": temp.accessKeyId,
      "aws:secretKey": temp.secretAccessKey,
      "aws:token": "not-it",
    }),
  );
  expect(wrongToken).toMatchObject({ status: "fail", stage: "authenticated" });
  const expired = await check(
    values({
      "aws:accessKey": AWS.expired.accessKeyId,
      "aws:secretKey": AWS.expired.secretAccessKey,
      "aws:token": AWS.expired.sessionToken,
    }),
  );
  expect(expired).toMatchObject({ status: "fail", stage: "authenticated" });
  expect(expired.error).toContain("ExpiredToken");
  expect(expired.recommendation).toContain("renew the session");
});

it("reports no credentials at all at 'authenticated' (the chain found none), not as a network fault", async () => {
  const saved = { ...process.env };
  // an empty credential chain: no keys in the environment, no shared files, no instance metadata
  for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"])
    delete process.env[k];
  Object.assign(process.env, {
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
  });
  try {
    const c = await check(values({ "aws:accessKey": "", "aws:secretKey": "" }));
    expect(c).toMatchObject({ status: "fail", stage: "authenticated" });
    expect(c.error).toMatch(/^no AWS credentials: /);
    expect(c.recommendation).toContain("aws:profile");
  } finally {
    process.env = saved;
  }
});

it("keeps STS and S3 endpoints listed separately, and refuses one that would send signed requests in clear", async () => {
  await sb.admin("aws").reset();
  const split = await check(values({ "aws:endpoints": JSON.stringify([{ sts: url }, { s3: url }]) }));
  expect(split).toMatchObject({ status: "pass" });
  expect((await sb.admin("aws").requests()).map((r) => r.route)).toEqual(["POST /", "HEAD /{Bucket}/"]);
  const clear = await check(values({ "aws:endpoints": JSON.stringify([{ sts: "http://sts.example.com" }]) }));
  expect(clear).toMatchObject({ status: "fail", stage: "config" });
  expect(clear.error).toBe("aws:endpoints[0].sts must be an https URL (or http on this machine)");
});

it("tells an AWS outage from a refusal: STS or S3 5xx is 'reachable'", async () => {
  await sb.admin("aws").fault({ route: "POST /", status: 503, count: 2 });
  const sts = await check(values());
  expect(sts).toMatchObject({ status: "fail", stage: "reachable" });
  expect(sts.error).toContain("503");
  await sb.admin("aws").clearFaults();
  await sb.admin("aws").fault({ route: "HEAD /{Bucket}/", status: 500, count: 2 });
  const s3 = await check(values());
  expect(s3).toMatchObject({ status: "fail", stage: "reachable" });
  expect(s3.error).toContain("S3 (HeadBucket sophia-ai-sandbox-data) answered 500");
});

it("flags AWS secrets stored in plain text in the stack", async () => {
  const v = values();
  v.set("aws:secretKey", { value: AWS.admin.secretAccessKey, secret: false });
  const c = await check(v);
  expect(c).toMatchObject({ status: "fail", stage: "config" });
  expect(c.error).toBe("stored in plain text: aws:secretKey");
  expect(JSON.stringify(c)).not.toContain(AWS.admin.secretAccessKey);
});

describe("the stand-in's Signature Version 4 check", () => {
  // a request signed exactly as the SDK signs it, then tampered with
  async function signed(tamper: (r: { headers: Record<string, string>; body: string }) => void) {
    const { SignatureV4 } = await import("@smithy/signature-v4");
    const { Sha256 } = await import("@aws-crypto/sha256-js");
    const host = new URL(url).host;
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const signer = new SignatureV4({
      credentials: { accessKeyId: AWS.admin.accessKeyId, secretAccessKey: AWS.admin.secretAccessKey },
      region: "us-east-1",
      service: "sts",
      sha256: Sha256,
    });
    const req = await signer.sign({
      method: "POST",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: Number(new URL(url).port),
      path: "/",
      headers: { host, "content-type": "application/x-www-form-urlencoded" },
      body,
    } as any);
    const out = { headers: { ...((req as any).headers as Record<string, string>) }, body };
    tamper(out);
    const res = await fetch(`${url}/`, { method: "POST", headers: out.headers, body: out.body });
    return { status: res.status, text: await res.text() };
  }

  it("accepts the request as signed, and refuses a changed body, a changed date or an unsigned token", async () => {
    expect((await signed(() => undefined)).status).toBe(200);
    const body = await signed((r) => {
      r.body = "Action=GetCallerIdentity&Version=2011-06-15&Extra=1";
    });
    expect(body).toMatchObject({ status: 403, text: expect.stringContaining("SignatureDoesNotMatch") });
    const date = await signed((r) => {
      // another second of the same minute (not always :59: a request signed at :59 would be unchanged)
      r.headers["x-amz-date"] = r.headers["x-amz-date"].replace(/(\d\d)Z$/, (_, s) =>
        s === "59" ? "58Z" : "59Z",
      );
    });
    expect(date).toMatchObject({ status: 403, text: expect.stringContaining("SignatureDoesNotMatch") });
    const token = await signed((r) => {
      r.headers["x-amz-security-token"] = "added-after-signing";
    });
    expect(token).toMatchObject({ status: 403, text: expect.stringContaining("SignatureDoesNotMatch") });
    await sb.admin("aws").reset(); // the tampered requests are not the probe's
  });
});
