// `sophia check` for Snowflake: a login as the provider's user (snowflake:* keys), which proves the account
// is reachable, the password right, and the role and warehouse granted.
import { isUnavailable, ProbeFailure, unavailable } from "../../cli/probeKit";
import {
  isSnowflakeFailure,
  LOGIN_REFUSED,
  loginFromConfig,
  ROLE_NOT_GRANTED,
  type SnowflakeFailure,
  sessionIdentity,
  WAREHOUSE_REFUSED,
} from "../../cli/snowflake";
import type { Probe } from "../spec";

const host = "snowflake:organizationName and snowflake:accountName (and snowflake:host if set)";

/** The stage of a failed login to `accessUrl`. */
function loginFailure(err: SnowflakeFailure, accessUrl: string): ProbeFailure {
  if (err.kind === "network" && isUnavailable(err.status)) {
    return unavailable("Snowflake", err.status ?? 0, err.message);
  }
  if (err.kind === "network") {
    return new ProbeFailure(
      "reachable",
      `Snowflake (${accessUrl}) is unreachable: ${err.message}${err.status ? ` (HTTP ${err.status})` : ""}`,
      `check ${host}, and that this network may reach it (firewall, VPN, network policy)`,
    );
  }
  if (err.kind === "client") {
    return new ProbeFailure(
      "config",
      `Snowflake's driver refused the settings: ${err.message}`,
      `check ${host}`,
    );
  }
  if (err.code === LOGIN_REFUSED) {
    return new ProbeFailure(
      "authenticated",
      `Snowflake refused the login (${err.code}): ${err.message}`,
      `check snowflake:user and snowflake:password, and ${host}: a wrong account answers the same way`,
    );
  }
  if (err.code === ROLE_NOT_GRANTED) {
    return new ProbeFailure(
      "permitted",
      `Snowflake refused the session (${err.code}): ${err.message}`,
      "grant the role to snowflake:user (GRANT ROLE ... TO USER ...) or change snowflake:role",
    );
  }
  if (err.code === WAREHOUSE_REFUSED) {
    return new ProbeFailure(
      "permitted",
      `Snowflake refused the session (${err.code}): ${err.message}`,
      "grant USAGE on the warehouse to the user's role, or check the warehouse name",
    );
  }
  return new ProbeFailure("reachable", `Snowflake answered ${err.code}: ${err.message}`, `check ${host}`);
}

export const PROBE: Probe = {
  requires: [
    { key: "snowflake:organizationName" },
    { key: "snowflake:accountName" },
    { key: "snowflake:user" },
    { key: "snowflake:password", secret: true },
  ],
  run: async (get, signal) => {
    const login = loginFromConfig(get, get("snowflake:user"), get("snowflake:password"));
    try {
      const who = await sessionIdentity(login, signal);
      return `logged in as ${who.user} with role ${who.role}`;
    } catch (err) {
      if (!isSnowflakeFailure(err)) throw err;
      throw loginFailure(err, login.accessUrl);
    }
  },
};
