// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_SLACK
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18003,
  create: () => new (require("./index") as typeof import("./index")).SlackSandbox(),
  login: () => {
    const s = (require("./index") as typeof import("./index")).SLACK_SANDBOX;
    return `webhook path ${s.webhookPath} (SLACK_WEBHOOK_URL)`;
  },
};
