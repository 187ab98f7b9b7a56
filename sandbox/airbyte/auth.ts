// Client-credentials access tokens, which expire after settings.tokenLifetimeSeconds.
import { randomBytes } from "node:crypto";
import type { Handler } from "../core";
import type { AirbyteSandbox } from "./index";

/** A token request (the description's TokenRequest), as validated by the harness. */
interface TokenBody {
  client_id?: string;
  client_secret?: string;
  grant_type?: string;
}

export function authRoutes(s: AirbyteSandbox): Record<string, Handler> {
  return {
    createAccessToken: (ctx) => {
      const b = (ctx.body ?? {}) as TokenBody;
      const app = s.state.applications[String(b.client_id)];
      if (b.grant_type !== undefined && b.grant_type !== "client_credentials") {
        return s.problem(400, "bad-request", "grant_type must be client_credentials");
      }
      if (!app || app.clientSecret !== b.client_secret) {
        return s.problem(403, "forbidden", "Invalid client_id or client_secret");
      }
      const token = randomBytes(24).toString("base64url");
      s.state.tokens[token] = Date.now() + s.tokenLifetime * 1000;
      s.save();
      return {
        status: 200,
        body: { access_token: token, token_type: "Bearer", expires_in: s.tokenLifetime },
      };
    },
  };
}
