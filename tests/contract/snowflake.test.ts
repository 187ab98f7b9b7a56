// Snowflake passwords, proven through Snowflake's own Node.js driver (snowflake-sdk) against the session
// stand-in: the stand-in itself (the driver accepts its answers; wrong login, role, warehouse, rights and
// SQL are refused with Snowflake's codes; passwords are stored hashed), `sophia check`'s Snowflake probe
// (pass, wrong password → authenticated, ungranted role → permitted, closed port → reachable), and the
// rotation check with `rotateService`: a rotation the Snowflake provider applied is verified, one it did not
// is reverted and the previous password still logs in.
//
// The Snowflake Pulumi provider plugin cannot be built here (its Go module is not served), so what the
// provider does on a rotation — ALTER USER ... SET PASSWORD — is done in these tests by the admin session.
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { runChecks } from "../../cli/check";
import type { Values } from "../../cli/probes";
import { currentCredential, ROTATION_CHECKS } from "../../cli/rotationChecks";
import { type RotationDriver, rotateService } from "../../cli/secrets";
import {
  isSnowflakeFailure,
  loginFromConfig,
  type SnowflakeFailure,
  withSnowflakeSession,
} from "../../cli/snowflake";
import { slotGenerations } from "../../integrations/rotation";
import { SNOWFLAKE_SANDBOX as SF } from "../../sandbox/snowflake";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
let port: string;

beforeAll(async () => {
  sb = await startTestSandbox(["snowflake"]);
  port = String(sb.sandbox.services.snowflake.port);
});
afterAll(async () => {
  const violations = await sb.admin("snowflake").violations();
  await sb.close();
  expect(violations).toEqual([]);
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
        network: false,
      });
    }
  });

  it("refuses a role the user was not granted (390189) and an unknown warehouse (390201)", async () => {
    await admin('CREATE USER IF NOT EXISTS "PLAIN" PASSWORD = \'plain-password-1\' DEFAULT_ROLE = "ANALYST"');
    expect(await failureOf(sql("PLAIN", "plain-password-1", ["SELECT 1"], "ACCOUNTADMIN"))).toMatchObject({
      code: "390189",
    });
    const login = { ...loginFromConfig(getter(config()), SF.adminUser, SF.adminPassword), warehouse: "NOPE" };
    expect(await failureOf(withSnowflakeSession(login, async () => 1, signal()))).toMatchObject({
      code: "390201",
    });
    // a default role that was never granted falls back to PUBLIC, as in Snowflake
    const [[row]] = await sql("PLAIN", "plain-password-1", ["SELECT CURRENT_ROLE()"]);
    expect(row["CURRENT_ROLE()"]).toBe("PUBLIC");
  });

  it("lets only an admin role change users (003001) and refuses SQL it does not know (001003)", async () => {
    expect(
      await failureOf(sql("PLAIN", "plain-password-1", ["ALTER USER PULUMI SET PASSWORD = 'x'"])),
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

  it("stores password hashes only, and the driver writes no log file", async () => {
    const users = await sb.admin("snowflake").objects("users");
    const plain = users.find((u) => u.name === "PLAIN");
    expect(plain).toMatchObject({
      loginName: "PLAIN",
      passwordHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const stored = JSON.stringify(users);
    expect(stored).not.toContain("plain-password-1");
    expect(stored).not.toContain(SF.adminPassword);
    expect(existsSync(path.join(process.cwd(), "snowflake.log"))).toBe(false);
  });

  it("reports a closed port as a network failure, quickly", async () => {
    const login = { ...loginFromConfig(getter(config({ "snowflake:port": "1" })), "X", "y") };
    const f = await failureOf(withSnowflakeSession(login, async () => 1, signal()));
    expect(f.network).toBe(true);
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
    const c = await check(values({ "snowflake:role": "SYSADMIN" }));
    expect(c).toMatchObject({ status: "fail", stage: "permitted" });
    expect(c.error).toMatch(/390189/);
  });

  it("fails a closed port at 'reachable'", async () => {
    const c = await check(values({ "snowflake:port": "1" }));
    expect(c).toMatchObject({ status: "fail", stage: "reachable" });
    expect(c.recommendation).toMatch(/snowflake:organizationName/);
  });
});

describe("the Snowflake rotation check and rotateService", () => {
  const ROLE = "SOPHIA_SANDBOX_LOADER";
  const userName = (slot: "a" | "b") => `SOPHIA_SANDBOX_SVC_${slot.toUpperCase()}`;
  // The exported state the check reads: the two slots' passwords and the two service users.
  const passwords: Record<"a" | "b", string> = { a: "slot-a-password-gen-0", b: "slot-b-password-gen-0" };
  const resources = () => [
    ...(["a", "b"] as const).map((slot) => ({
      type: "random:index/randomPassword:RandomPassword",
      urn: `urn:pulumi:sandbox::sophia-ai::sophia:rotation:RotatedCredential$random:index/randomPassword:RandomPassword::snowflake-service-password-${slot}`,
      inputs: { keepers: { service: "snowflake", slot, generation: "0" } },
      outputs: { result: passwords[slot] },
    })),
    ...(["a", "b"] as const).map((slot) => ({
      type: "snowflake:index/legacyServiceUser:LegacyServiceUser",
      urn: `urn:pulumi:sandbox::sophia-ai::sophia:snowflake:SnowflakeAnalytics$snowflake:index/legacyServiceUser:LegacyServiceUser::snowflake-user-${slot}`,
      outputs: { name: userName(slot), loginName: userName(slot), defaultRole: ROLE },
    })),
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
        `CREATE USER IF NOT EXISTS "${userName(slot)}" LOGIN_NAME = '${userName(slot)}' PASSWORD = '${passwords[slot]}' DEFAULT_ROLE = "${ROLE}"`,
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
    await expect(ROTATION_CHECKS.snowflake!(ctx("b", "a-password-snowflake-never-got"))).rejects.toThrow(
      `Snowflake refused the new password of ${userName("b")} (390100: Incorrect username or password was specified.); the previous one stays current`,
    );
  });

  it("fails when the user logs in without its role (consumers would lack their grants)", async () => {
    await admin(`CREATE USER "ROLELESS" PASSWORD = 'roleless-1' DEFAULT_ROLE = "${ROLE}"`);
    const res = resources().map((r) =>
      r.urn.endsWith("snowflake-user-a")
        ? { ...r, outputs: { ...r.outputs, name: "ROLELESS", loginName: "ROLELESS" } }
        : r,
    );
    await expect(ROTATION_CHECKS.snowflake!({ ...ctx("a", "roleless-1"), resources: res })).rejects.toThrow(
      `ROLELESS logs in with the new password but its session has role PUBLIC, not ${ROLE}`,
    );
  });

  it("fails on a stack without the slot's user, and on an unreachable Snowflake", async () => {
    await expect(ROTATION_CHECKS.snowflake!({ ...ctx("a", passwords.a), resources: [] })).rejects.toThrow(
      "the stack holds no Snowflake service user for slot a: deploy it first",
    );
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
            passwords[slot] = `slot-${slot}-password-gen-${after[slot]}-${++n}`;
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
    await expect(sql(userName("b"), previous, ["SELECT 1"])).resolves.toHaveLength(1);
  });

  it("reverts when the new password never reached Snowflake; the previous credential still works", async () => {
    const previous = passwords.a; // slot a is current after the rotation above (epoch 3)
    const d = driver(false);
    d.epoch = 3;
    const outcome = await rotateService(d, "snowflake");
    expect(outcome).toMatchObject({ status: "reverted", fromEpoch: 3, toEpoch: 3 });
    expect(outcome.detail).toMatch(/Snowflake refused the new password of SOPHIA_SANDBOX_SVC_B/);
    expect(d.epoch).toBe(3);
    await expect(sql(userName("a"), previous, ["SELECT CURRENT_USER()"])).resolves.toEqual([
      [{ "CURRENT_USER()": userName("a") }],
    ]);
  });
});

test("no test above left a driver log behind", () => {
  expect(readdirSync(process.cwd()).filter((f) => /^snowflake.*\.log$/.test(f))).toEqual([]);
});
