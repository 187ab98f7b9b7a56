// Stand-in for Snowflake's session protocol (specs/snowflake-session.yaml: login, query, logout, telemetry),
// the one way a Snowflake password can be proven. It exists so `sophia check` and `sophia secrets rotate`
// can log in as the admin and as the rotated service users through Snowflake's own Node.js driver.
//
// Faithful where the project depends on it: the account name must match, passwords are checked (stored
// only as scrypt hashes, never in the data directory in plain text) and must meet Snowflake's default
// password policy (at least 14 characters with an upper-case letter, a lower-case letter and a digit), a
// requested role must be granted to the user directly or through the role hierarchy (ACCOUNTADMIN holds
// SECURITYADMIN and SYSADMIN, SECURITYADMIN holds USERADMIN, GRANT ROLE ... TO ROLE adds more; else 390189),
// a requested warehouse must exist (390201), a wrong login is 390100 with no hint of which half was wrong,
// only the password authenticator is served (390400 otherwise), an unknown session token is HTTP 401 with
// 390104, and only a role holding an admin role may run user DDL (003001). The SQL it understands is what the Snowflake provider issues for the service users
// (CREATE/ALTER/DROP USER, CREATE ROLE, GRANT ROLE ... TO USER, CREATE WAREHOUSE) and SELECT of the
// CURRENT_* context functions; any other statement is a compilation error (001003), never a silent success.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from "node:crypto";
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec } from "./openapi";

export const SNOWFLAKE_SANDBOX = {
  organizationName: "SOPHIA",
  accountName: "SANDBOX",
  /** What CURRENT_ACCOUNT() answers: the account locator, not its name. */
  accountLocator: "SB00001",
  /** The account identifier the driver sends (ORGANIZATION-ACCOUNT). */
  account: "SOPHIA-SANDBOX",
  adminUser: "PULUMI",
  adminPassword: "Sandbox-Snowflake-Admin-Password-1",
  adminRole: "ACCOUNTADMIN",
  warehouse: "COMPUTE_WH",
};

const ADMIN_ROLES = ["ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN"];
/** Snowflake's system role hierarchy: each role holds the roles listed. */
const SYSTEM_ROLES: Record<string, string[]> = {
  ACCOUNTADMIN: ["SECURITYADMIN", "SYSADMIN"],
  SECURITYADMIN: ["USERADMIN"],
  USERADMIN: [],
  SYSADMIN: [],
  PUBLIC: [],
};

interface User {
  name: string;
  loginName: string;
  /** scrypt(salt, password), hex; absent when the user has no password. */
  passwordHash?: string;
  salt?: string;
  defaultRole?: string;
  defaultWarehouse?: string;
  comment?: string;
  roles: string[];
}

interface SnowflakeState {
  users: Record<string, User>;
  /** Each role with the roles granted to it (GRANT ROLE r TO ROLE this). */
  roles: Record<string, { name: string; roles?: string[] }>;
  warehouses: Record<string, { name: string }>;
}

interface Session {
  user: string;
  role: string;
  warehouse: string | null;
}

function hashPassword(password: string, salt = randomBytes(16).toString("hex")) {
  return { salt, passwordHash: scryptSync(password, salt, 32).toString("hex") };
}

function passwordMatches(user: User, password: string): boolean {
  if (!user.passwordHash || !user.salt) return false;
  const given = scryptSync(password, user.salt, 32);
  return timingSafeEqual(given, Buffer.from(user.passwordHash, "hex"));
}

// ---- a small SQL reader: enough for the statements above, strict about everything else ----

type Token = { kind: "word" | "ident" | "string" | "number" | "punct"; text: string };

class SqlError extends Error {
  constructor(
    readonly code: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
  }
}

const syntaxError = (near: string) =>
  new SqlError("001003", "42000", `SQL compilation error:\nsyntax error line 1 unexpected '${near}'.`);

/** What an error names: never a string literal's content (it may be a password). */
const near = (tok: Token | undefined) =>
  !tok ? "<EOF>" : tok.kind === "string" ? "<string literal>" : tok.text;

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw syntaxError("<EOF>");
        if (sql[i] === "'" && sql[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (sql[i] === "'") {
          i++;
          break;
        } else if (sql[i] === "\\" && i + 1 < sql.length) {
          s += sql[i + 1];
          i += 2;
        } else s += sql[i++];
      }
      out.push({ kind: "string", text: s });
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) throw syntaxError("<EOF>");
      out.push({ kind: "ident", text: sql.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))![0];
      out.push({ kind: "word", text: m.toUpperCase() });
      i += m.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(sql.slice(i))![0];
      out.push({ kind: "number", text: m });
      i += m.length;
    } else if ("=,();.".includes(c)) {
      out.push({ kind: "punct", text: c });
      i++;
    } else {
      throw syntaxError(c);
    }
  }
  while (out.length && out[out.length - 1].text === ";" && out[out.length - 1].kind === "punct") out.pop();
  return out;
}

class Reader {
  private i = 0;
  constructor(private readonly t: Token[]) {}
  peek(n = 0): Token | undefined {
    return this.t[this.i + n];
  }
  done(): boolean {
    return this.i >= this.t.length;
  }
  /** Consumes the keywords if they come next. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const tok = this.t[this.i + k];
      if (tok?.kind !== "word" || tok.text !== words[k]) return false;
    }
    this.i += words.length;
    return true;
  }
  expect(...words: string[]): void {
    if (!this.accept(...words)) throw syntaxError(near(this.peek()));
  }
  punct(p: string): boolean {
    const tok = this.t[this.i];
    if (tok?.kind === "punct" && tok.text === p) {
      this.i++;
      return true;
    }
    return false;
  }
  /** An identifier: unquoted ones are upper-cased, quoted ones kept as written. */
  ident(): string {
    const tok = this.t[this.i];
    if (!tok || (tok.kind !== "word" && tok.kind !== "ident")) throw syntaxError(near(tok));
    this.i++;
    return tok.text;
  }
  /** A property value: a string, an identifier, a number or TRUE/FALSE. */
  value(): string {
    const tok = this.t[this.i];
    if (!tok || tok.kind === "punct") throw syntaxError(near(tok));
    this.i++;
    return tok.text;
  }
  end(): void {
    if (!this.done()) throw syntaxError(near(this.peek()));
  }
}

const USER_PROPERTIES = [
  "PASSWORD",
  "LOGIN_NAME",
  "DEFAULT_ROLE",
  "DEFAULT_WAREHOUSE",
  "DEFAULT_NAMESPACE",
  "COMMENT",
  "TYPE",
  "MUST_CHANGE_PASSWORD",
];

function properties(r: Reader, allowed: string[]): Record<string, string> {
  const props: Record<string, string> = {};
  while (!r.done()) {
    const key = r.ident();
    if (!allowed.includes(key)) {
      throw new SqlError("001003", "42000", `SQL compilation error:\ninvalid property '${key}' for 'USER'`);
    }
    if (!r.punct("=")) throw syntaxError(near(r.peek()));
    props[key] = r.value();
  }
  return props;
}

interface Result {
  columns: { name: string; type: "text" | "fixed" }[];
  rows: (string | null)[][];
  statementTypeId: number;
}

const status = (text: string): Result => ({
  columns: [{ name: "status", type: "text" }],
  rows: [[text]],
  statementTypeId: 0x6000, // DDL
});

export class SnowflakeSandbox extends Service<SnowflakeState> {
  readonly name = "snowflake";
  readonly spec = new OpenApiSpec(path.join(__dirname, "specs", "snowflake-session.yaml"), { basePath: "" });
  private readonly sessions = new Map<string, Session>();
  private nextSessionId = 1;

  constructor() {
    super();
    this.on("login", (ctx) => this.login(ctx));
    this.on("query", (ctx) => this.query(ctx));
    this.on("deleteSession", (ctx) => {
      this.sessions.delete(this.token(ctx) ?? "");
      return { status: 200, body: { data: null, code: null, message: null, success: true } };
    });
    this.on("telemetry", () => ({
      status: 200,
      body: { data: null, code: null, message: null, success: true },
    }));
  }

  protected seed(): SnowflakeState {
    const roles = Object.fromEntries(
      Object.entries(SYSTEM_ROLES).map(([name, held]) => [name, { name, roles: held }]),
    );
    const admin: User = {
      name: SNOWFLAKE_SANDBOX.adminUser,
      loginName: SNOWFLAKE_SANDBOX.adminUser,
      ...hashPassword(SNOWFLAKE_SANDBOX.adminPassword),
      defaultRole: SNOWFLAKE_SANDBOX.adminRole,
      roles: [SNOWFLAKE_SANDBOX.adminRole],
    };
    return {
      users: { [admin.name]: admin },
      roles,
      warehouses: { [SNOWFLAKE_SANDBOX.warehouse]: { name: SNOWFLAKE_SANDBOX.warehouse } },
    };
  }

  expireTokens(): void {
    this.sessions.clear();
  }

  private token(ctx: Ctx): string | undefined {
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

  private failure(
    code: string,
    sqlState: string,
    message: string,
    data: Record<string, unknown> = {},
  ): Reply {
    return {
      status: 200,
      body: { data: { errorCode: code, sqlState, ...data }, code, message, success: false, headers: null },
    };
  }

  private login(ctx: Ctx): Reply {
    const d = ctx.body.data;
    const loginName = String(d.LOGIN_NAME);
    const refuse = () =>
      this.failure("390100", "08004", "Incorrect username or password was specified.", {
        nextAction: "RETRY_LOGIN",
        authnMethod: "USERNAME_PASSWORD",
        loginName,
      });
    if (d.AUTHENTICATOR !== undefined && String(d.AUTHENTICATOR).toUpperCase() !== "SNOWFLAKE") {
      return this.failure("390400", "08004", "Bad request; operation not supported.");
    }
    if (String(d.ACCOUNT_NAME).toUpperCase() !== SNOWFLAKE_SANDBOX.account) return refuse();
    const user = Object.values(this.state.users).find(
      (u) => u.loginName.toUpperCase() === loginName.toUpperCase(),
    );
    if (!user || !passwordMatches(user, String(d.PASSWORD))) return refuse();

    const granted = (role: string) => role === "PUBLIC" || this.held(user.roles).includes(role);
    const asked = typeof ctx.query.roleName === "string" ? ctx.query.roleName.toUpperCase() : undefined;
    if (asked && !granted(asked)) {
      return this.failure(
        "390189",
        "08004",
        `Role '${asked}' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`,
      );
    }
    const wh = typeof ctx.query.warehouse === "string" ? ctx.query.warehouse.toUpperCase() : undefined;
    if (wh && !this.state.warehouses[wh]) {
      return this.failure("390201", "08004", "The requested warehouse does not exist or not authorized.");
    }
    const role = asked ?? (user.defaultRole && granted(user.defaultRole) ? user.defaultRole : "PUBLIC");
    const warehouse =
      wh ??
      (user.defaultWarehouse && this.state.warehouses[user.defaultWarehouse] ? user.defaultWarehouse : null);
    const token = `ver:1-hint:${randomBytes(24).toString("hex")}`;
    this.sessions.set(token, { user: user.name, role, warehouse });
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
          sessionId: this.nextSessionId++,
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

  private query(ctx: Ctx): Reply {
    const session = this.sessions.get(this.token(ctx)!)!;
    const queryId = randomUUID();
    let result: Result;
    try {
      result = this.execute(String(ctx.body.sqlText), session);
    } catch (err) {
      if (!(err instanceof SqlError)) throw err;
      return this.failure(err.code, err.sqlState, err.message, { queryId });
    }
    return {
      status: 200,
      body: {
        data: {
          parameters: [],
          rowtype: result.columns.map((c) => ({
            name: c.name,
            database: "",
            schema: "",
            table: "",
            type: c.type,
            nullable: c.type === "text",
            length: c.type === "text" ? 16777216 : null,
            byteLength: c.type === "text" ? 16777216 : null,
            precision: c.type === "fixed" ? 38 : null,
            scale: c.type === "fixed" ? 0 : null,
            collation: null,
          })),
          rowset: result.rows,
          total: result.rows.length,
          returned: result.rows.length,
          queryId,
          queryResultFormat: "json",
          statementTypeId: result.statementTypeId,
          version: 1,
          finalDatabaseName: null,
          finalSchemaName: null,
          finalWarehouseName: session.warehouse,
          finalRoleName: session.role,
        },
        code: null,
        message: null,
        success: true,
      },
    };
  }

  private execute(sql: string, session: Session): Result {
    const r = new Reader(tokenize(sql));
    if (r.accept("SELECT")) return this.select(r, session);

    const ddl = (what: string) => {
      const held = this.held([session.role]);
      if (
        !held.some((r) => ADMIN_ROLES.includes(r)) &&
        !(what === "WAREHOUSE" && held.includes("SYSADMIN"))
      ) {
        throw new SqlError(
          "003001",
          "42501",
          `SQL access control error:\nInsufficient privileges to operate on account '${SNOWFLAKE_SANDBOX.accountName}'`,
        );
      }
    };
    const missingUser = (name: string) =>
      new SqlError(
        "002003",
        "02000",
        `SQL compilation error:\nUser '${name}' does not exist or not authorized.`,
      );

    if (r.accept("CREATE")) {
      const replace = r.accept("OR", "REPLACE");
      const kind = r.ident();
      if (!["USER", "ROLE", "WAREHOUSE"].includes(kind)) throw syntaxError(kind);
      ddl(kind);
      const ifNotExists = r.accept("IF", "NOT", "EXISTS");
      const name = r.ident();
      const table = kind === "USER" ? "users" : kind === "ROLE" ? "roles" : "warehouses";
      const exists = Boolean(this.state[table][name]);
      if (exists && !replace) {
        if (ifNotExists) {
          return status(`${name} already exists, statement succeeded.`);
        }
        throw new SqlError("002002", "42710", `SQL compilation error:\nObject '${name}' already exists.`);
      }
      if (kind === "USER") {
        const props = properties(r, USER_PROPERTIES);
        this.state.users[name] = this.applyUser({ name, loginName: name, roles: [] }, props);
      } else if (kind === "ROLE") {
        r.end();
        this.state.roles[name] = { name, roles: [] };
      } else {
        // warehouse properties (size, auto-suspend ...) do not matter to a login
        this.state.warehouses[name] = { name };
      }
      this.save();
      return status(`${kind.charAt(0)}${kind.slice(1).toLowerCase()} ${name} successfully created.`);
    }

    if (r.accept("ALTER", "USER")) {
      ddl("USER");
      const ifExists = r.accept("IF", "EXISTS");
      const name = r.ident();
      r.expect("SET");
      const props = properties(r, USER_PROPERTIES);
      const user = this.state.users[name];
      if (!user) {
        if (ifExists) return status("Statement executed successfully.");
        throw missingUser(name);
      }
      this.state.users[name] = this.applyUser(user, props);
      this.save();
      return status("Statement executed successfully.");
    }

    if (r.accept("DROP", "USER")) {
      ddl("USER");
      const ifExists = r.accept("IF", "EXISTS");
      const name = r.ident();
      r.end();
      if (!this.state.users[name]) {
        if (ifExists) return status(`Drop statement executed successfully (${name} already dropped).`);
        throw missingUser(name);
      }
      delete this.state.users[name];
      this.save();
      return status(`${name} successfully dropped.`);
    }

    if (r.accept("GRANT", "ROLE")) {
      ddl("ROLE");
      const role = r.ident();
      r.expect("TO");
      const toRole = r.accept("ROLE");
      if (!toRole) r.expect("USER");
      const name = r.ident();
      r.end();
      const missingRole = (n: string) =>
        new SqlError(
          "002003",
          "02000",
          `SQL compilation error:\nRole '${n}' does not exist or not authorized.`,
        );
      if (!this.state.roles[role]) throw missingRole(role);
      if (toRole) {
        const grantee = this.state.roles[name];
        if (!grantee) throw missingRole(name);
        if (this.held([role]).includes(name)) {
          throw new SqlError(
            "003012",
            "42601",
            `SQL execution error:\nCannot grant role '${role}' to '${name}': it would create a cycle.`,
          );
        }
        grantee.roles = [...new Set([...(grantee.roles ?? []), role])];
        this.save();
        return status("Statement executed successfully.");
      }
      const user = this.state.users[name];
      if (!user) throw missingUser(name);
      if (!user.roles.includes(role)) user.roles.push(role);
      this.save();
      return status("Statement executed successfully.");
    }

    throw syntaxError(near(r.peek()));
  }

  /** The roles `roles` hold, themselves included, through the hierarchy. */
  private held(roles: string[]): string[] {
    const out = new Set<string>();
    const visit = (r: string) => {
      if (out.has(r)) return;
      out.add(r);
      for (const h of this.state.roles[r]?.roles ?? SYSTEM_ROLES[r] ?? []) visit(h);
    };
    roles.forEach(visit);
    return [...out];
  }

  private applyUser(user: User, props: Record<string, string>): User {
    const next = { ...user };
    if (props.PASSWORD !== undefined) {
      const p = props.PASSWORD;
      if (p.length < 14 || !/[A-Z]/.test(p) || !/[a-z]/.test(p) || !/[0-9]/.test(p)) {
        // (the policy is Snowflake's default; the code of this error is not in any description we have)
        throw new SqlError(
          "003002",
          "28000",
          "Password does not meet the password policy requirements: at least 14 characters, with an upper-case letter, a lower-case letter and a digit.",
        );
      }
      Object.assign(next, hashPassword(p));
    }
    if (props.LOGIN_NAME !== undefined) next.loginName = props.LOGIN_NAME;
    // identifiers keep the case the reader gave them: unquoted ones upper-cased, quoted ones as written
    if (props.DEFAULT_ROLE !== undefined) next.defaultRole = props.DEFAULT_ROLE;
    if (props.DEFAULT_WAREHOUSE !== undefined) next.defaultWarehouse = props.DEFAULT_WAREHOUSE;
    if (props.COMMENT !== undefined) next.comment = props.COMMENT;
    return next;
  }

  /** SELECT of CURRENT_* context functions and literals, one row. */
  private select(r: Reader, session: Session): Result {
    const columns: Result["columns"] = [];
    const row: (string | null)[] = [];
    do {
      const tok = r.peek();
      if (!tok) throw syntaxError("<EOF>");
      if (tok.kind === "number" || tok.kind === "string") {
        r.value();
        columns.push({
          name: tok.kind === "number" ? tok.text : `'${tok.text}'`,
          type: tok.kind === "number" ? "fixed" : "text",
        });
        row.push(tok.text);
        continue;
      }
      const fn = r.ident();
      if (!r.punct("(") || !r.punct(")")) throw syntaxError(fn);
      const values: Record<string, string | null> = {
        CURRENT_USER: session.user,
        CURRENT_ROLE: session.role,
        CURRENT_WAREHOUSE: session.warehouse,
        CURRENT_DATABASE: null,
        CURRENT_SCHEMA: null,
        CURRENT_ACCOUNT: SNOWFLAKE_SANDBOX.accountLocator,
        CURRENT_VERSION: "9.38.1",
      };
      if (!(fn in values)) {
        throw new SqlError("002140", "42601", `SQL compilation error:\nUnknown function ${fn}`);
      }
      columns.push({ name: `${fn}()`, type: "text" });
      row.push(values[fn]);
    } while (r.punct(","));
    r.end();
    return { columns, rows: [row], statementTypeId: 0x1000 };
  }
}
