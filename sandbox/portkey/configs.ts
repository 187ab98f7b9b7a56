// Gateway configs: Portkey makes the slug; create answers {id, version_id} and every update makes a
// new version.
import { randomUUID } from "node:crypto";
import type { Handler } from "../core";
import { assignDefined, clone } from "../core/util";
import type { PortkeySandbox } from "./index";
import { type Config, hex, now, PORTKEY_SANDBOX } from "./state";

/** A create or update request of a config, as validated by the harness. */
interface ConfigBody {
  name?: string;
  config?: unknown;
  status?: string;
  isDefault?: number;
  workspace_id?: string;
}

function configSummary(c: Config) {
  const { config: _c, version_id: _v, ...rest } = c;
  return rest;
}

export function configRoutes(s: PortkeySandbox): Record<string, Handler> {
  const notFound = (slug: string) => s.problem(404, "not-found", `Config ${slug} not found`);
  return {
    listConfigs: () => ({
      status: 200,
      body: { success: true, data: Object.values(s.state.configs).map(configSummary) },
    }),
    createConfig: (ctx) => {
      const b = (ctx.body ?? {}) as ConfigBody;
      if (typeof b.name !== "string" || !b.name) return s.problem(400, "bad-request", "name is required");
      const slug = `pc-${b.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "")
        .slice(0, 6)}-${hex(3)}`;
      const c: Config = {
        id: randomUUID(),
        name: b.name,
        slug,
        organisation_id: PORTKEY_SANDBOX.organisationId,
        workspace_id: b.workspace_id || PORTKEY_SANDBOX.workspaceId,
        is_default: b.isDefault ?? 0,
        status: "active",
        owner_id: PORTKEY_SANDBOX.ownerId,
        updated_by: PORTKEY_SANDBOX.ownerId,
        created_at: now(),
        last_updated_at: now(),
        config: b.config ?? {},
        version_id: randomUUID(),
      };
      s.state.configs[slug] = c;
      s.save();
      return { status: 200, body: { success: true, data: { id: c.id, version_id: c.version_id } } };
    },
    getConfig: (ctx) => {
      const c = s.state.configs[ctx.params.slug];
      // the description's 200 lists only data.config (name, slug, status come from listConfigs)
      return c
        ? { status: 200, body: { success: true, data: { config: clone(c.config) } } }
        : notFound(ctx.params.slug);
    },
    updateConfig: (ctx) => {
      const c = s.state.configs[ctx.params.slug];
      if (!c) return notFound(ctx.params.slug);
      assignDefined(c, (ctx.body ?? {}) as ConfigBody, ["name", "config", "status"]);
      c.version_id = randomUUID();
      c.last_updated_at = now();
      s.save();
      return { status: 200, body: { success: true, data: { version_id: c.version_id } } };
    },
    deleteConfig: (ctx) => {
      const c = s.state.configs[ctx.params.slug];
      if (!c) return notFound(ctx.params.slug);
      delete s.state.configs[c.slug];
      s.save();
      return { status: 200, body: {} };
    },
  };
}
