// Guardrails: addressed by id or slug; unknown ones are answered 403, as documented ("Forbidden -
// guardrail not found or insufficient permissions").
import { randomUUID } from "node:crypto";
import type { Handler } from "../core";
import { assignDefined, clone } from "../core/util";
import type { PortkeySandbox } from "./index";
import { defined, type Guardrail, hex, now, PORTKEY_SANDBOX, page } from "./state";

/** A create request of a guardrail, as validated by the harness. */
interface GuardrailBody {
  name: string;
  checks: unknown;
  actions: unknown;
  workspace_id?: string;
}

function guardSummary(g: Guardrail) {
  const { checks: _c, actions: _a, version_id: _v, ...rest } = g;
  return defined(rest);
}

export function guardrailRoutes(s: PortkeySandbox): Record<string, Handler> {
  const find = (idOrSlug: string) =>
    s.state.guardrails[idOrSlug] ?? Object.values(s.state.guardrails).find((g) => g.id === idOrSlug);
  const gone = () => s.problem(403, "forbidden", "Guardrail not found or you do not have access to it");
  return {
    createGuardrail: (ctx) => {
      const b = ctx.body as GuardrailBody;
      const id = randomUUID();
      const g: Guardrail = {
        id,
        name: b.name,
        slug: `guard_${hex(4)}`,
        organisation_id: PORTKEY_SANDBOX.organisationId,
        workspace_id: b.workspace_id || PORTKEY_SANDBOX.workspaceId,
        status: "active",
        created_at: now(),
        last_updated_at: now(),
        owner_id: PORTKEY_SANDBOX.ownerId,
        checks: b.checks,
        actions: b.actions,
        version_id: randomUUID(),
      };
      s.state.guardrails[g.slug] = g;
      s.save();
      return { status: 200, body: { id, slug: g.slug, version_id: g.version_id } };
    },
    listGuardrails: (ctx) => {
      const all = Object.values(s.state.guardrails).filter(
        (g) => !ctx.query.workspace_id || g.workspace_id === ctx.query.workspace_id,
      );
      return { status: 200, body: { data: page(ctx, all, 100).map(guardSummary), total: all.length } };
    },
    getGuardrail: (ctx) => {
      const g = find(ctx.params.guardrailId);
      if (!g) return gone();
      const { version_id: _v, ...rest } = g;
      return { status: 200, body: defined(clone(rest)) };
    },
    updateGuardrail: (ctx) => {
      const g = find(ctx.params.guardrailId);
      if (!g) return gone();
      assignDefined(g, (ctx.body ?? {}) as Partial<GuardrailBody>, ["name", "checks", "actions"]);
      g.version_id = randomUUID();
      g.last_updated_at = now();
      s.save();
      return { status: 200, body: { id: g.id, slug: g.slug, version_id: g.version_id } };
    },
    deleteGuardrail: (ctx) => {
      const g = find(ctx.params.guardrailId);
      if (!g) return gone();
      delete s.state.guardrails[g.slug];
      s.save();
      return { status: 200 };
    },
  };
}
