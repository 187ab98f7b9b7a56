// Drafts, their staged specs (draft_specs: upsert on draft_id,catalog_name with Prefer
// resolution=merge-duplicates) and the errors of their last publication (draft_errors).
import type { Handler } from "../core";
import type { EstuarySandbox } from "./index";
import { deleted, filtered, pgError, prefer, rows } from "./postgrest";
import { type DraftSpec, dropDraft, type FlowSpec, flowId, now } from "./state";

/** A staged spec as upserted (absent members are null). */
interface DraftSpecBody {
  draft_id: string;
  catalog_name: string;
  spec_type?: string | null;
  spec?: FlowSpec | null;
  expect_pub_id?: string | null;
}

/** Why a staged spec cannot be written (the table's constraints), if it cannot. */
function constraintError(s: EstuarySandbox, r: DraftSpecBody, merge: boolean) {
  if (!s.state.drafts[r.draft_id]) {
    return pgError(
      409,
      "23503",
      'insert or update on table "draft_specs" violates foreign key constraint "draft_specs_draft_id_fkey"',
      `Key (draft_id)=(${r.draft_id}) is not present in table "drafts".`,
    );
  }
  if (((r.spec ?? null) === null) !== ((r.spec_type ?? null) === null)) {
    return pgError(
      400,
      "23514",
      'new row for relation "draft_specs" violates check constraint "draft_specs_spec_type_check"',
      "spec and spec_type are both null (a deletion) or both set",
    );
  }
  if (s.state.draft_specs[`${r.draft_id}|${r.catalog_name}`] && !merge) {
    return pgError(
      409,
      "23505",
      'duplicate key value violates unique constraint "draft_specs_pkey"',
      `Key (draft_id, catalog_name)=(${r.draft_id}, ${r.catalog_name}) already exists.`,
    );
  }
  return undefined;
}

export function draftRoutes(s: EstuarySandbox): Record<string, Handler> {
  return {
    listDrafts: (ctx) => rows(ctx, filtered(ctx, Object.values(s.state.drafts), ["id", "detail"])),
    createDraft: (ctx) => {
      const id = flowId();
      const detail = (ctx.body as { detail?: string | null }).detail ?? null;
      const draft = { id, created_at: now(), updated_at: now(), detail };
      s.state.drafts[id] = draft;
      s.save();
      return rows(ctx, [draft], 201);
    },
    deleteDrafts: (ctx) => {
      const gone = filtered(ctx, Object.values(s.state.drafts), ["id"]);
      for (const d of gone) dropDraft(s.state, d.id);
      s.save();
      return deleted(ctx, gone);
    },
    upsertDraftSpecs: (ctx) => {
      const incoming = (Array.isArray(ctx.body) ? ctx.body : [ctx.body]) as DraftSpecBody[];
      const merge = prefer(ctx, "resolution=merge-duplicates");
      const out: DraftSpec[] = [];
      for (const r of incoming) {
        const refused = constraintError(s, r, merge);
        if (refused) return refused;
        const row: DraftSpec = {
          draft_id: r.draft_id,
          catalog_name: r.catalog_name,
          spec_type: r.spec_type ?? null,
          spec: r.spec ?? null,
          expect_pub_id: r.expect_pub_id ?? null,
        };
        s.state.draft_specs[`${r.draft_id}|${r.catalog_name}`] = row;
        out.push(row);
      }
      s.state.drafts[incoming[0].draft_id].updated_at = now();
      s.save();
      return rows(ctx, out, 201);
    },
    deleteDraftSpecs: (ctx) => {
      const gone = filtered(ctx, Object.values(s.state.draft_specs), ["draft_id"]);
      for (const r of gone) delete s.state.draft_specs[`${r.draft_id}|${r.catalog_name}`];
      s.save();
      return deleted(ctx, gone);
    },
    listDraftErrors: (ctx) => rows(ctx, filtered(ctx, Object.values(s.state.draft_errors), ["draft_id"])),
  };
}
