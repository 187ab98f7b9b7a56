// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_AWS
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18010,
  create: () => new (require("./index") as typeof import("./index")).AwsSandbox(),
  login: () => {
    const s = (require("./state") as typeof import("./state")).AWS_SANDBOX;
    return `access key ${s.admin.accessKeyId}, secret ${s.admin.secretAccessKey}, region ${s.region}, bucket ${s.bucket} (aws:endpoints pointing at the stand-in)`;
  },
};
