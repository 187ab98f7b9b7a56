// AWS Signature Version 4, checked as AWS checks it: the signature recomputed from the request as it
// arrived (canonical request, credential scope, signing key), after the checks AWS makes first (a known
// access key, a fresh x-amz-date, the service and region of the scope, the headers that must be signed).
import { createHash, createHmac } from "node:crypto";
import type { Ctx } from "../core";
import type { Identity } from "./state";

/** What the Authorization header says. */
export interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Why a request is refused: AWS's error code and message (status 403 unless it says otherwise). */
export interface Refusal {
  code: string;
  message: string;
  status?: number;
}

export type Verdict = { identity: Identity; scope: Scope } | { refused: Refusal };

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s, "utf8").digest();
/** RFC 3986 encoding, as SigV4 wants it. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const refused = (code: string, message: string, status?: number): { refused: Refusal } => ({
  refused: status === undefined ? { code, message } : { code, message, status },
});
const invalidToken = () =>
  refused("InvalidClientTokenId", "The security token included in the request is invalid.");

function parseAuthorization(header: string): Scope | undefined {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (!m) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = m;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(";"), signature };
}

/** The checks AWS makes before it computes a signature, in its order; a refusal or undefined. */
function precheck(ctx: Ctx, scope: Scope, identity: Identity, s3: boolean, amzDate: string) {
  const at = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  if (!Number.isFinite(at) || !amzDate.startsWith(scope.date)) {
    return refused(
      "IncompleteSignature",
      "The request must contain a valid x-amz-date matching the credential scope.",
    );
  }
  if (Math.abs(Date.now() - at) > 15 * 60_000) {
    return refused(
      "RequestTimeTooSkewed",
      "Signature expired: the request time is more than 15 minutes from the server time.",
    );
  }
  const service = s3 ? "s3" : "sts";
  if (scope.service !== service) {
    return refused("SignatureDoesNotMatch", `Credential should be scoped to correct service: '${service}'.`);
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(scope.region)) {
    return refused(
      "SignatureDoesNotMatch",
      `Credential should be scoped to a valid region, not '${scope.region}'.`,
    );
  }
  const required = ["host", "x-amz-date", ...(s3 ? ["x-amz-content-sha256"] : [])];
  const token = ctx.headers["x-amz-security-token"];
  if (identity.sessionToken || token !== undefined) required.push("x-amz-security-token");
  if (required.some((h) => !scope.signedHeaders.includes(h))) {
    return refused("SignatureDoesNotMatch", `The request must sign ${required.join(", ")}.`);
  }
  if (identity.sessionToken !== undefined && token !== identity.sessionToken) return invalidToken();
  return undefined;
}

/** The canonical request of SigV4, over the signed headers and the payload hash `payload`. */
function canonicalRequest(ctx: Ctx, scope: Scope, s3: boolean, payload: string): string {
  const query = [...new URLSearchParams(ctx.raw.search)]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headerValue = (h: string) => {
    const v = ctx.headers[h];
    return (Array.isArray(v) ? v.join(",") : String(v ?? "")).trim().replace(/\s+/g, " ");
  };
  return [
    ctx.method,
    // S3 signs the path as sent; every other service its segments encoded once more
    s3 ? ctx.raw.path : ctx.raw.path.split("/").map(rfc3986).join("/"),
    query,
    ...scope.signedHeaders.map((h) => `${h}:${headerValue(h)}`),
    "",
    scope.signedHeaders.join(";"),
    payload,
  ].join("\n");
}

/** The signature `secret` gives the canonical request at `amzDate` in `scope`. */
function sign(secret: string, scope: Scope, amzDate: string, canonical: string): string {
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, credentialScope, sha256(canonical)].join("\n");
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secret}`, scope.date), scope.region), scope.service),
    "aws4_request",
  );
  return createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
}

/** Who signed the request, among `identities`, or why AWS would refuse it. `s3`: an S3 call (else STS). */
export function verifySigV4(ctx: Ctx, identities: Identity[], s3: boolean): Verdict {
  const scope = parseAuthorization(String(ctx.headers.authorization ?? ""));
  if (!scope) return refused("MissingAuthenticationToken", "Request is missing Authentication Token");
  const identity = identities.find((i) => i.accessKeyId === scope.accessKeyId);
  if (!identity) return invalidToken();
  const amzDate = String(ctx.headers["x-amz-date"] ?? "");
  const early = precheck(ctx, scope, identity, s3, amzDate);
  if (early) return early;
  // STS signs the body's hash; S3 sends it in x-amz-content-sha256, which must be the real one (or
  // UNSIGNED-PAYLOAD), or S3 answers XAmzContentSHA256Mismatch
  const declared = String(ctx.headers["x-amz-content-sha256"] ?? "");
  if (s3 && declared !== "UNSIGNED-PAYLOAD" && declared !== sha256(ctx.raw.body)) {
    return refused("XAmzContentSHA256Mismatch", "The provided x-amz-content-sha256 does not match.", 400);
  }
  const canonical = canonicalRequest(ctx, scope, s3, s3 ? declared : sha256(ctx.raw.body));
  if (sign(identity.secretAccessKey, scope, amzDate, canonical) !== scope.signature) {
    return refused(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  if (identity.expired)
    return refused("ExpiredToken", "The security token included in the request is expired");
  return { identity, scope };
}
