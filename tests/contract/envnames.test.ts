// The dotenv name mapping (cli/secrets/envNames.ts, docs/env-names.md), dotenv reading, what an import does, the
// export/import round trip, and which GitHub Actions secrets are whose. No I/O beyond reading this
// repository's files.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { parse as parseYaml } from "yaml";
import {
  analyzeImport,
  exportLines,
  exportText,
  parseEnvText,
  type StackValues,
} from "../../cli/secrets/dotenv";
import {
  dotenvQuote,
  exportNameFor,
  isSecretValue,
  KEYS,
  NAMES,
  resolveEnvName,
} from "../../cli/secrets/envNames";
import { PROGRAM_ORG_SECRETS, programOwnedSecrets, pushPlan } from "../../cli/secrets/github";
import { CARRIERS } from "../../integrations/credentials";
import { DESIGN_ENV, REFRESH_TOKEN } from "../helpers/designEnv";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (f: string) => readFileSync(path.join(ROOT, f), "utf8");

const stackValues = (
  plain: Record<string, string>,
  secret: Record<string, string> = {},
  structured: string[] = [],
): StackValues =>
  new Map([
    ...Object.entries(plain).map(([k, v]) => [
      k,
      { value: v, secret: false, structured: structured.includes(k) },
    ]),
    ...Object.entries(secret).map(([k, v]) => [
      k,
      { value: v, secret: true, structured: structured.includes(k) },
    ]),
  ] as [string, { value: string; secret: boolean; structured: boolean }][]);

/** import-env's decisions for a file, against a stack with `current`. */
const importOf = (text: string, current: StackValues = new Map(), includeUnknown = false) => {
  const { entries, problems } = parseEnvText(text);
  expect(problems).toEqual([]);
  return analyzeImport(entries, current, { includeUnknown });
};
const written = (a: ReturnType<typeof analyzeImport>) =>
  Object.fromEntries(Object.entries(a.writes).map(([k, w]) => [k, w.secret ? "secret" : "plain"]));

// The names of the platform's .env files, from the design documents (/work/shared/design/*.md).
const DESIGN_NAMES = [
  "GONG_ACCESS_KEY",
  "GONG_API_KEY",
  "GONG_API_SECRET",
  "SNOWFLAKE_ACCOUNT",
  "SNOWFLAKE_USER",
  "SNOWFLAKE_PASSWORD",
  "SNOWFLAKE_ROLE",
  "SNOWFLAKE_WAREHOUSE",
  "SNOWFLAKE_DATABASE",
  "SNOWFLAKE_SCHEMA",
  "VERCEL_ACCESS_TOKEN",
  "VERCEL_TEAM_ID",
  "VERCEL_PROJECT_ID",
  "VERCEL_ORG_ID",
  "ESTUARY_API_URL",
  "ESTUARY_API_KEY",
  "AIRBYTE_CLIENT_ID",
  "AIRBYTE_CLIENT_SECRET",
  "SLACK_WEBHOOK_URL",
  "AIRBYTE_ACCESS_TOKEN",
  "ESTUARY_GONG_TOKEN",
  "SLACK_WEBHOOK_TYPE",
];

describe("the names of the platform's .env files", () => {
  it("lands every design-document name on a key something reads, or says why not", () => {
    const ctx = { extraKeys: new Set<string>() };
    for (const name of DESIGN_NAMES) {
      const r = resolveEnvName(name, "value-of-the-right-kind", ctx);
      if (r.kind === "set") for (const w of r.writes) expect([name, w.key in KEYS]).toEqual([name, true]);
      else expect([name, r.kind, r.kind === "skip" && r.why.length > 20]).toEqual([name, "skip", true]);
    }
    // and this list is the design documents' (when they are beside the checkout)
    const dir = path.join(ROOT, "..", "shared", "design");
    if (existsSync(dir)) {
      const text = readdirSync(dir)
        .filter((f) => f.endsWith(".md"))
        .map((f) => readFileSync(path.join(dir, f), "utf8"))
        .join("\n");
      const used = new Set<string>();
      for (const re of [
        /^([A-Z][A-Z0-9]*_[A-Z0-9_]+)=/gm,
        /^- `([A-Z][A-Z0-9]*_[A-Z0-9_]+)`:/gm,
        /\$\{([A-Z][A-Z0-9]*_[A-Z0-9_]+)\}/g,
        /^\s+([A-Z][A-Z0-9]*_[A-Z0-9_]+): /gm,
      ])
        for (const m of text.matchAll(re)) used.add(m[1]);
      expect([...used].filter((n) => !DESIGN_NAMES.includes(n))).toEqual([]);
    }
  });

  it("imports a design-document .env onto the keys the program, its providers and check read", () => {
    const a = importOf(DESIGN_ENV);
    expect(written(a)).toEqual({
      airbyteClientId: "plain",
      airbyteClientSecret: "secret",
      estuaryRefreshToken: "secret",
      gongAccessKey: "secret",
      gongAccessKeySecret: "secret",
      postgresPassword: "secret", // POSTGRES_PASS: was a plain `postgresPass` nothing read
      slackWebhookUrl: "secret", // the URL's path is the credential: was plain text
      "snowflake:organizationName": "plain",
      "snowflake:accountName": "plain",
      "snowflake:user": "plain",
      "snowflake:password": "secret",
      "snowflake:role": "plain",
      "snowflake:warehouse": "plain",
      snowflakeDatabase: "plain",
      snowflakeSchema: "plain",
      "vercel:apiToken": "secret",
      "vercel:team": "plain",
    });
    expect(a.writes["snowflake:organizationName"].value).toBe("payready");
    expect(a.writes["snowflake:accountName"].value).toBe("analytics");
    expect(a.writes.estuaryRefreshToken.value).toBe(REFRESH_TOKEN);
    // ESTUARY_API_URL is Estuary's public API: never written onto the control plane's URL
    expect(a.writes.estuaryApiUrl).toBeUndefined();
    expect(a.notImported.map((n) => `${n.name}:${n.line}`)).toEqual([
      "VERCEL_PROJECT_ID:13",
      "ESTUARY_API_URL:17",
      "AIRBYTE_ACCESS_TOKEN:20",
      "ESTUARY_GONG_TOKEN:21",
      "SLACK_WEBHOOK_TYPE:23",
    ]);
    const why = Object.fromEntries(a.notImported.map((n) => [n.name, n.why]));
    expect(why.ESTUARY_API_URL).toMatch(/public API.*estuaryApiUrl.*ESTUARY_CONTROL_PLANE_URL/);
    expect(why.ESTUARY_GONG_TOKEN).toMatch(/makes it itself.*mints and rotates.*ESTUARY_WEBHOOK_TOKEN/);
    expect(why.AIRBYTE_ACCESS_TOKEN).toMatch(/makes it itself.*short-lived.*AIRBYTE_CLIENT_ID/);
    // an empty value is reported by name and line, and creates no key (it created `empty`)
    expect(a.empty).toEqual([{ name: "EMPTY", line: 25 }]);
    // an unknown name is reported, and written only when asked
    expect(a.unknown).toEqual([{ name: "FOO_BAR", line: 26, key: "fooBar", written: false }]);
    expect(Object.keys(a.writes)).not.toContain("fooBar");
    expect(written(importOf(DESIGN_ENV, new Map(), true)).fooBar).toBe("plain");
    // nothing about a value in the report
    const report = JSON.stringify({ ...a, writes: undefined });
    for (const v of [
      "your-secure-password",
      "your-gong-api",
      "abcdefghijklmnopqrstuvwx",
      REFRESH_TOKEN,
      "pg-pass-1",
    ])
      expect(report).not.toContain(v);
  });

  it("splits SNOWFLAKE_ACCOUNT into organization and account, and explains a locator it cannot split", () => {
    const ctx = { extraKeys: new Set<string>() };
    for (const v of ["myorg-my_account", "https://myorg-my_account.snowflakecomputing.com"])
      expect(resolveEnvName("SNOWFLAKE_ACCOUNT", v, ctx)).toMatchObject({
        kind: "set",
        writes: [
          { key: "snowflake:organizationName", value: "myorg" },
          { key: "snowflake:accountName", value: "my_account" },
        ],
      });
    for (const v of ["payready", "xy12345", "xy12345.us-east-1", "xy12345.us-east-2.aws"])
      expect(resolveEnvName("SNOWFLAKE_ACCOUNT", v, ctx)).toMatchObject({
        kind: "skip",
        why: expect.stringMatching(/legacy account locator.*SNOWFLAKE_ORGANIZATION_NAME/),
      });
  });

  it("checks what a name holds where its meaning depends on it", () => {
    const ctx = { extraKeys: new Set<string>() };
    expect(resolveEnvName("ESTUARY_API_KEY", "your-estuary-api-key", ctx)).toMatchObject({
      kind: "skip",
      why: expect.stringContaining("not a Flow refresh token"),
    });
    expect(resolveEnvName("VERCEL_ORG_ID", "Ab12CdEf34", ctx)).toMatchObject({
      kind: "skip",
      why: expect.stringContaining("personal account"),
    });
    expect(resolveEnvName("GITHUB_REPOSITORY", "payready/sophia-ai", ctx)).toMatchObject({
      writes: [
        { key: "github:owner", value: "payready" },
        { key: "githubRepository", value: "sophia-ai" },
      ],
    });
    // the webhook credentials: every stack mints them (the sandbox too), so none is imported
    for (const name of ["GONG_WEBHOOK_SECRET", "ESTUARY_CAPTURE_TOKEN"]) {
      expect(resolveEnvName(name, "x", ctx)).toMatchObject({
        kind: "skip",
        why: expect.stringMatching(/^the program makes it itself: .*sophia secrets rotate --service/),
      });
    }
    // a Portkey provider's apiKeySecret is a key the program reads, and a secret
    const a = importOf(
      `PORTKEY_PROVIDERS='[{"name":"openai","provider":"openai","apiKeySecret":"openaiApiKey"}]'\nOPENAI_API_KEY=abc\n`,
    );
    expect(written(a)).toEqual({ openaiApiKey: "secret", portkeyProviders: "plain" });
  });

  it("stores a credential-looking name or value as a secret, whatever the key", () => {
    const a = importOf(
      [
        "SOME_SERVICE_URL=https://hooks.slack.com/services/T1/B2/zyxwvutsrqponmlkjihgfedc",
        "DATABASE_URL=postgres://app:hunter2@db:5432/app",
        "OPENAI_KEY_FILE_CONTENT=sk-proj-abcdefghijklmnop1234",
        "AWS_ID=AKIAIOSFODNN7EXAMPLE",
        "SIGNING_BLOB=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpLTE1O",
        "MARKED=plain-looking # secret",
        "POSTGRES_HOST=db.internal",
        "GONG_WORKSPACE_ID=6543219876543210987",
        "AIRBYTE_WORKSPACE_ID=5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6",
      ].join("\n"),
      new Map(),
      true,
    );
    expect(written(a)).toEqual({
      someServiceUrl: "secret",
      databaseUrl: "secret",
      openaiKeyFileContent: "secret",
      awsId: "secret",
      signingBlob: "secret",
      marked: "secret",
      postgresHost: "plain",
      gongWorkspaceId: "plain",
      airbyteWorkspaceId: "plain",
    });
    for (const v of [
      "https://api.estuary.dev",
      "ops/dp/public/gcp-us-central1-c1",
      "SOPHIA_DEVELOPMENT_ANALYTICS",
    ])
      expect([v, isSecretValue(v)]).toEqual([v, false]);
  });

  it("refuses two names of one key with different values, and accepts them agreeing", () => {
    const { entries } = parseEnvText(
      "GONG_ACCESS_KEY=a\nGONG_API_KEY=b\nPOSTGRES_PASSWORD=p\nPGPASSWORD=p\n",
    );
    expect(analyzeImport(entries, new Map()).problems).toEqual([
      {
        line: 2,
        problem: "GONG_API_KEY sets gongAccessKey, which GONG_ACCESS_KEY on line 1 sets to another value",
      },
    ]);
  });
});

describe("reading a dotenv file", () => {
  it("reports each bad line by number, never with its text", () => {
    const text = [
      "GOOD=1", // 1
      "just-a-token-sk-live-123", // 2
      "lower_case=x", // 3
      "BAD-NAME=x", // 4
      "QUOTED='abc' trailing-s3cret", // 5
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a dotenv reference
      "LINKED=${GOOD}", // 6
      "GOOD=2", // 7
      'OPEN="unterminated-s3cret', // 8
      "hunter2", // 9
    ].join("\n");
    const { entries, problems } = parseEnvText(text);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 8]);
    expect(problems.map((p) => p.problem)).toEqual([
      "not NAME=value",
      "lower_case is not an upper-case name (A-Z, 0-9 and _, starting with a letter)",
      "the name is not an environment variable name (A-Z, 0-9 and _, starting with a letter)",
      "text after QUOTED's closing quote",
      expect.stringContaining("LINKED refers to another variable"),
      `OPEN's " quote is never closed`,
    ]);
    for (const secret of ["sk-live-123", "trailing-s3cret", "hunter2", "unterminated-s3cret"])
      expect(JSON.stringify(problems)).not.toContain(secret);
    // a name set twice: the last line wins, as in every dotenv reader, and the import says so
    expect(entries).toEqual([{ name: "GOOD", value: "2", line: 7, markedSecret: false, earlierLines: [1] }]);
    expect(analyzeImport(entries, new Map(), { includeUnknown: true }).repeated).toEqual([
      { name: "GOOD", lines: [1, 7] },
    ]);
  });

  it("reads quotes, comments, export and multi-line values as python-dotenv does", () => {
    const { entries, problems } = parseEnvText(
      [
        "\uFEFF# comment",
        "export A=plain value  # a comment",
        "B='single # not a comment'",
        'C="line1\\nline2 \\"q\\""',
        "D=pass#word",
        "E=`back'tick`",
        'F="multi',
        'line"',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal dotenv value
        "G='${LITERAL}'",
        "",
      ].join("\r\n"),
    );
    expect(problems).toEqual([]);
    expect(Object.fromEntries(entries.map((e) => [e.name, e.value]))).toEqual({
      A: "plain value",
      B: "single # not a comment",
      C: 'line1\nline2 "q"',
      D: "pass#word",
      E: "back'tick",
      F: "multi\nline",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal dotenv value
      G: "${LITERAL}",
    });
    expect(entries.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 9]);
  });

  it("quotes any value so that this reader, python-dotenv's rules and Node's dotenv read it back", () => {
    const dollar = "$";
    for (const v of [
      "p@ss w0rd#1",
      "it's",
      "two\nlines",
      `both ' and "`,
      "back\\slash",
      `it's ${dollar}{HOME}`,
      " padded ",
    ]) {
      const line = `K=${dotenvQuote(v)}\n`;
      expect(parseEnvText(line).entries[0].value).toBe(v);
      expect(parseDotenv(line).K).toBe(v);
    }
    // both quotes and a line break: escaped double quotes, which this reader (and python-dotenv) undo
    for (const v of [`it's a "note"\nover two lines`, `back\\slash, ' and "\r\n`]) {
      expect(parseEnvText(`K=${dotenvQuote(v)}\n`).entries[0].value).toBe(v);
    }
    expect(() => dotenvQuote(`'"\n${dollar}{X}`)).toThrow(/cannot hold/);
  });
});

describe("export-env and import-env", () => {
  // A stack with every kind of key: project, provider, structured, secret, unknown, awkward values.
  const STACK = stackValues(
    {
      airbyteApiUrl: "http://127.0.0.1:18001/v1",
      airbyteClientId: "sandbox-airbyte-client",
      airbyteWorkspaceId: "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6",
      estuaryApiUrl: "http://127.0.0.1:18005/rest/v1",
      gongWorkspaceId: "6543219876543210987",
      postgresPort: "5433",
      redisSsl: "false",
      openrouterKeys: '[{"limit":25,"name":"app"},{"limit":10,"name":"portkey"}]',
      rotation: '{"gong":{"epoch":2,"rotatedAt":"2026-01-01T00:00:00Z"}}',
      "snowflake:organizationName": "payready",
      "snowflake:accountName": "analytics",
      "snowflake:user": "SOPHIA_ADMIN",
      "github:owner": "payready",
      githubRepository: "sophia-ai",
      "vercel:team": "team_123",
      "aws:region": "us-east-1",
      customNote: 'it\'s a "note"\nover two lines',
    },
    {
      airbyteClientSecret: "airbyte-s3cret",
      gongAccessKey: "gong-key",
      postgresHost: "db.internal", // a plain-looking value kept secret: exported with `# secret`
      "snowflake:password": "Sn0w!pass#1 x",
      "github:token": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/abcdefghijklmnop",
      signingSalt: "salt", // unknown to the program
    },
    ["openrouterKeys", "rotation"],
  );

  it("writes the names import-env reads, one per key", () => {
    const names = exportLines(STACK).map((l) => l.name);
    expect(names).toEqual([...new Set(names)]);
    expect(names).toEqual(
      expect.arrayContaining([
        "SNOWFLAKE_ACCOUNT",
        "SNOWFLAKE_PASSWORD",
        "GITHUB_TOKEN",
        "GITHUB_OWNER",
        "ESTUARY_CONTROL_PLANE_URL",
        "SLACK_WEBHOOK_URL",
        "GONG_ACCESS_KEY",
      ]),
    );
    expect(names).not.toContain("ESTUARY_API_URL");
    expect(exportText("s", STACK)).toContain("POSTGRES_HOST='db.internal' # secret\n");
  });

  it("round-trips: into a fresh stack it recreates the config, into the same stack it changes nothing", () => {
    const { entries, problems } = parseEnvText(exportText("s", STACK));
    expect(problems).toEqual([]);
    const fresh = analyzeImport(entries, new Map(), { includeUnknown: true });
    expect(fresh.problems).toEqual([]);
    expect(fresh.notImported).toEqual([]);
    expect(fresh.writes).toEqual(
      Object.fromEntries(
        [...STACK].map(([k, v]) => [
          k,
          { value: v.value, secret: v.secret, structured: Boolean(v.structured) },
        ]),
      ),
    );
    const same = analyzeImport(entries, STACK);
    expect(same.changes.filter((c) => c.change !== "same")).toEqual([]);
    // keys nothing reads are reported, and left as they are, without --include-unknown
    expect(same.unknown.map((u) => u.name)).toEqual(["CUSTOM_NOTE", "SIGNING_SALT"]);
    expect(same.changes).toHaveLength(STACK.size - 2);
  });

  it("leaves Pulumi.yaml's defaults out of the file, and counts them as the stack's values on import", () => {
    const values: StackValues = new Map([
      ["redisUser", { value: "default", secret: false, set: false }],
      ["airbyteEnabled", { value: "true", secret: false, set: false }],
      ["postgresHost", { value: "db", secret: false, set: true }],
    ]);
    expect(exportLines(values).map((l) => l.name)).toEqual(["POSTGRES_HOST"]);
    const a = importOf("AIRBYTE_ENABLED=true\nREDIS_USER=cache-admin\n", values);
    expect(a.changes).toEqual([
      { key: "airbyteEnabled", envName: "AIRBYTE_ENABLED", secret: false, change: "same" },
      { key: "redisUser", envName: "REDIS_USER", secret: false, change: "update" },
    ]);
  });

  it("refuses structured config that is not JSON", () => {
    const { entries } = parseEnvText("AIRBYTE_STREAMS=calls,users\n");
    expect(analyzeImport(entries, new Map()).problems).toEqual([
      {
        line: 1,
        problem: "AIRBYTE_STREAMS must be JSON (a list or an object): airbyteStreams is structured config",
      },
    ]);
  });
});

describe("the mapping is the program's", () => {
  it("knows every key Pulumi.yaml declares and every key the providers, the probes and the CLI read by name", () => {
    const declared = parseYaml(read("Pulumi.yaml")).config as Record<string, { type: string }>;
    for (const [k, d] of Object.entries(declared))
      expect([k, KEYS[k]?.structured]).toEqual([k, d.type === "array" || d.type === "object"]);
    const readers = [
      ...["airbyte", "estuary", "gong", "lambda", "openrouter", "portkey"].map(
        (s) => `providers/${s}/client.ts`,
      ),
      ...readdirSync(path.join(ROOT, "integrations"), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(path.join(ROOT, "integrations", d.name, "probe.ts")))
        .map((d) => `integrations/${d.name}/probe.ts`),
      "cli/snowflake.ts",
      "cli/aws.ts",
      "cli/secrets/rotationChecks.ts",
    ];
    for (const f of readers)
      for (const m of read(f).matchAll(/\bget\("([\w:]+)"\)/g))
        expect([f, m[1], m[1] in KEYS]).toEqual([f, m[1], true]);
  });

  it("gives every key one canonical name that imports back to it", () => {
    const canon = Object.values(KEYS).map((k) => k.canonical);
    expect(canon).toEqual([...new Set(canon)]);
    const ctx = { extraKeys: new Set<string>() };
    for (const k of Object.values(KEYS)) {
      const r = resolveEnvName(k.canonical, k.structured ? "[]" : "team_1", ctx);
      expect([k.canonical, r.kind === "set" && r.writes.map((w) => w.key)]).toEqual([
        k.canonical,
        k.key === "github:owner" || k.key === "githubRepository" ? expect.arrayContaining([k.key]) : [k.key],
      ]);
      expect(exportNameFor(k.key)).toBe(k.canonical);
    }
    // an unknown key whose generic name means something else is exported under its namespace
    expect(exportNameFor("estuaryApiKeyOld")).toBe("ESTUARY_API_KEY_OLD");
    expect(exportNameFor("openrouterApiKey")).toBe("SOPHIA_AI__OPENROUTER_API_KEY");
  });

  it("is documented: docs/env-names.md names every name and key, and README links it", () => {
    const doc = read("docs/env-names.md");
    for (const n of Object.keys(NAMES)) expect([n, doc.includes(`\`${n}\``)]).toEqual([n, true]);
    for (const k of Object.values(KEYS).filter(
      (k) =>
        k.key.includes(":") ||
        k.secret ||
        k.canonical !== k.key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase(),
    ))
      expect([k.canonical, doc.includes(k.canonical), doc.includes(k.key)]).toEqual([
        k.canonical,
        true,
        true,
      ]);
    expect(read("README.md")).toContain("(docs/env-names.md)");
  });
});

describe("which GitHub Actions secrets are whose", () => {
  const SECRETS = {
    "github:token": "ghp_token",
    "snowflake:password": "sf-pass",
    gongAccessKey: "gong-key",
    postgresPassword: "pg-pass",
    slackWebhookUrl: "https://hooks.slack.com/services/T/B/x",
    "vercel:apiToken": "vercel-token",
  };

  it("pushes the names users know and never the GitHub token", () => {
    const plan = pushPlan(stackValues({ postgresHost: "db" }, SECRETS));
    expect(Object.keys(plan.secrets)).toEqual([
      "GONG_ACCESS_KEY",
      "POSTGRES_PASSWORD",
      "SLACK_WEBHOOK_URL",
      "SNOWFLAKE_PASSWORD",
      "VERCEL_ACCESS_TOKEN",
    ]);
    expect(plan.skipped).toEqual([
      { name: "GITHUB_TOKEN", key: "github:token", why: "the GitHub token itself is never pushed" },
    ]);
    // --only takes the names import-env reads, old NS__KEY spellings included
    expect(pushPlan(stackValues({}, SECRETS), ["SNOWFLAKE__PASSWORD", "GONG_API_KEY"]).secrets).toEqual({
      SNOWFLAKE_PASSWORD: "sf-pass",
      GONG_ACCESS_KEY: "gong-key",
    });
    expect(() => pushPlan(stackValues({}, SECRETS), ["GITHUB_TOKEN"])).toThrow(/never pushed/);
  });

  it("leaves the program's secrets to the program, and refuses them by name", () => {
    const values = stackValues(
      {
        githubEnabled: "true",
        snowflakeEnabled: "true",
        "github:owner": "payready",
        githubRepository: "web",
      },
      SECRETS,
    );
    const plan = pushPlan(values);
    expect(Object.keys(plan.secrets)).toEqual([
      "POSTGRES_PASSWORD",
      "SLACK_WEBHOOK_URL",
      "VERCEL_ACCESS_TOKEN",
    ]);
    expect(Object.fromEntries(plan.skipped.map((s) => [s.name, s.why]))).toEqual({
      GITHUB_TOKEN: "the GitHub token itself is never pushed",
      SNOWFLAKE_PASSWORD: expect.stringMatching(
        /integrations\/github\.ts.*payready\/web.*Snowflake service-user/,
      ),
      GONG_ACCESS_KEY: expect.stringMatching(/organization secret of payready.*githubCarryConfigCredentials/),
    });
    let err: any;
    try {
      pushPlan(values, ["SNOWFLAKE_PASSWORD"]);
    } catch (e) {
      err = e;
    }
    expect([err?.code, err?.message]).toEqual([
      2,
      expect.stringMatching(/SNOWFLAKE_PASSWORD is not pushed: .*integrations\/github\.ts/),
    ]);
    // githubCarryConfigCredentials off: the organization secrets are the CLI's again
    expect(
      Object.keys(
        pushPlan(new Map([...values, ["githubCarryConfigCredentials", { value: "false", secret: false }]]))
          .secrets,
      ),
    ).toContain("GONG_ACCESS_KEY");
  });

  it("owns exactly what config.ts and index.ts give the program's GitHub component", () => {
    const { loadStackConfig } = require("../../config");
    const base: Record<string, string> = {
      githubEnabled: "true",
      githubRepository: "sophia-ai",
      airbyteClientId: "c",
      airbyteClientSecret: "s",
      airbyteWorkspaceId: "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6",
      gongAccessKey: "k",
      gongAccessKeySecret: "s",
      postgresHost: "db",
      postgresUser: "u",
      postgresPassword: "p",
      redisHost: "cache",
      redisPassword: "p",
      gongApiUrl: "https://us-1.api.gong.io",
      gongWorkspaceId: "1",
      estuaryRefreshToken: REFRESH_TOKEN,
      openrouterManagementKey: "k",
      portkeyApiKey: "k",
      lambdaApiKey: "k",
    };
    const variants: Record<string, string>[] = [
      {
        snowflakeEnabled: "true",
        gongEnabled: "true",
        estuaryEnabled: "true",
        openrouterEnabled: "true",
        portkeyEnabled: "true",
        lambdaEnabled: "true",
      },
      { airbyteEnabled: "false", gongEnabled: "true" },
      { airbyteEnabled: "false" },
      { githubCarryConfigCredentials: "false", snowflakeEnabled: "true" },
    ];
    for (const v of variants) {
      const all = { ...base, ...v };
      const config = loadStackConfig({ name: "sophia-ai", get: (k: string) => all[k] }, "unit");
      const orgSecrets = config.github.carryConfigCredentials ? Object.keys(config.ciCredentials) : [];
      const repoSecrets = [
        ...(config.snowflake ? CARRIERS.snowflake : []),
        ...CARRIERS.gong,
        ...CARRIERS.estuary,
      ];
      expect([v, [...programOwnedSecrets(stackValues(all)).keys()].sort()]).toEqual([
        v,
        [...orgSecrets, ...repoSecrets].sort(),
      ]);
    }
    // the organization secrets carry the keys of the same names
    const { REGISTRY } = require("../../integrations/registry");
    const { envName } = require("../../integrations/keys");
    const defs = new Map(
      REGISTRY.flatMap((spec: { keys: Record<string, { name: string }> }) => Object.values(spec.keys)).map(
        (k: { name: string }) => [k.name, k],
      ),
    );
    for (const s of PROGRAM_ORG_SECRETS) expect(envName(defs.get(s.key))).toBe(exportNameFor(s.key));
  });
});
