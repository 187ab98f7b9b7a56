// S3: HeadBucket (may the caller reach the bucket). S3 answers a HEAD without a body: 404 for an unknown
// bucket, 301 with x-amz-bucket-region for one in another region than the request's scope, 403 without
// access, 200 with it.
import { randomUUID } from "node:crypto";
import type { Ctx, Handler, Reply } from "../core";
import type { AwsSandbox } from "./index";

export function s3Routes(s: AwsSandbox): Record<string, Handler> {
  const headBucket = (ctx: Ctx): Reply => {
    const bucket = s.state.buckets[ctx.params.Bucket];
    const ids = { "x-amz-request-id": randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase() };
    if (!bucket) return { status: 404, headers: ids };
    const region = { ...ids, "x-amz-bucket-region": bucket.region };
    if (s.callerScope?.region !== bucket.region) return { status: 301, headers: region };
    if (!s.caller!.buckets.includes(bucket.name)) return { status: 403, headers: region };
    return { status: 200, headers: region };
  };
  return { headBucket, headBucketSlash: headBucket };
}
