// Sessions: a refresh token ({id, secret}, base64 JSON as flowctl stores it) is exchanged through the RPC
// generate_access_token for a short-lived JWT (settings.tokenLifetimeSeconds); a single-use refresh
// token is replaced by a new one in the answer.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { Handler } from "../core";
import type { EstuarySandbox } from "./index";
import { pgError } from "./postgrest";
import { flowId } from "./state";

const JWT_KEY = "sandbox-jwt-signing-key";
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

/** A signed HS256 JWT for the sandbox user, valid for `lifetime` seconds. */
function jwt(lifetime: number): string {
  const iat = Math.floor(Date.now() / 1000);
  const head = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({
    sub: "00000000-0000-4000-8000-000000000001",
    role: "authenticated",
    iat,
    exp: iat + lifetime,
    jti: randomUUID(),
  })}`;
  return `${head}.${createHmac("sha256", JWT_KEY).update(head).digest("base64url")}`;
}

export function authRoutes(s: EstuarySandbox): Record<string, Handler> {
  return {
    generateAccessToken: (ctx) => {
      const b = ctx.body as { refresh_token_id: string; secret: string };
      const rt = s.state.refreshTokens[b.refresh_token_id];
      if (!rt || rt.secret !== b.secret) return pgError(400, "P0001", "invalid refresh token or secret");
      const lifetime = s.tokenLifetime;
      const token = jwt(lifetime);
      s.state.tokens[token] = Date.now() + lifetime * 1000;
      let next: { id: string; secret: string } | null = null;
      if (!rt.multiUse) {
        delete s.state.refreshTokens[rt.id];
        next = { id: flowId(), secret: randomBytes(16).toString("hex") };
        s.state.refreshTokens[next.id] = { ...next, multiUse: false };
      }
      s.save();
      return { status: 200, body: { access_token: token, refresh_token: next } };
    },
  };
}
