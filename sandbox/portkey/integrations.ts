// Integrations: the Model Catalog's credentials for an AI provider. A workspace integration gets a
// default provider unless asked not to; deleting an integration deletes its providers.
import { randomUUID } from "node:crypto";
import type { Handler } from "../core";
import { assignDefined } from "../core/util";
import type { PortkeySandbox } from "./index";
import { newProvider } from "./providers";
import { defined, type Integration, now, PORTKEY_SANDBOX, page, slugFrom } from "./state";

/** A create request of an integration, as validated by the harness. */
interface IntegrationBody {
  name: string;
  ai_provider_id: string;
  slug?: string;
  key?: string;
  description?: string;
  workspace_id?: string;
  create_default_provider?: boolean;
  default_provider_slug?: string;
}

function integrationView(i: Integration) {
  const { key, ...rest } = i;
  return defined({
    ...rest,
    masked_key: key ? `${String(key).slice(0, 3)}*****${String(key).slice(-2)}` : undefined,
  });
}

export function integrationRoutes(s: PortkeySandbox): Record<string, Handler> {
  const notFound = (slug: string) => s.problem(404, "not-found", `Integration ${slug} not found`);
  return {
    "get /integrations": (ctx) => {
      const all = Object.values(s.state.integrations).filter(
        (i) => !ctx.query.workspace_id || !i.workspace_id || i.workspace_id === ctx.query.workspace_id,
      );
      const data = page(ctx, all, 100).map((i) => {
        const { masked_key: _m, workspace_id: _w, ...summary } = integrationView(i);
        return summary;
      });
      return { status: 200, body: { object: "list", total: all.length, data } };
    },
    "post /integrations": (ctx) => {
      const b = ctx.body as IntegrationBody;
      const slug = b.slug ?? slugFrom(b.name);
      if (s.state.integrations[slug])
        return s.problem(400, "bad-request", `An integration with slug ${slug} already exists`);
      const stored = defined<Integration>({
        id: randomUUID(),
        organisation_id: PORTKEY_SANDBOX.organisationId,
        ai_provider_id: b.ai_provider_id,
        name: b.name,
        slug,
        description: b.description,
        status: "active",
        key: b.key,
        workspace_id: b.workspace_id,
        created_at: now(),
        last_updated_at: now(),
        object: "integration",
      });
      s.state.integrations[slug] = stored;
      if (b.workspace_id && b.create_default_provider !== false) {
        const pslug = b.default_provider_slug ?? slug;
        s.state.providers[pslug] = newProvider({ name: b.name, integration_id: slug, slug: pslug });
      }
      s.save();
      return { status: 200, body: { id: stored.id, slug } };
    },
    "get /integrations/{slug}": (ctx) => {
      const i = s.state.integrations[ctx.params.slug];
      return i ? { status: 200, body: integrationView(i) } : notFound(ctx.params.slug);
    },
    "put /integrations/{slug}": (ctx) => {
      const i = s.state.integrations[ctx.params.slug];
      if (!i) return notFound(ctx.params.slug);
      assignDefined(i, (ctx.body ?? {}) as Partial<Integration>, ["name", "key", "description"]);
      i.last_updated_at = now();
      s.save();
      return { status: 200, body: {} };
    },
    "delete /integrations/{slug}": (ctx) => {
      const i = s.state.integrations[ctx.params.slug];
      if (!i) return notFound(ctx.params.slug);
      // the workspaces' providers of an integration go with it
      for (const [slug, p] of Object.entries(s.state.providers))
        if (p.integration_id === i.slug) delete s.state.providers[slug];
      delete s.state.integrations[i.slug];
      s.save();
      return { status: 200, body: {} };
    },
  };
}
