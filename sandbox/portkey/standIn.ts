// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_PORTKEY
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18006,
  create: () => new (require("./index") as typeof import("./index")).PortkeySandbox(),
  login: () => {
    const s = (require("./state") as typeof import("./state")).PORTKEY_SANDBOX;
    return `path /v1; API key ${s.apiKey}`;
  },
};
