// The credentials vendors issue (cli/secrets/vendorCredentials.ts): `secrets audit` ages them from credentialsSetAt
// and says where each is rotated; `secrets import-env` records when it sets one; a scheduled audit makes an
// overdue one an incident. And the minted credentials audit lists are the ones index.ts mints.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { outcomeOf } from "../../cli/ci/watch";
import { audit, auditVendorCredentials, renderAudit } from "../../cli/secrets/audit";
import { analyzeImport, parseEnvText, recordSetAt, type StackValues } from "../../cli/secrets/dotenv";
import { KEYS } from "../../cli/secrets/envNames";
import { SET_AT_KEY, VENDOR_CREDENTIALS } from "../../cli/secrets/vendorCredentials";

const ROOT = path.resolve(__dirname, "..", "..");
const NOW = new Date("2026-11-25T12:00:00Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

const values = (plain: Record<string, string>, secret: Record<string, string> = {}): StackValues =>
  new Map([
    ...Object.entries(plain).map(
      ([k, value]) => [k, { value, secret: false }] as [string, { value: string; secret: boolean }],
    ),
    ...Object.entries(secret).map(
      ([k, value]) => [k, { value, secret: true }] as [string, { value: string; secret: boolean }],
    ),
  ]);

describe("secrets audit: vendor-issued credentials", () => {
  const stack = values(
    {
      rotationMaxAgeDays: "90",
      portkeyProviders: JSON.stringify([
        { name: "openai", provider: "openai", apiKeySecret: "openaiApiKey" },
      ]),
      [SET_AT_KEY]: JSON.stringify({
        gongAccessKey: daysAgo(10),
        snowflakePassword: daysAgo(80),
        vercelApiToken: daysAgo(120),
        openaiApiKey: daysAgo(1),
        retiredCredential: daysAgo(400), // a credential the stack no longer holds: not listed
      }),
    },
    {
      gongAccessKey: "k",
      gongAccessKeySecret: "s",
      "snowflake:password": "p",
      "vercel:apiToken": "t",
      "github:token": "g",
      openaiApiKey: "o",
    },
  );

  it("lists each credential the stack holds, aged from credentialsSetAt: never recorded is due", () => {
    const rows = auditVendorCredentials(stack, NOW);
    expect(rows.map((r) => [r.credential, r.setAt && r.ageDays, r.status])).toEqual([
      ["gongAccessKey", 10, "ok"],
      ["vercelApiToken", 120, "overdue"],
      ["snowflakePassword", 80, "due"],
      ["githubToken", null, "due"],
      ["openaiApiKey", 1, "ok"],
    ]);
    expect(rows[0]).toEqual({
      credential: "gongAccessKey",
      what: "Gong access key and secret",
      keys: ["gongAccessKey", "gongAccessKeySecret"],
      setAt: daysAgo(10),
      ageDays: 10,
      maxAgeDays: 90,
      status: "ok",
      rotateAt: expect.stringMatching(/^Gong: Company settings → Ecosystem → API → Create/),
    });
    expect(rows[4].rotateAt).toMatch(/^openai: create a new API key/);
  });

  it("renders a table, then where to rotate each credential that is due or overdue", () => {
    const text = renderAudit({
      stack: "production",
      credentials: audit(stack, NOW),
      vendorCredentials: auditVendorCredentials(stack, NOW),
    });
    expect(text).toContain("production mints no credentials");
    expect(text).toMatch(/CREDENTIAL\s+SET\s+AGE \(DAYS\)\s+MAX\s+STATUS\s+KEYS/);
    expect(text).toMatch(/githubToken\s+never recorded\s+\?\s+90\s+due\s+github:token/);
    const todo = text.slice(text.indexOf("To rotate:"));
    expect(todo.split("\n").map((l) => l.split(":")[0].trim())).toEqual([
      "To rotate",
      "vercelApiToken (overdue)",
      "snowflakePassword (due)",
      "githubToken (due)",
    ]);
    expect(todo).toContain("vercelApiToken (overdue): Vercel: Account Settings → Tokens → Create");
    // values never reach the output
    for (const v of ['"k"', '"p"', '"t"', '"g"', '"o"']) expect(text).not.toContain(v);
  });

  it("refuses a credentialsSetAt entry that is not a time, naming it", () => {
    const bad = values(
      { [SET_AT_KEY]: JSON.stringify({ gongAccessKey: "last tuesday" }) },
      { gongAccessKey: "k" },
    );
    expect(() => auditVendorCredentials(bad, NOW)).toThrow(
      'the stack\'s credentialsSetAt.gongAccessKey must be an ISO 8601 time like 2026-05-01T09:00:00Z; got "last tuesday"',
    );
  });

  it("covers every credential the program, its providers and the CLI read, and says where to rotate it", () => {
    const covered = new Set(VENDOR_CREDENTIALS.flatMap((c) => c.keys));
    const secrets = Object.values(KEYS)
      .filter((k) => k.secret)
      .map((k) => k.key);
    // estuaryApiKey is the control plane gateway's public anon key; aws:token a session's, short-lived
    expect(secrets.filter((k) => !covered.has(k)).sort()).toEqual(["aws:token", "estuaryApiKey"]);
    for (const c of VENDOR_CREDENTIALS) {
      expect([c.id, KEYS[c.keys[0]]?.secret]).toEqual([c.id, true]);
      expect([c.id, /^[A-Z][\w ]*: \S/.test(c.rotateAt)]).toEqual([c.id, true]);
    }
    expect(new Set(VENDOR_CREDENTIALS.map((c) => c.id)).size).toBe(VENDOR_CREDENTIALS.length);
  });

  it("is documented: README names every credential and how to record one by hand", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const c of VENDOR_CREDENTIALS) expect([c.id, readme.includes(`\`${c.id}\``)]).toEqual([c.id, true]);
    expect(readme).toContain("pulumi config set --path 'credentialsSetAt.");
  });
});

describe("secrets audit: the minted credentials are the ones index.ts mints", () => {
  const services = (plain: Record<string, string>) => audit(values(plain), NOW).map((r) => r.service);
  it("a webhook credential exists with a carrier or with its consumer", () => {
    expect(services({})).toEqual([]);
    expect(services({ estuaryEnabled: "true" })).toEqual(["estuary"]);
    expect(services({ gongEnabled: "true" })).toEqual([]);
    expect(services({ gongEnabled: "true", gongWebhookUrl: "https://hooks.example/gong" })).toEqual(["gong"]);
    expect(services({ vercelEnabled: "true", snowflakeEnabled: "true" })).toEqual([
      "snowflake",
      "estuary",
      "gong",
    ]);
  });
});

describe("secrets import-env records when it sets a vendor credential", () => {
  const importing = (text: string, current: StackValues) => {
    const { entries, problems } = parseEnvText(text);
    expect(problems).toEqual([]);
    const a = analyzeImport(entries, current);
    recordSetAt(a, current, NOW);
    return a;
  };
  const setAt = (a: ReturnType<typeof importing>) => JSON.parse(a.writes[SET_AT_KEY]?.value ?? "null");

  it("dates the credentials it gives a new value, and nothing else", () => {
    const a = importing(
      "GONG_API_KEY=key-1\nGONG_API_SECRET=secret-1\nSNOWFLAKE_PASSWORD=pw-1\nPOSTGRES_HOST=db\n",
      new Map(),
    );
    expect(a.dated).toEqual(["gongAccessKey", "snowflakePassword"]);
    expect(setAt(a)).toEqual({ gongAccessKey: NOW.toISOString(), snowflakePassword: NOW.toISOString() });
    expect(a.changes.find((c) => c.key === SET_AT_KEY)).toEqual({
      key: SET_AT_KEY,
      envName: "import-env",
      secret: false,
      change: "add",
    });
    expect(a.writes[SET_AT_KEY]).toMatchObject({ secret: false, structured: true });
  });

  it("re-dates only the credential that changed; the same values, or a new secrecy, date nothing", () => {
    const held = values(
      { [SET_AT_KEY]: JSON.stringify({ gongAccessKey: daysAgo(50), snowflakePassword: daysAgo(40) }) },
      { gongAccessKey: "key-1", gongAccessKeySecret: "secret-1", "snowflake:password": "pw-1" },
    );
    // a new Gong secret is a new Gong credential
    const rotated = importing("GONG_API_SECRET=secret-2\nSNOWFLAKE_PASSWORD=pw-1\n", held);
    expect(rotated.dated).toEqual(["gongAccessKey"]);
    expect(setAt(rotated)).toEqual({ gongAccessKey: NOW.toISOString(), snowflakePassword: daysAgo(40) });
    expect(rotated.changes.find((c) => c.key === SET_AT_KEY)?.change).toBe("update");

    const same = importing("GONG_API_KEY=key-1\nSNOWFLAKE_PASSWORD=pw-1\n", held);
    expect([same.dated, same.writes[SET_AT_KEY]]).toEqual([[], undefined]);
    expect(same.changes.filter((c) => c.change !== "same")).toEqual([]);

    const plainPg = new Map([["postgresPassword", { value: "pg-1", secret: false }]]);
    const secrecy = importing("POSTGRES_PASSWORD=pg-1\n", plainPg);
    expect(secrecy.changes).toEqual([
      { key: "postgresPassword", envName: "POSTGRES_PASSWORD", secret: true, change: "update" },
    ]);
    expect(secrecy.dated).toEqual([]);
  });

  it("an export imported into a stack without the credentials keeps the export's times", () => {
    const file = `CREDENTIALS_SET_AT='${JSON.stringify({ gongAccessKey: daysAgo(30) })}'\nGONG_ACCESS_KEY=key-1\nGONG_ACCESS_KEY_SECRET=secret-1\nGITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n`;
    const fresh = importing(file, new Map());
    // the file's record travels with the credentials: gong keeps its time, github stays never recorded
    expect(fresh.dated).toEqual([]);
    expect(setAt(fresh)).toEqual({ gongAccessKey: daysAgo(30) });
    expect(fresh.changes.find((c) => c.key === SET_AT_KEY)?.envName).toBe("CREDENTIALS_SET_AT");
    // into a stack that held another Gong key, the imported one is new there
    const other = importing(file, values({}, { gongAccessKey: "key-0", gongAccessKeySecret: "secret-0" }));
    expect(other.dated).toEqual(["gongAccessKey"]);
    expect(setAt(other)).toEqual({ gongAccessKey: NOW.toISOString() });
  });

  it("refuses a CREDENTIALS_SET_AT that is not times, naming it", () => {
    const { entries } = parseEnvText(`CREDENTIALS_SET_AT='{"gongAccessKey":"soon"}'\nGONG_API_KEY=k\n`);
    const a = analyzeImport(entries, new Map());
    expect(() => recordSetAt(a, new Map(), NOW)).toThrow(
      /^CREDENTIALS_SET_AT: credentialsSetAt.gongAccessKey must be an ISO 8601 time/,
    );
  });
});

describe("a scheduled audit: an overdue vendor credential is an incident saying where to rotate it", () => {
  it("finds it; `due` stays about what `secrets rotate` can rotate", () => {
    const report = {
      stack: "production",
      credentials: [{ service: "gong", status: "ok", ageDays: 3, maxAgeDays: 90 }],
      vendorCredentials: auditVendorCredentials(
        values({ [SET_AT_KEY]: JSON.stringify({ gongAccessKey: daysAgo(100) }) }, { gongAccessKey: "k" }),
        NOW,
      ),
    };
    const outcome = outcomeOf("audit", "production", { code: 5, stdout: JSON.stringify(report), stderr: "" });
    expect(outcome).toMatchObject({ status: "failing", exitCode: 5, due: false });
    expect(outcome.findings).toEqual([
      {
        id: "vendor:gongAccessKey:overdue",
        text: expect.stringMatching(
          /^Gong access key and secret overdue: 100 days old, at most 90; Gong: Company settings → Ecosystem → API → Create/,
        ),
      },
    ]);
  });
});
