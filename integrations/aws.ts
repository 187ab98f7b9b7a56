// AWS: the S3 bucket Airbyte and Estuary land raw data and backups in (versioned, encrypted, public
// access blocked, lifecycle rules) and the least-privilege IAM identity Airbyte's S3 destination uses.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AwsArgs {
  bucketName: string;
  /** Days before raw landing data expires. */
  rawExpireDays: number;
  /** Days before backups move to Glacier. */
  backupGlacierDays: number;
  /** Days noncurrent object versions are kept. */
  noncurrentVersionDays: number;
  protect: boolean;
}

/** Public access blocked, owner-enforced, versioned, KMS-encrypted, with the lifecycle rules of `args`. */
function secureBucket(
  name: string,
  bucket: pulumi.Input<string>,
  args: AwsArgs,
  child: pulumi.CustomResourceOptions,
) {
  new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    child,
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
    child,
  );
  new aws.s3.BucketVersioning(
    `${name}-versioning`,
    { bucket, versioningConfiguration: { status: "Enabled" } },
    child,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    },
    child,
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    { bucket, rules: lifecycleRules(args) },
    child,
  );
}

/** Raw landing data expires, backups move to Glacier, old versions and abandoned uploads go. */
function lifecycleRules(args: AwsArgs): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [
    {
      id: "raw-expiry",
      status: "Enabled",
      filter: { prefix: "raw/" },
      expiration: { days: args.rawExpireDays },
    },
    {
      id: "backups-to-glacier",
      status: "Enabled",
      filter: { prefix: "backups/" },
      transitions: [{ days: args.backupGlacierDays, storageClass: "GLACIER" }],
    },
    {
      id: "noncurrent-versions",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
  ];
}

/** Airbyte's S3 destination writes under raw/airbyte/ and nothing else. */
function airbytePolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListRawAirbytePrefix",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: bucketArn,
        Condition: { StringLike: { "s3:prefix": ["raw/airbyte/*"] } },
      },
      {
        Sid: "ReadWriteRawAirbyteObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: `${bucketArn}/raw/airbyte/*`,
      },
    ],
  });
}

export class AwsDataLake extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly airbyteUser: aws.iam.User;
  readonly airbyteAccessKey: aws.iam.AccessKey;

  constructor(name: string, args: AwsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:integrations:Aws", name, {}, opts);
    const child = { parent: this };
    const keep = { parent: this, protect: args.protect };

    this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName, forceDestroy: false }, keep);
    secureBucket(name, this.bucket.id, args, child);

    this.airbyteUser = new aws.iam.User(
      `${name}-airbyte`,
      { name: `${args.bucketName}-airbyte`, path: "/sophia/" },
      keep,
    );
    new aws.iam.UserPolicy(
      `${name}-airbyte-policy`,
      { user: this.airbyteUser.name, policy: this.bucket.arn.apply(airbytePolicy) },
      child,
    );
    this.airbyteAccessKey = new aws.iam.AccessKey(
      `${name}-airbyte-key`,
      { user: this.airbyteUser.name },
      keep,
    );
    this.registerOutputs({ bucket: this.bucket.id, airbyteUser: this.airbyteUser.name });
  }
}
