// AWS: the S3 data bucket and the IAM identity of Airbyte's S3 destination.
import * as pulumi from "@pulumi/pulumi";
import type { AwsArgs, AwsDataLake } from "../aws";
import { defineIntegration, enabledBy } from "../spec";
import { AWS } from "./keys";

export const aws = defineIntegration({
  name: "aws",
  keys: AWS,
  enabled: enabledBy(AWS.awsEnabled),
  read: ({ r, namePrefix }): Omit<AwsArgs, "protect"> => ({
    bucketName: r.string(AWS.awsBucketName, `${namePrefix}-data`),
    rawExpireDays: r.int(AWS.awsRawExpireDays),
    backupGlacierDays: r.int(AWS.awsBackupGlacierDays),
    noncurrentVersionDays: r.int(AWS.awsNoncurrentVersionDays),
  }),
  compose: (cfg, ctx): AwsDataLake => {
    const { AwsDataLake } = require("../aws") as typeof import("../aws");
    return new AwsDataLake("aws", { ...cfg, protect: ctx.protect });
  },
  outputs: (lake) => ({
    dataBucket: lake.bucket.id,
    airbyteS3AccessKeyId: pulumi.secret(lake.airbyteAccessKey.id),
    airbyteS3SecretAccessKey: lake.airbyteAccessKey.secret,
  }),
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
