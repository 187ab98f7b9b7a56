// scripts/state-postgres.sh against the real PostgreSQL of scripts/services.sh: the role it makes logs in
// with the password it was given (quotes, an @ and non-ASCII characters included), and what it sends the
// server holds the password's SCRAM verifier, never the password (psql's input is recorded by a wrapper
// that passes it on). Running it again changes the password.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { ROOT } from "../../scripts/lib";
import { testServices } from "../helpers/services";

jest.setTimeout(120_000);

const ROLE = "state_script_check";
const ADMIN_PASSWORD = "sophia-test-admin"; // scripts/services.sh
let pg: { host: string; port: number };

const admin = () => new Client({ ...pg, user: "postgres", password: ADMIN_PASSWORD, database: "postgres" });

async function dropRole(): Promise<void> {
  const c = admin();
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${ROLE}`);
    await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
  } finally {
    await c.end();
  }
}

/** Logs in as the role with `password`: the current user, or the server's refusal. */
async function login(password: string): Promise<string> {
  const c = new Client({ ...pg, user: ROLE, password, database: ROLE });
  try {
    await c.connect();
    return (await c.query("SELECT current_user AS u")).rows[0].u;
  } catch (err) {
    return `refused: ${(err as Error).message}`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Runs the script with psql wrapped so that everything sent to it is recorded in `record`. */
function runScript(password: string, record: string) {
  const real = execFileSync(
    "bash",
    ["-c", "command -v psql || ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -1"],
    {
      encoding: "utf8",
    },
  ).trim();
  const bin = mkdtempSync(path.join(tmpdir(), "psql-wrap-"));
  writeFileSync(
    path.join(bin, "psql"),
    `#!/bin/sh\necho "ARGS: $*" >>"${record}"\ntee -a "${record}" | "${real}" "$@"\n`,
  );
  chmodSync(path.join(bin, "psql"), 0o755);
  return spawnSync("bash", [path.join(ROOT, "scripts", "state-postgres.sh")], {
    encoding: "utf8",
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      PGHOST: pg.host,
      PGPORT: String(pg.port),
      PGUSER: "postgres",
      PGPASSWORD: ADMIN_PASSWORD,
      PGSSLMODE: "disable",
      SOPHIA_STATE_ROLE: ROLE,
      SOPHIA_STATE_DATABASE: ROLE,
      SOPHIA_STATE_PASSWORD: password,
    },
  });
}

beforeAll(async () => {
  const s = testServices();
  pg = { host: s.SOPHIA_TEST_PG_HOST, port: Number(s.SOPHIA_TEST_PG_PORT) };
  await dropRole();
});
afterAll(dropRole);

test("the role logs in with its password, which the server never receives in clear", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "state-script-"));
  const passwords = ["qu'ote@s and sp/ace-1", "pässwörd-ﬁ-2"];
  for (const [i, password] of passwords.entries()) {
    const record = path.join(dir, `psql-${i}.log`);
    const run = runScript(password, record);
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 0,
      stderr: `[state-postgres] role ${ROLE} owns database ${ROLE} on ${pg.host}:${pg.port}\n`,
    });
    expect(run.stdout.trim()).toBe(
      `PULUMI_BACKEND_URL=postgres://${ROLE}@${pg.host}:${pg.port}/${ROLE}?sslmode=disable`,
    );
    const sent = readFileSync(record, "utf8");
    expect(sent).toMatch(
      /ALTER ROLE state_script_check PASSWORD 'SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+'/,
    );
    expect(sent).not.toContain(password);
    expect(sent).not.toContain(password.slice(0, 6));
    expect(await login(password)).toBe(ROLE);
  }
  // the second run changed the password: the first no longer logs in
  expect(await login(passwords[0])).toMatch(/^refused: password authentication failed/);
});

test("refuses to run without a password, naming the variable", () => {
  const run = runScript("", path.join(mkdtempSync(path.join(tmpdir(), "state-script-")), "psql.log"));
  expect(run.status).toBe(2);
  expect(run.stderr).toContain("set SOPHIA_STATE_PASSWORD");
});
