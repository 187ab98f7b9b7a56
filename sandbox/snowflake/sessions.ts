// Sessions: login (the password authenticator; the role and warehouse asked for must be granted and
// exist), logout (deleteSession) and the driver's telemetry, which is accepted and dropped.
import { randomBytes } from "node:crypto";
import type { Ctx, Handler, Reply } from "../core";
import type { SnowflakeSandbox } from "./index";
import { heldRoles, passwordMatches, SNOWFLAKE_SANDBOX, type User } from "./state";

/** The fields of a login request the stand-in reads (the description requires `data`). */
interface LoginData {
  LOGIN_NAME?: unknown;
  PASSWORD?: unknown;
  ACCOUNT_NAME?: unknown;
  AUTHENTICATOR?: unknown;
}

const success = { status: 200, body: { data: null, code: null, message: null, success: true } };

/** The session's role and warehouse: the ones asked for, else the user's defaults; a Reply refuses. */
function sessionContext(
  s: SnowflakeSandbox,
  ctx: Ctx,
  user: User,
): Reply | { role: string; warehouse: string | null } {
  const granted = (role: string) => role === "PUBLIC" || heldRoles(s.state, user.roles).includes(role);
  const asked = typeof ctx.query.roleName === "string" ? ctx.query.roleName.toUpperCase() : undefined;
  if (asked && !granted(asked)) {
    return s.failure(
      "390189",
      "08004",
      `Role '${asked}' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`,
    );
  }
  const wh = typeof ctx.query.warehouse === "string" ? ctx.query.warehouse.toUpperCase() : undefined;
  if (wh && !s.state.warehouses[wh]) {
    return s.failure("390201", "08004", "The requested warehouse does not exist or not authorized.");
  }
  const role = asked ?? (user.defaultRole && granted(user.defaultRole) ? user.defaultRole : "PUBLIC");
  const warehouse =
    wh ?? (user.defaultWarehouse && s.state.warehouses[user.defaultWarehouse] ? user.defaultWarehouse : null);
  return { role, warehouse };
}

function login(s: SnowflakeSandbox, ctx: Ctx): Reply {
  const d = (ctx.body as { data: LoginData }).data;
  const loginName = String(d.LOGIN_NAME);
  const refuse = () =>
    s.failure("390100", "08004", "Incorrect username or password was specified.", {
      nextAction: "RETRY_LOGIN",
      authnMethod: "USERNAME_PASSWORD",
      loginName,
    });
  if (d.AUTHENTICATOR !== undefined && String(d.AUTHENTICATOR).toUpperCase() !== "SNOWFLAKE") {
    return s.failure("390400", "08004", "Bad request; operation not supported.");
  }
  if (String(d.ACCOUNT_NAME).toUpperCase() !== SNOWFLAKE_SANDBOX.account) return refuse();
  const user = Object.values(s.state.users).find(
    (u) => u.loginName.toUpperCase() === loginName.toUpperCase(),
  );
  if (!user || !passwordMatches(user, String(d.PASSWORD))) return refuse();
  const context = sessionContext(s, ctx, user);
  if ("status" in context) return context;
  const { role, warehouse } = context;
  const token = `ver:1-hint:${randomBytes(24).toString("hex")}`;
  s.sessions.set(token, { user: user.name, role, warehouse });
  return {
    status: 200,
    body: {
      data: {
        token,
        masterToken: `ver:1-hint:${randomBytes(24).toString("hex")}`,
        validityInSeconds: 3600,
        masterValidityInSeconds: 14400,
        displayUserName: user.name,
        serverVersion: "9.38.1",
        firstLogin: false,
        healthCheckInterval: 45,
        sessionId: s.nextSessionId++,
        parameters: [{ name: "TIMEZONE", value: "UTC" }],
        sessionInfo: { databaseName: null, schemaName: null, warehouseName: warehouse, roleName: role },
        idToken: null,
        mfaToken: null,
      },
      code: null,
      message: null,
      success: true,
    },
  };
}

export function sessionRoutes(s: SnowflakeSandbox): Record<string, Handler> {
  return {
    login: (ctx) => login(s, ctx),
    deleteSession: (ctx) => {
      s.sessions.delete(s.token(ctx) ?? "");
      return success;
    },
    telemetry: () => success,
  };
}
