// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_GONG
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18004,
  create: () => new (require("./index") as typeof import("./index")).GongSandbox(),
  login: () => {
    const s = (require("./state") as typeof import("./state")).GONG_SANDBOX;
    return `access key ${s.accessKey}, secret ${s.accessKeySecret}, workspace ${s.workspaceId}`;
  },
};
