// The Snowflake stand-in's account: users (passwords only as scrypt hashes), roles with the role
// hierarchy, warehouses, and the sessions logged in to it.
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

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

/** The roles that may run user DDL. */
export const ADMIN_ROLES = ["ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN"];
/** Snowflake's system role hierarchy: each role holds the roles listed. */
export const SYSTEM_ROLES: Record<string, string[]> = {
  ACCOUNTADMIN: ["SECURITYADMIN", "SYSADMIN"],
  SECURITYADMIN: ["USERADMIN"],
  USERADMIN: [],
  SYSADMIN: [],
  PUBLIC: [],
};

export interface User {
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

export interface SnowflakeState {
  users: Record<string, User>;
  /** Each role with the roles granted to it (GRANT ROLE r TO ROLE this). */
  roles: Record<string, { name: string; roles?: string[] }>;
  warehouses: Record<string, { name: string }>;
}

export interface Session {
  user: string;
  role: string;
  warehouse: string | null;
}

export function hashPassword(password: string, salt = randomBytes(16).toString("hex")) {
  return { salt, passwordHash: scryptSync(password, salt, 32).toString("hex") };
}

export function passwordMatches(user: User, password: string): boolean {
  if (!user.passwordHash || !user.salt) return false;
  const given = scryptSync(password, user.salt, 32);
  return timingSafeEqual(given, Buffer.from(user.passwordHash, "hex"));
}

/** The roles `roles` hold, themselves included, through the hierarchy. */
export function heldRoles(state: SnowflakeState, roles: string[]): string[] {
  const out = new Set<string>();
  const visit = (r: string) => {
    if (out.has(r)) return;
    out.add(r);
    for (const h of state.roles[r]?.roles ?? SYSTEM_ROLES[r] ?? []) visit(h);
  };
  roles.forEach(visit);
  return [...out];
}

export function seed(): SnowflakeState {
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
