// Snowflake passwords, proven through Snowflake's own Node.js driver (snowflake-sdk) against the session
// stand-in: the stand-in itself (the driver accepts its answers; wrong login, role, warehouse, rights and
// SQL are refused with Snowflake's codes; passwords are stored hashed), `sophia check`'s Snowflake probe
// (pass, wrong password → authenticated, ungranted role → permitted, closed port → reachable), and the
// rotation check with `rotateService`: a rotation the Snowflake provider applied is verified, one it did not
// is reverted and the previous password still logs in.
//
// The Snowflake Pulumi provider plugin cannot be built here (its Go module is not served), so what the
// provider does on a rotation — ALTER USER ... SET PASSWORD — is done in these tests by the admin session.
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runChecks } from "../../cli/check";
import type { Values } from "../../cli/probes";
import { type RotationDriver, rotateService } from "../../cli/secrets";
import { currentCredential, ROTATION_CHECKS } from "../../cli/secrets/rotationChecks";
import {
  isSnowflakeFailure,
  loginFromConfig,
  type SnowflakeFailure,
  withSnowflakeSession,
} from "../../cli/snowflake";
import { slotGenerations } from "../../integrations/rotation";
import { SNOWFLAKE_SANDBOX as SF } from "../../sandbox/snowflake";
import { type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
let port: string;

// A client config asking the driver for TRACE logs, as a developer's machine might have: the CLI must
// override it (see "the driver stays quiet"). Set before this file's first connection.
const traceDir = mkdtempSync(path.join(tmpdir(), "sophia-sf-trace-"));
const traceConfig = path.join(traceDir, "sf_client_config.json");
writeFileSync(traceConfig, JSON.stringify({ common: { log_level: "TRACE", log_path: traceDir } }));
chmodSync(traceConfig, 0o600);
const previousConfigEnv = process.env.SF_CLIENT_CONFIG_FILE;
process.env.SF_CLIENT_CONFIG_FILE = traceConfig;
afterAll(() => {
  if (previousConfigEnv === undefined) delete process.env.SF_CLIENT_CONFIG_FILE;
  else process.env.SF_CLIENT_CONFIG_FILE = previousConfigEnv;
});

useContractSandbox(["snowflake"], async (started) => {
  sb = started;
  port = String(sb.sandbox.services.snowflake.port);
});

/** The stack config the Snowflake provider (and so the CLI) reads, pointed at the stand-in. */
const config = (overrides: Record<string, string> = {}): Record<string, string> => ({
  "snowflake:organizationName": SF.organizationName,
  "snowflake:accountName": SF.accountName,
  "snowflake:host": "127.0.0.1",
  "snowflake:protocol": "http",
  "snowflake:port": port,
  "snowflake:user": SF.adminUser,
  "snowflake:password": SF.adminPassword,
  ...overrides,
});
const getter = (values: Record<string, string>) => (k: string) => values[k] ?? "";
const signal = () => AbortSignal.timeout(15_000);

async function sql(user: string, password: string, statements: string[], role?: string) {
  const login = { ...loginFromConfig(getter(config()), user, password), role };
  return withSnowflakeSession(
    login,
    async (query) => {
      const out = [];
      for (const s of statements) out.push(await query(s));
      return out;
    },
    signal(),
  );
}
const admin = (...statements: string[]) => sql(SF.adminUser, SF.adminPassword, statements);

async function failureOf(p: Promise<unknown>): Promise<SnowflakeFailure> {
  try {
    await p;
  } catch (err) {
    if (isSnowflakeFailure(err)) return err;
    throw err;
  }
  throw new Error("expected Snowflake to refuse");
}

describe("the Snowflake session stand-in, through Snowflake's driver", () => {
  it("logs the admin in and answers the context functions", async () => {
    const [[row]] = await admin("SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_WAREHOUSE(), 1");
    expect(row).toEqual({
      "CURRENT_USER()": SF.adminUser,
      "CURRENT_ROLE()": SF.adminRole,
      "CURRENT_WAREHOUSE()": null,
      "1": 1,
    });
  });

  it("refuses a wrong password, and an unknown user, with 390100 and the same words", async () => {
    const badPassword = await failureOf(sql(SF.adminUser, "not-the-password", ["SELECT 1"]));
    const noUser = await failureOf(sql("NOBODY", SF.adminPassword, ["SELECT 1"]));
    for (const f of [badPassword, noUser]) {
      expect(f).toMatchObject({
        code: "390100",
        message: "Incorrect username or password was specified.",
        kind: "refused",
      });
    }
  });

  it("refuses a role the user was not granted (390189) and an unknown warehouse (390201)", async () => {
    await admin(
      'CREATE USER IF NOT EXISTS "PLAIN" PASSWORD = \'Plain-password-0001\' DEFAULT_ROLE = "ANALYST"',
    );
    expect(await failureOf(sql("PLAIN", "Plain-password-0001", ["SELECT 1"], "ACCOUNTADMIN"))).toMatchObject({
      code: "390189",
    });
    const login = { ...loginFromConfig(getter(config()), SF.adminUser, SF.adminPassword), warehouse: "NOPE" };
    expect(await failureOf(withSnowflakeSession(login, async () => 1, signal()))).toMatchObject({
      code: "390201",
    });
    // a default role that was never granted falls back to PUBLIC, as in Snowflake
    const [[row]] = await sql("PLAIN", "Plain-password-0001", ["SELECT CURRENT_ROLE()"]);
    expect(row["CURRENT_ROLE()"]).toBe("PUBLIC");
  });

  it("lets a user log in with a role it holds through the hierarchy, and through GRANT ROLE ... TO ROLE", async () => {
    // ACCOUNTADMIN holds SYSADMIN and SECURITYADMIN (which holds USERADMIN)
    for (const role of ["SYSADMIN", "USERADMIN"]) {
      const [[row]] = await sql(SF.adminUser, SF.adminPassword, ["SELECT CURRENT_ROLE()"], role);
      expect(row["CURRENT_ROLE()"]).toBe(role);
    }
    await admin(
      "CREATE ROLE IF NOT EXISTS READER",
      "CREATE ROLE IF NOT EXISTS ANALYST",
      "GRANT ROLE READER TO ROLE ANALYST",
      'GRANT ROLE ANALYST TO USER "PLAIN"',
    );
    const [[row]] = await sql("PLAIN", "Plain-password-0001", ["SELECT CURRENT_ROLE()"], "READER");
    expect(row["CURRENT_ROLE()"]).toBe("READER");
    // a role below cannot act as the admin roles above it
    expect(await failureOf(sql("PLAIN", "Plain-password-0001", ["SELECT 1"], "SYSADMIN"))).toMatchObject({
      code: "390189",
    });
  });

  it("refuses a password Snowflake's default policy refuses, and keeps the old one", async () => {
    for (const weak of [
      "Short-pw-1",
      "all-lower-case-password-1",
      "ALL-UPPER-CASE-PASSWORD-1",
      "No-Digits-In-This-Password",
    ]) {
      expect(await failureOf(admin(`ALTER USER "PLAIN" SET PASSWORD = '${weak}'`))).toMatchObject({
        code: "003002",
        kind: "refused",
      });
    }
    await expect(sql("PLAIN", "Plain-password-0001", ["SELECT 1"])).resolves.toHaveLength(1);
  });

  it("lets only an admin role change users (003001) and refuses SQL it does not know (001003)", async () => {
    expect(
      await failureOf(sql("PLAIN", "Plain-password-0001", ["ALTER USER PULUMI SET PASSWORD = 'x'"])),
    ).toMatchObject({ code: "003001" });
    expect(await failureOf(admin("SELECT * FROM CUSTOMERS"))).toMatchObject({ code: "001003" });
    expect(await failureOf(admin("ALTER USER NOBODY SET PASSWORD = 'x'"))).toMatchObject({ code: "002003" });
    // a malformed statement is refused without repeating its string literals (they may be passwords)
    const malformed = await failureOf(admin("ALTER USER PLAIN SET 'literal-password-77'"));
    expect(malformed).toMatchObject({ code: "001003" });
    expect(malformed.message).toContain("unexpected '<string literal>'");
    expect(malformed.message).not.toContain("literal-password-77");
    // the admin password still works: nothing above changed it
    await expect(admin("SELECT 1")).resolves.toHaveLength(1);
  });

  it("stores password hashes only", async () => {
    const users = await sb.admin("snowflake").objects("users");
    const plain = users.find((u) => u.name === "PLAIN");
    expect(plain).toMatchObject({
      loginName: "PLAIN",
      passwordHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const stored = JSON.stringify(users);
    expect(stored).not.toContain("Plain-password-0001");
    expect(stored).not.toContain(SF.adminPassword);
    expect(existsSync(path.join(process.cwd(), "snowflake.log"))).toBe(false);
  });

  it("reports a closed port as a network failure with its cause", async () => {
    const login = { ...loginFromConfig(getter(config({ "snowflake:port": "1" })), "X", "y") };
    const f = await failureOf(withSnowflakeSession(login, async () => 1, signal()));
    expect(f).toMatchObject({ kind: "network", message: expect.stringContaining("ECONNREFUSED") });
  });

  it("serves the password authenticator only", async () => {
    const res = await fetch(`${sb.url("snowflake")}/session/v1/login-request`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        data: {
          ACCOUNT_NAME: SF.account,
          LOGIN_NAME: SF.adminUser,
          PASSWORD: SF.adminPassword,
          CLIENT_APP_ID: "JavaScript",
          CLIENT_APP_VERSION: "3.3.0",
          AUTHENTICATOR: "SNOWFLAKE_JWT",
        },
      }),
    });
    expect(await res.json()).toMatchObject({ success: false, code: "390400" });
  });
});

describe("sophia check's Snowflake probe", () => {
  const values = (overrides: Record<string, string> = {}): Values =>
    new Map(
      Object.entries({ snowflakeEnabled: "true", ...config(overrides) }).map(([k, v]) => [
        k,
        { value: v, secret: k === "snowflake:password" },
      ]),
    );
  const check = async (v: Values) => {
    const report = await runChecks("contract", v, { timeoutMs: 15_000, only: ["snowflake"] });
    return report.checks.find((c) => c.integration === "snowflake")!;
  };

  it("passes with the admin credentials and says who it logged in as", async () => {
    const c = await check(values());
    expect(c).toMatchObject({
      status: "pass",
      detail: `logged in as ${SF.adminUser} with role ACCOUNTADMIN`,
    });
    expect(c.latencyMs).toEqual(expect.any(Number));
  });

  it("fails a wrong password at 'authenticated', naming the keys and never the value", async () => {
    const c = await check(values({ "snowflake:password": "wrong-admin-password" }));
    expect(c).toMatchObject({ status: "fail", stage: "authenticated" });
    expect(c.recommendation).toMatch(/snowflake:user and snowflake:password/);
    expect(JSON.stringify(c)).not.toContain("wrong-admin-password");
  });

  it("fails a role the user lacks at 'permitted'", async () => {
    await admin("CREATE ROLE IF NOT EXISTS NEVER_GRANTED");
    const c = await check(values({ "snowflake:role": "NEVER_GRANTED" }));
    expect(c).toMatchObject({ status: "fail", stage: "permitted" });
    expect(c.error).toMatch(/390189/);
  });

  it("fails a closed port at 'reachable', with the cause", async () => {
    const c = await check(values({ "snowflake:port": "1" }));
    expect(c).toMatchObject({ status: "fail", stage: "reachable" });
    expect(c.error).toContain("ECONNREFUSED");
    expect(c.recommendation).toMatch(/snowflake:organizationName/);
  });
});

describe("the Snowflake rotation check and rotateService", () => {
  const ROLE = "SOPHIA_SANDBOX_LOADER";
  const userName = (slot: "a" | "b") => `SOPHIA_SANDBOX_SVC_${slot.toUpperCase()}`;
  // login names differ from user names here, so a check that logged in by name would fail
  const loginName = (slot: "a" | "b") => `sophia_sandbox_svc_${slot}_login`;
  const passwords: Record<"a" | "b", string> = { a: "Slot-a-password-gen-0", b: "Slot-b-password-gen-0" };
  // Pulumi's secret envelope, as `stack export --show-secrets` writes a secret value.
  const secret = (v: string) => ({
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    plaintext: JSON.stringify(v),
  });
  const component = "urn:pulumi:sandbox::sophia-ai::sophia:integrations:Snowflake";
  // The exported state the check reads, shaped as the engine writes it: the slots' results and the
  // users' login names are secrets; each user has a sibling role grant whose URN starts the same way.
  const resources = (): any[] => [
    ...(["a", "b"] as const).map((slot) => ({
      type: "random:index/randomPassword:RandomPassword",
      urn: `urn:pulumi:sandbox::sophia-ai::sophia:rotation:RotatedCredential$random:index/randomPassword:RandomPassword::snowflake-service-password-${slot}`,
      inputs: { keepers: { service: "snowflake", slot, generation: "0" } },
      outputs: { result: secret(passwords[slot]) },
    })),
    ...(["a", "b"] as const).flatMap((slot) => [
      {
        type: "snowflake:index/grantAccountRole:GrantAccountRole",
        urn: `${component}$snowflake:index/grantAccountRole:GrantAccountRole::snowflake-user-${slot}-role`,
        outputs: { roleName: ROLE, userName: userName(slot) },
      },
      {
        type: "snowflake:index/legacyServiceUser:LegacyServiceUser",
        urn: `${component}$snowflake:index/legacyServiceUser:LegacyServiceUser::snowflake-user-${slot}`,
        outputs: { name: userName(slot), loginName: secret(loginName(slot)), defaultRole: `"${ROLE}"` },
      },
    ]),
  ];
  const ctx = (slot: "a" | "b", current: string) => ({
    get: getter(config()),
    current,
    slot,
    resources: resources(),
    signal: signal(),
  });

  beforeAll(async () => {
    await admin(`CREATE ROLE IF NOT EXISTS ${ROLE}`);
    for (const slot of ["a", "b"] as const) {
      await admin(
        `CREATE USER IF NOT EXISTS "${userName(slot)}" LOGIN_NAME = '${loginName(slot)}' PASSWORD = '${passwords[slot]}' DEFAULT_ROLE = "${ROLE}"`,
        `GRANT ROLE ${ROLE} TO USER "${userName(slot)}"`,
      );
    }
  });

  it("passes when the current slot's user logs in with the new password and gets its role", async () => {
    await expect(ROTATION_CHECKS.snowflake!(ctx("a", passwords.a))).resolves.toBe(
      `Snowflake accepts the new password of ${userName("a")} (role ${ROLE}) and refuses a wrong one (390100)`,
    );
  });

  it("fails when Snowflake never got the new password, and says the previous one stays", async () => {
    await expect(ROTATION_CHECKS.snowflake!(ctx("b", "A-password-Snowflake-never-got-1"))).rejects.toThrow(
      `Snowflake refused the new password of ${userName("b")}; the previous one stays current (390100: Incorrect username or password was specified.)`,
    );
  });

  it("fails when the user logs in without its role (consumers would lack their grants)", async () => {
    await admin(`CREATE USER "ROLELESS" PASSWORD = 'Roleless-password-1' DEFAULT_ROLE = "${ROLE}"`);
    const res = resources().map((r) =>
      r.urn.endsWith("snowflake-user-a")
        ? { ...r, outputs: { ...r.outputs, name: "ROLELESS", loginName: secret("ROLELESS") } }
        : r,
    );
    await expect(
      ROTATION_CHECKS.snowflake!({ ...ctx("a", "Roleless-password-1"), resources: res }),
    ).rejects.toThrow(`ROLELESS logs in with the new password but its session has role PUBLIC, not ${ROLE}`);
  });

  it("fails, naming what is missing, on a stack without the slot's user or its name, or without the account", async () => {
    await expect(ROTATION_CHECKS.snowflake!({ ...ctx("a", passwords.a), resources: [] })).rejects.toThrow(
      "the stack holds no Snowflake service user for slot a: deploy it first",
    );
    const nameless = resources().map((r) =>
      r.urn.endsWith("snowflake-user-a") ? { ...r, outputs: { defaultRole: ROLE } } : r,
    );
    await expect(
      ROTATION_CHECKS.snowflake!({ ...ctx("a", passwords.a), resources: nameless }),
    ).rejects.toThrow(
      /^the state of urn:.*::snowflake-user-a has no name or loginName: run `pulumi refresh`/,
    );
    const noAccount = { ...ctx("a", passwords.a), get: getter(config({ "snowflake:accountName": "" })) };
    await expect(ROTATION_CHECKS.snowflake!(noAccount)).rejects.toThrow(
      "snowflake:accountName must be set to log in to Snowflake",
    );
  });

  it("fails on an unreachable Snowflake, naming the keys to check", async () => {
    const unreachable = { ...ctx("a", passwords.a), get: getter(config({ "snowflake:port": "1" })) };
    await expect(ROTATION_CHECKS.snowflake!(unreachable)).rejects.toThrow(
      /^Snowflake is unreachable: .*; check snowflake:organizationName/,
    );
  });

  /**
   * A rotation driver over the fixture state: moving the epoch regenerates the older slot's password;
   * `applyService` is what the Snowflake provider would do (ALTER USER ... SET PASSWORD), unless told to
   * fail silently; `verify` is the real check, reading the state as `sophia secrets rotate` does.
   */
  function driver(providerApplies: boolean): RotationDriver & { epoch: number } {
    let n = 0;
    const d = {
      epoch: 2, // slot b current
      rotatedAt: "2026-08-01T00:00:00Z",
      async rotation() {
        return { snowflake: { epoch: d.epoch, rotatedAt: d.rotatedAt } };
      },
      async setRotation(_s: string, epoch: number, rotatedAt: string) {
        const before = slotGenerations(d.epoch);
        const after = slotGenerations(epoch);
        for (const slot of ["a", "b"] as const) {
          if (before[slot] !== after[slot])
            passwords[slot] = `Slot-${slot}-password-gen-${after[slot]}-${++n}`;
        }
        d.epoch = epoch;
        d.rotatedAt = rotatedAt;
      },
      async applyService() {
        if (!providerApplies) return;
        for (const slot of ["a", "b"] as const) {
          await admin(`ALTER USER "${userName(slot)}" SET PASSWORD = '${passwords[slot]}'`);
        }
      },
      async verify() {
        const epoch = d.epoch;
        const current = currentCredential({ resources: resources() }, "snowflake", epoch);
        return ROTATION_CHECKS.snowflake!(ctx(slotGenerations(epoch).current, current));
      },
    };
    return d;
  }

  it("rotates: the older slot (a) gets a new password, and the check proves it", async () => {
    await admin(`ALTER USER "${userName("b")}" SET PASSWORD = '${passwords.b}'`);
    const previous = passwords.b;
    const d = driver(true);
    const outcome = await rotateService(d, "snowflake", new Date("2026-11-26T00:00:00Z"));
    expect(outcome).toMatchObject({ status: "rotated", fromEpoch: 2, toEpoch: 3 });
    expect(outcome.detail).toContain(`new password of ${userName("a")}`);
    // the previous slot (b) was untouched and still logs in
    await expect(sql(loginName("b"), previous, ["SELECT 1"])).resolves.toHaveLength(1);
  });

  it("reverts when the new password never reached Snowflake; the previous credential still works", async () => {
    const previous = passwords.a; // slot a is current after the rotation above (epoch 3)
    const d = driver(false);
    d.epoch = 3;
    const outcome = await rotateService(d, "snowflake");
    expect(outcome).toMatchObject({ status: "reverted", fromEpoch: 3, toEpoch: 3 });
    expect(outcome.detail).toMatch(/Snowflake refused the new password of SOPHIA_SANDBOX_SVC_B/);
    expect(d.epoch).toBe(3);
    await expect(sql(loginName("a"), previous, ["SELECT CURRENT_USER()"])).resolves.toEqual([
      [{ "CURRENT_USER()": userName("a") }],
    ]);
  });
});

describe("the driver stays quiet and bounded", () => {
  it("writes no log file, even with a client config that asks for TRACE logging", () => {
    // SF_CLIENT_CONFIG_FILE was set before the first connection of this file (see the top)
    const written = readdirSync(traceDir, { recursive: true }).map(String);
    expect(written).toEqual(["sf_client_config.json"]);
    expect(readdirSync(process.cwd()).filter((f) => /^snowflake.*\.log$/.test(f))).toEqual([]);
  });

  it("gives up on a Snowflake that accepts connections but never answers, when the signal says", async () => {
    const sockets: Socket[] = [];
    const silent = http.createServer(() => undefined); // never answers
    silent.on("connection", (s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const login = {
        ...loginFromConfig(
          getter(config({ "snowflake:port": String((silent.address() as AddressInfo).port) })),
          "X",
          "Some-password-123",
        ),
      };
      const f = await failureOf(withSnowflakeSession(login, async () => 1, AbortSignal.timeout(300)));
      expect(f).toEqual({ kind: "network", code: "TIMEOUT", message: "no answer in time" });
      expect(sockets.length).toBeGreaterThan(0); // it did try
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it("does not start a login once the signal has aborted", async () => {
    await sb.admin("snowflake").reset();
    const done = new AbortController();
    done.abort();
    const login = loginFromConfig(getter(config()), SF.adminUser, SF.adminPassword);
    expect(await failureOf(withSnowflakeSession(login, async () => 1, done.signal))).toMatchObject({
      code: "TIMEOUT",
    });
    expect(await sb.admin("snowflake").requests()).toEqual([]);
  });
});
