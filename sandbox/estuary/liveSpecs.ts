// The published catalog (live_specs), and the HTTP-ingest capture's webhook /ingest/<capture>/<path>,
// which accepts a document only with the bearer token in the capture's live endpoint config
// (require_auth_token), decrypted first when the config is sops-encrypted, as Flow's runtime decrypts a
// config before handing it to the connector.
import { randomUUID } from "node:crypto";
import type { Handler } from "../core";
import type { EstuarySandbox } from "./index";
import { filtered, pgError, rows } from "./postgrest";
import { liveByName, now } from "./state";

export function liveSpecRoutes(s: EstuarySandbox): Record<string, Handler> {
  return {
    listLiveSpecs: (ctx) =>
      rows(ctx, filtered(ctx, Object.values(s.state.live_specs), ["id", "catalog_name"])),
    ingestDocument: (ctx) => {
      const capture = liveByName(s.state, ctx.params.capture);
      const route = `/${ctx.params.path}`;
      const binding = (capture?.spec?.bindings ?? []).find((b) => b.resource?.path === route);
      if (capture?.spec_type !== "capture" || !binding) {
        return pgError(404, "404", `no HTTP-ingest path ${route} on capture ${ctx.params.capture}`);
      }
      const expected = s.connectorConfig(capture.spec).require_auth_token;
      const auth = String(ctx.headers.authorization ?? "");
      if (expected && auth !== `Bearer ${expected}`) {
        return pgError(401, "401", "invalid or missing bearer token");
      }
      const docs: unknown[] = Array.isArray(ctx.body) ? ctx.body : [ctx.body];
      for (const doc of docs) {
        const id = randomUUID();
        s.state.ingested[id] = { id, collection: binding.target, doc, at: now() };
      }
      s.save();
      return { status: 200, body: { published: docs.length } };
    },
  };
}
