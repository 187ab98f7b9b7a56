// The AWS stand-in's account, buckets and credentials.

export interface Identity {
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

export interface AwsState {
  buckets: Record<string, { name: string; region: string }>;
}

export function seed(): AwsState {
  return {
    buckets: {
      [AWS_SANDBOX.bucket]: { name: AWS_SANDBOX.bucket, region: "us-east-1" },
      [AWS_SANDBOX.foreignBucket]: { name: AWS_SANDBOX.foreignBucket, region: "eu-west-1" },
    },
  };
}
