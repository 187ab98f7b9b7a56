// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_VERCEL
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18011,
  create: () => new (require("./index") as typeof import("./index")).VercelSandbox(),
  login: () => {
    const s = (require("./state") as typeof import("./state")).VERCEL_SANDBOX;
    return `token ${s.token}, team ${s.team.slug} (${s.team.id}), project ${s.project}`;
  },
};
