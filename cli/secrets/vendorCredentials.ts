// The credentials vendors issue, which the program cannot mint: where each is kept in a stack's config,
// where it is rotated at its vendor, and how old it is. `sophia secrets audit` ages them from the stack's
// `credentialsSetAt` map (credential → ISO 8601 time it was last set), which `sophia secrets import-env`
// records when it writes one and an operator can set by hand:
//   pulumi config set --path 'credentialsSetAt.gongAccessKey' 2026-05-01T09:00:00Z --stack production
// Pure: no I/O, no engine.
import { AIRBYTE } from "../../integrations/airbyte/keys";
import { ESTUARY } from "../../integrations/estuary/keys";
import { GONG } from "../../integrations/gong/keys";
import { envName } from "../../integrations/keys";
import { LAMBDA } from "../../integrations/lambda/keys";
import { OPENROUTER } from "../../integrations/openrouter/keys";
import { PORTKEY } from "../../integrations/portkey/keys";
import { POSTGRES } from "../../integrations/postgres/keys";
import { REDIS } from "../../integrations/redis/keys";
import { STACK } from "../../integrations/stack/keys";

/** The stack config key holding when each vendor credential was last set. */
export const SET_AT_KEY = STACK.credentialsSetAt.name;

export interface VendorCredential {
  /** Its entry in credentialsSetAt. */
  id: string;
  /** What it is, for people. */
  what: string;
  /**
   * The config keys that hold it. The stack uses the credential when the first one is set; a new value in
   * any of them (a new key and secret, a new application's id) is a new credential.
   */
  keys: string[];
  /** Where it is rotated at its vendor. */
  rotateAt: string;
}

const THEN = "import it with `sophia secrets import-env`, `pulumi up`, then";

/** Every vendor-issued credential the program, its providers or the CLI read. */
export const VENDOR_CREDENTIALS: VendorCredential[] = [
  {
    id: GONG.gongAccessKey.name,
    what: "Gong access key and secret",
    keys: [GONG.gongAccessKey.name, GONG.gongAccessKeySecret.name],
    rotateAt: `Gong: Company settings → Ecosystem → API → Create (a new access key and secret, shown once); ${THEN} delete the old key there`,
  },
  {
    id: AIRBYTE.airbyteClientSecret.name,
    what: "Airbyte application (client id and secret)",
    keys: [AIRBYTE.airbyteClientSecret.name, AIRBYTE.airbyteClientId.name],
    rotateAt: `Airbyte: Settings → Account → Applications → Create an application (a new client id and secret); ${THEN} delete the old application`,
  },
  {
    id: ESTUARY.estuaryRefreshToken.name,
    what: "Estuary refresh token",
    keys: [ESTUARY.estuaryRefreshToken.name],
    rotateAt: `Estuary: dashboard → Admin → CLI-API → Generate token (a new refresh token); ${THEN} delete the old token there`,
  },
  {
    id: "vercelApiToken",
    what: "Vercel token",
    keys: ["vercel:apiToken"],
    rotateAt: `Vercel: Account Settings → Tokens → Create (scoped to the team in vercel:team); ${THEN} delete the old token`,
  },
  {
    id: LAMBDA.lambdaApiKey.name,
    what: "Lambda Cloud API key",
    keys: [LAMBDA.lambdaApiKey.name],
    rotateAt: `Lambda Cloud: dashboard → API keys → Generate API key; ${THEN} delete the old key`,
  },
  {
    id: OPENROUTER.openrouterManagementKey.name,
    what: "OpenRouter management (provisioning) key",
    keys: [OPENROUTER.openrouterManagementKey.name],
    rotateAt: `OpenRouter: Settings → Provisioning API Keys → Create; ${THEN} delete the old key (the API keys the program manages rotate with ${OPENROUTER.openrouterKeys.name}' generation)`,
  },
  {
    id: PORTKEY.portkeyApiKey.name,
    what: "Portkey API key",
    keys: [PORTKEY.portkeyApiKey.name],
    rotateAt: `Portkey: Admin Settings → API Keys → Create (the same kind, admin or workspace, and scopes); ${THEN} delete the old key`,
  },
  {
    id: "snowflakePassword",
    what: "Snowflake admin password (snowflake:user)",
    keys: ["snowflake:password"],
    rotateAt:
      "Snowflake: ALTER USER <snowflake:user> SET PASSWORD = '…' as a user administrator (Snowsight: Admin → Users & Roles → the user → Reset password), then import it with `sophia secrets import-env` (the service users' passwords are minted: `sophia secrets rotate --service snowflake`)",
  },
  {
    id: "githubToken",
    what: "GitHub token",
    keys: ["github:token"],
    rotateAt:
      "GitHub: Settings → Developer settings → Personal access tokens → Fine-grained tokens → the token → Regenerate token, then import it with `sophia secrets import-env`",
  },
  {
    id: POSTGRES.postgresPassword.name,
    what: `PostgreSQL password (${POSTGRES.postgresUser.name})`,
    keys: [POSTGRES.postgresPassword.name],
    rotateAt: `PostgreSQL: ALTER ROLE <${POSTGRES.postgresUser.name}> PASSWORD '…' on the server (or its host's console); ${THEN} check (Airbyte and Estuary write with it)`,
  },
  {
    id: REDIS.redisPassword.name,
    what: `Redis password (${REDIS.redisUser.name})`,
    keys: [REDIS.redisPassword.name],
    rotateAt: `Redis: ACL SETUSER <${REDIS.redisUser.name}> >new-password (the old one keeps working); ${THEN} ACL SETUSER <${REDIS.redisUser.name}> <old-password`,
  },
  {
    id: "awsAccessKey",
    what: "AWS access key (aws:accessKey, aws:secretKey)",
    keys: ["aws:secretKey", "aws:accessKey"],
    rotateAt: `AWS: IAM → Users → the user → Security credentials → Create access key; ${THEN} make the old key inactive and delete it (or use a role and no key)`,
  },
  {
    id: STACK.slackWebhookUrl.name,
    what: "Slack incoming webhook",
    keys: [STACK.slackWebhookUrl.name],
    rotateAt: `Slack: api.slack.com/apps → the app → Incoming Webhooks → Add New Webhook to Workspace, import the URL with \`sophia secrets import-env\` (and \`sophia secrets sync-github --only ${envName(STACK.slackWebhookUrl)} --apply\`), then remove the old webhook`,
  },
];

/** The vendor API keys of the stack's Portkey providers (portkeyProviders[].apiKeySecret), as credentials. */
function portkeyProviderKeys(raw: string | undefined): VendorCredential[] {
  let list: unknown;
  try {
    list = JSON.parse(raw || "[]");
  } catch {
    return [];
  }
  return (Array.isArray(list) ? list : [])
    .filter((p) => p && typeof p.apiKeySecret === "string" && p.apiKeySecret)
    .map((p) => ({
      id: p.apiKeySecret as string,
      what: `${p.provider ?? "LLM"} API key of Portkey provider ${p.name ?? "?"}`,
      keys: [p.apiKeySecret as string],
      rotateAt: `${p.provider ?? "the vendor"}: create a new API key in its console; ${THEN} revoke the old key`,
    }));
}

/** The vendor credentials a stack's config holds (keys without the project's namespace, as stackConfig reads them). */
export function vendorCredentialsOf(get: (key: string) => string | undefined): VendorCredential[] {
  return [...VENDOR_CREDENTIALS, ...portkeyProviderKeys(get(PORTKEY.portkeyProviders.name))].filter((c) =>
    Boolean(get(c.keys[0])),
  );
}

/**
 * The stack's credentialsSetAt map. Throws, naming the entry, for one that is not an ISO 8601 time; an
 * unset or empty map is {}.
 */
export function parseSetAt(raw: string | undefined): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(raw || "{}");
  } catch {
    throw new Error(`${SET_AT_KEY} is not valid JSON`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new Error(`${SET_AT_KEY} must be an object: {"<credential>": "<ISO 8601 time>"}`);
  for (const [id, at] of Object.entries(v)) {
    if (typeof at !== "string" || Number.isNaN(Date.parse(at)))
      throw new Error(
        `${SET_AT_KEY}.${id} must be an ISO 8601 time like 2026-05-01T09:00:00Z; got ${JSON.stringify(at)}`,
      );
  }
  return v as Record<string, string>;
}
