// lambda: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, URL_RULE } from "../keys";

export const LAMBDA = defineKeys({
  lambdaEnabled: {
    type: "boolean",
    description: "Manage Lambda Cloud SSH keys, file systems and (explicitly) instances.",
    defaultValue: false,
  },
  lambdaApiUrl: {
    type: "string",
    description: "Lambda Cloud API base URL.",
    defaultValue: "https://cloud.lambda.ai",
    ...URL_RULE,
  },
  lambdaSshKeys: {
    type: "array",
    items: "object",
    description:
      'SSH keys, [{"name", "publicKey"?}]; without publicKey Lambda generates the pair (private key: secret output).',
    defaultValue: [],
    shape: { name: "string", publicKey: "string" },
  },
  lambdaFileSystems: {
    type: "array",
    items: "object",
    description: 'File systems, [{"name", "region"}].',
    defaultValue: [],
    shape: { name: "string", region: "string" },
  },
  lambdaLaunchInstances: {
    type: "boolean",
    description: "Instances cost money; they are created only when this is true.",
    defaultValue: false,
  },
  lambdaInstances: {
    type: "array",
    items: "object",
    description: 'Instances, [{"name", "instanceType", "region", "sshKeyNames", "fileSystemNames"?}].',
    defaultValue: [],
    shape: {
      name: "string",
      instanceType: "string",
      region: "string",
      sshKeyNames: "strings",
      fileSystemNames: "strings",
    },
  },
  lambdaApiKey: { type: "string", description: "Lambda Cloud API key.", secret: true },
});
