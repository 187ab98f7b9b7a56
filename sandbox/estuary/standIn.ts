// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_ESTUARY
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18005,
  create: () => new (require("./index") as typeof import("./index")).EstuarySandbox(),
  login: () => {
    const s = (require("./state") as typeof import("./state")).ESTUARY_SANDBOX;
    return `path ${s.restPath}; refresh token id ${s.refreshTokenId}, secret ${s.refreshTokenSecret} (estuaryRefreshToken is base64 of {"id","secret"}); tenant ${s.tenant}`;
  },
};
