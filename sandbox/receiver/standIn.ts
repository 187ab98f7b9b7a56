// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_RECEIVER
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
// Sophia's own Gong webhook receiver, the consumer of the rotated gong secret.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18012,
  create: () => new (require("./index") as typeof import("./index")).ReceiverSandbox(),
  login: () =>
    "Sophia's own app, the consumer of the rotated gong secret: /api/webhooks/gong accepts the key of the sandbox stack's current gongWebhookSetup output",
};
