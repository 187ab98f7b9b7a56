// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_OPENROUTER
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18007,
  create: () => new (require("./index") as typeof import("./index")).OpenRouterSandbox(),
  login: () => {
    const s = (require("./state") as typeof import("./state")).OPENROUTER_SANDBOX;
    return `path /api/v1; management key ${s.managementKey}`;
  },
};
