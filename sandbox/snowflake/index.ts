// Stand-in for Snowflake's session protocol (specs/snowflake-session.yaml): login, logout and telemetry
// (sessions.ts) and query (queries.ts, running the SQL of statements.ts as sql.ts reads it), the one way a
// Snowflake password can be proven. It exists so `sophia check` and `sophia secrets rotate` can log in as
// the admin and as the rotated service users through Snowflake's own Node.js driver.
//
// Faithful where the project depends on it: the account name must match, passwords are checked (stored
// only as scrypt hashes, never in the data directory in plain text) and must meet Snowflake's default
// password policy (at least 14 characters with an upper-case letter, a lower-case letter and a digit), a
// requested role must be granted to the user directly or through the role hierarchy (ACCOUNTADMIN holds
// SECURITYADMIN and SYSADMIN, SECURITYADMIN holds USERADMIN, GRANT ROLE ... TO ROLE adds more; else 390189),
// a requested warehouse must exist (390201), a wrong login is 390100 with no hint of which half was wrong,
// only the password authenticator is served (390400 otherwise), an unknown session token is HTTP 401 with
// 390104, and only a role holding an admin role may run user DDL (003001). The SQL it understands is what
// the Snowflake provider issues for the service users (CREATE/ALTER/DROP USER, CREATE ROLE, GRANT ROLE ...
// TO USER, CREATE WAREHOUSE) and SELECT of the CURRENT_* context functions; any other statement is a
// compilation error (001003), never a silent success.
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "../core";
import { OpenApiSpec } from "../openapi";
import { queryRoutes } from "./queries";
import { sessionRoutes } from "./sessions";
import { type Session, type SnowflakeState, seed } from "./state";

export { SNOWFLAKE_SANDBOX } from "./state";

export class SnowflakeSandbox extends Service<SnowflakeState> {
  readonly name = "snowflake";
  readonly spec = new OpenApiSpec(path.join(__dirname, "..", "specs", "snowflake-session.yaml"), {
    basePath: "",
  });
  /** Live sessions by token (not saved: a restarted sandbox has none). */
  readonly sessions = new Map<string, Session>();
  nextSessionId = 1;

  constructor() {
    super();
    this.onAll(sessionRoutes(this), queryRoutes(this));
  }

  protected seed(): SnowflakeState {
    return seed();
  }

  expireTokens(): void {
    this.sessions.clear();
  }

  /** The session token the request carries. */
  token(ctx: Ctx): string | undefined {
    return /^Snowflake Token="([^"]+)"$/.exec(String(ctx.headers.authorization ?? ""))?.[1];
  }

  protected authenticate(ctx: Ctx, op: { operationId: string }): Reply | undefined {
    if (op.operationId === "login") return undefined;
    const token = this.token(ctx);
    if (!token || !this.sessions.has(token)) {
      return this.problem(401, "unauthorized", "Authentication token is invalid.", "390104");
    }
    return undefined;
  }

  problem(
    status: number,
    _title: string,
    detail: string,
    code = status === 401 ? "390104" : "000603",
  ): Reply {
    return { status, body: { data: null, code, message: detail, success: false, headers: null } };
  }

  /** A refused login or statement: HTTP 200 with success false, as Snowflake answers. */
  failure(code: string, sqlState: string, message: string, data: Record<string, unknown> = {}): Reply {
    return {
      status: 200,
      body: { data: { errorCode: code, sqlState, ...data }, code, message, success: false, headers: null },
    };
  }
}
