// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_AIRBYTE
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18001,
  create: () => new (require("./index") as typeof import("./index")).AirbyteSandbox(),
  login: () => {
    const s = (require("./state") as typeof import("./state")).AIRBYTE_SANDBOX;
    return `path /v1; client id ${s.clientId}, secret ${s.clientSecret}, workspace ${s.workspaceId}`;
  },
};
