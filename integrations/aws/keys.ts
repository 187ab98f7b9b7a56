// aws: its config keys, defined once (see integrations/keys.ts).
import { defineKeys } from "../keys";

export const AWS = defineKeys({
  awsEnabled: {
    type: "boolean",
    description: "Manage the S3 data bucket and the IAM identity of Airbyte's S3 destination.",
    defaultValue: false,
  },
  awsBucketName: {
    type: "string",
    description: "S3 bucket name (default <namePrefix>-data).",
    defaultValue: "",
    pattern: /^[a-z0-9][a-z0-9.-]{2,62}$/,
    what: "an S3 bucket name",
  },
  awsRawExpireDays: {
    type: "integer",
    description: "Days before objects under raw/ expire.",
    defaultValue: 365,
    min: 1,
  },
  awsBackupGlacierDays: {
    type: "integer",
    description: "Days before objects under backups/ move to Glacier.",
    defaultValue: 30,
    min: 1,
  },
  awsNoncurrentVersionDays: {
    type: "integer",
    description: "Days noncurrent object versions are kept.",
    defaultValue: 90,
    min: 1,
  },
});
