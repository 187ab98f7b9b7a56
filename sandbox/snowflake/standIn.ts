// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_SNOWFLAKE
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18009,
  create: () => new (require("./index") as typeof import("./index")).SnowflakeSandbox(),
  login: () => {
    const s = (require("./state") as typeof import("./state")).SNOWFLAKE_SANDBOX;
    return `account ${s.account} (snowflake:organizationName ${s.organizationName}, snowflake:accountName ${s.accountName}), user ${s.adminUser}, password ${s.adminPassword}, role ${s.adminRole}, warehouse ${s.warehouse}`;
  },
};
