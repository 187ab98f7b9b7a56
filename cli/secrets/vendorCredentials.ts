// The credentials vendors issue, which the program cannot mint: where each is kept in a stack's config,
// where it is rotated at its vendor, and how old it is. `sophia secrets audit` ages them from the stack's
// `credentialsSetAt` map (credential → ISO 8601 time it was last set), which `sophia secrets import-env`
// records when it writes one and an operator can set by hand:
//   pulumi config set --path 'credentialsSetAt.gongAccessKey' 2026-05-01T09:00:00Z --stack production
// Pure: no I/O, no engine.

/** The stack config key holding when each vendor credential was last set. */
export const SET_AT_KEY = "credentialsSetAt";

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
    id: "gongAccessKey",
    what: "Gong access key and secret",
    keys: ["gongAccessKey", "gongAccessKeySecret"],
    rotateAt: `Gong: Company settings → Ecosystem → API → Create (a new access key and secret, shown once); ${THEN} delete the old key there`,
  },
  {
    id: "airbyteClientSecret",
    what: "Airbyte application (client id and secret)",
    keys: ["airbyteClientSecret", "airbyteClientId"],
    rotateAt: `Airbyte: Settings → Account → Applications → Create an application (a new client id and secret); ${THEN} delete the old application`,
  },
  {
    id: "estuaryRefreshToken",
    what: "Estuary refresh token",
    keys: ["estuaryRefreshToken"],
    rotateAt: `Estuary: dashboard → Admin → CLI-API → Generate token (a new refresh token); ${THEN} delete the old token there`,
  },
  {
    id: "vercelApiToken",
    what: "Vercel token",
    keys: ["vercel:apiToken"],
    rotateAt: `Vercel: Account Settings → Tokens → Create (scoped to the team in vercel:team); ${THEN} delete the old token`,
  },
  {
    id: "lambdaApiKey",
    what: "Lambda Cloud API key",
    keys: ["lambdaApiKey"],
    rotateAt: `Lambda Cloud: dashboard → API keys → Generate API key; ${THEN} delete the old key`,
  },
  {
    id: "openrouterManagementKey",
    what: "OpenRouter management (provisioning) key",
    keys: ["openrouterManagementKey"],
    rotateAt: `OpenRouter: Settings → Provisioning API Keys → Create; ${THEN} delete the old key (the API keys the program manages rotate with openrouterKeys' generation)`,
  },
  {
    id: "portkeyApiKey",
    what: "Portkey API key",
    keys: ["portkeyApiKey"],
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
    id: "postgresPassword",
    what: "PostgreSQL password (postgresUser)",
    keys: ["postgresPassword"],
    rotateAt: `PostgreSQL: ALTER ROLE <postgresUser> PASSWORD '…' on the server (or its host's console); ${THEN} check (Airbyte and Estuary write with it)`,
  },
  {
    id: "redisPassword",
    what: "Redis password (redisUser)",
    keys: ["redisPassword"],
    rotateAt: `Redis: ACL SETUSER <redisUser> >new-password (the old one keeps working); ${THEN} ACL SETUSER <redisUser> <old-password`,
  },
  {
    id: "awsAccessKey",
    what: "AWS access key (aws:accessKey, aws:secretKey)",
    keys: ["aws:secretKey", "aws:accessKey"],
    rotateAt: `AWS: IAM → Users → the user → Security credentials → Create access key; ${THEN} make the old key inactive and delete it (or use a role and no key)`,
  },
  {
    id: "slackWebhookUrl",
    what: "Slack incoming webhook",
    keys: ["slackWebhookUrl"],
    rotateAt:
      "Slack: api.slack.com/apps → the app → Incoming Webhooks → Add New Webhook to Workspace, import the URL with `sophia secrets import-env` (and `sophia secrets sync-github --only SLACK_WEBHOOK_URL --apply`), then remove the old webhook",
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
  return [...VENDOR_CREDENTIALS, ...portkeyProviderKeys(get("portkeyProviders"))].filter((c) =>
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
