// The statements the stand-in runs: CREATE USER/ROLE/WAREHOUSE, ALTER USER ... SET, DROP USER, GRANT ROLE
// ... TO USER/ROLE (the DDL the Snowflake provider issues for the service users), and SELECT of the
// CURRENT_* context functions; any other statement is a compilation error (001003), never a silent success.
import type { SnowflakeSandbox } from "./index";
import { near, properties, Reader, SqlError, syntaxError, tokenize, USER_PROPERTIES } from "./sql";
import { ADMIN_ROLES, hashPassword, heldRoles, type Session, SNOWFLAKE_SANDBOX, type User } from "./state";

export interface Result {
  columns: { name: string; type: "text" | "fixed" }[];
  rows: (string | null)[][];
  statementTypeId: number;
}

const status = (text: string): Result => ({
  columns: [{ name: "status", type: "text" }],
  rows: [[text]],
  statementTypeId: 0x6000, // DDL
});
const done = () => status("Statement executed successfully.");

const missingUser = (name: string) =>
  new SqlError("002003", "02000", `SQL compilation error:\nUser '${name}' does not exist or not authorized.`);
const missingRole = (name: string) =>
  new SqlError("002003", "02000", `SQL compilation error:\nRole '${name}' does not exist or not authorized.`);

/** Refuses DDL on `what` unless the session's role holds an admin role (or SYSADMIN, for a warehouse). */
function requireDdl(s: SnowflakeSandbox, session: Session, what: string): void {
  const held = heldRoles(s.state, [session.role]);
  if (!held.some((r) => ADMIN_ROLES.includes(r)) && !(what === "WAREHOUSE" && held.includes("SYSADMIN"))) {
    throw new SqlError(
      "003001",
      "42501",
      `SQL access control error:\nInsufficient privileges to operate on account '${SNOWFLAKE_SANDBOX.accountName}'`,
    );
  }
}

/** `user` with the properties of CREATE USER / ALTER USER ... SET applied (a password only if it meets the policy). */
function applyUser(user: User, props: Record<string, string>): User {
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

/** CREATE [OR REPLACE] USER|ROLE|WAREHOUSE [IF NOT EXISTS] name ... (after CREATE). */
function create(s: SnowflakeSandbox, r: Reader, session: Session): Result {
  const replace = r.accept("OR", "REPLACE");
  const kind = r.ident();
  if (!["USER", "ROLE", "WAREHOUSE"].includes(kind)) throw syntaxError(kind);
  requireDdl(s, session, kind);
  const ifNotExists = r.accept("IF", "NOT", "EXISTS");
  const name = r.ident();
  const table = kind === "USER" ? "users" : kind === "ROLE" ? "roles" : "warehouses";
  if (s.state[table][name] && !replace) {
    if (ifNotExists) return status(`${name} already exists, statement succeeded.`);
    throw new SqlError("002002", "42710", `SQL compilation error:\nObject '${name}' already exists.`);
  }
  if (kind === "USER") {
    const props = properties(r, USER_PROPERTIES);
    s.state.users[name] = applyUser({ name, loginName: name, roles: [] }, props);
  } else if (kind === "ROLE") {
    r.end();
    s.state.roles[name] = { name, roles: [] };
  } else {
    // warehouse properties (size, auto-suspend ...) do not matter to a login
    s.state.warehouses[name] = { name };
  }
  s.save();
  return status(`${kind.charAt(0)}${kind.slice(1).toLowerCase()} ${name} successfully created.`);
}

/** ALTER USER [IF EXISTS] name SET ... (after ALTER USER). */
function alterUser(s: SnowflakeSandbox, r: Reader, session: Session): Result {
  requireDdl(s, session, "USER");
  const ifExists = r.accept("IF", "EXISTS");
  const name = r.ident();
  r.expect("SET");
  const props = properties(r, USER_PROPERTIES);
  const user = s.state.users[name];
  if (!user) {
    if (ifExists) return done();
    throw missingUser(name);
  }
  s.state.users[name] = applyUser(user, props);
  s.save();
  return done();
}

/** DROP USER [IF EXISTS] name (after DROP USER). */
function dropUser(s: SnowflakeSandbox, r: Reader, session: Session): Result {
  requireDdl(s, session, "USER");
  const ifExists = r.accept("IF", "EXISTS");
  const name = r.ident();
  r.end();
  if (!s.state.users[name]) {
    if (ifExists) return status(`Drop statement executed successfully (${name} already dropped).`);
    throw missingUser(name);
  }
  delete s.state.users[name];
  s.save();
  return status(`${name} successfully dropped.`);
}

/** GRANT ROLE role TO USER|ROLE name (after GRANT ROLE); a grant that would make a cycle is refused. */
function grantRole(s: SnowflakeSandbox, r: Reader, session: Session): Result {
  requireDdl(s, session, "ROLE");
  const role = r.ident();
  r.expect("TO");
  const toRole = r.accept("ROLE");
  if (!toRole) r.expect("USER");
  const name = r.ident();
  r.end();
  if (!s.state.roles[role]) throw missingRole(role);
  if (toRole) {
    const grantee = s.state.roles[name];
    if (!grantee) throw missingRole(name);
    if (heldRoles(s.state, [role]).includes(name)) {
      throw new SqlError(
        "003012",
        "42601",
        `SQL execution error:\nCannot grant role '${role}' to '${name}': it would create a cycle.`,
      );
    }
    grantee.roles = [...new Set([...(grantee.roles ?? []), role])];
  } else {
    const user = s.state.users[name];
    if (!user) throw missingUser(name);
    if (!user.roles.includes(role)) user.roles.push(role);
  }
  s.save();
  return done();
}

/** SELECT of CURRENT_* context functions and literals, one row (after SELECT). */
function select(r: Reader, session: Session): Result {
  const columns: Result["columns"] = [];
  const row: (string | null)[] = [];
  const values: Record<string, string | null> = {
    CURRENT_USER: session.user,
    CURRENT_ROLE: session.role,
    CURRENT_WAREHOUSE: session.warehouse,
    CURRENT_DATABASE: null,
    CURRENT_SCHEMA: null,
    CURRENT_ACCOUNT: SNOWFLAKE_SANDBOX.accountLocator,
    CURRENT_VERSION: "9.38.1",
  };
  do {
    const tok = r.peek();
    if (!tok) throw syntaxError("<EOF>");
    if (tok.kind === "number" || tok.kind === "string") {
      r.value();
      const number = tok.kind === "number";
      columns.push({ name: number ? tok.text : `'${tok.text}'`, type: number ? "fixed" : "text" });
      row.push(tok.text);
      continue;
    }
    const fn = r.ident();
    if (!r.punct("(") || !r.punct(")")) throw syntaxError(fn);
    if (!(fn in values))
      throw new SqlError("002140", "42601", `SQL compilation error:\nUnknown function ${fn}`);
    columns.push({ name: `${fn}()`, type: "text" });
    row.push(values[fn]);
  } while (r.punct(","));
  r.end();
  return { columns, rows: [row], statementTypeId: 0x1000 };
}

/** Runs one statement in `session`; a SqlError says why Snowflake would refuse it. */
export function execute(s: SnowflakeSandbox, sql: string, session: Session): Result {
  const r = new Reader(tokenize(sql));
  if (r.accept("SELECT")) return select(r, session);
  if (r.accept("CREATE")) return create(s, r, session);
  if (r.accept("ALTER", "USER")) return alterUser(s, r, session);
  if (r.accept("DROP", "USER")) return dropUser(s, r, session);
  if (r.accept("GRANT", "ROLE")) return grantRole(s, r, session);
  throw syntaxError(near(r.peek()));
}
