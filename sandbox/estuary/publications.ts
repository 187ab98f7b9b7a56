// Publications: queued for settings.queuedPolls polls, then carried out → success | buildFailed |
// expectPubIdMismatch | emptyDraft, with draft_errors {scope, detail}. Success writes live_specs with a
// new publication id and deletes the draft; a null spec deletes.
import { randomUUID } from "node:crypto";
import type { Handler } from "../core";
import { type BuildError, buildErrors, scopeOf } from "./build";
import type { EstuarySandbox } from "./index";
import { filtered, pgError, rows } from "./postgrest";
import {
  clearDraftErrors,
  type DraftSpec,
  dropDraft,
  flowId,
  liveByName,
  now,
  type Publication,
  ZERO_ID,
} from "./state";

/** The staged specs whose expected publication id is not the live one. */
function pubIdMismatches(s: EstuarySandbox, specs: DraftSpec[]): BuildError[] {
  const lastPub = (r: DraftSpec) => liveByName(s.state, r.catalog_name)?.last_pub_id ?? ZERO_ID;
  return specs
    .filter(
      (r) => r.expect_pub_id !== null && r.expect_pub_id !== undefined && lastPub(r) !== r.expect_pub_id,
    )
    .map((r) => ({
      scope: scopeOf(s, r),
      detail: `expected publication ID ${r.expect_pub_id} was not matched (it's actually ${lastPub(r)}): your changes have already been published or another publication has modified this spec; please try again with a fresh copy of the spec.`,
    }));
}

/** Writes the staged specs to live_specs under a new publication id (a null spec deletes); returns the id. */
function commit(s: EstuarySandbox, specs: DraftSpec[]): string {
  const pubId = flowId();
  for (const r of specs) {
    const live = liveByName(s.state, r.catalog_name);
    if (r.spec === null || r.spec_type === null) {
      if (live) delete s.state.live_specs[live.id];
      continue;
    }
    const id = live?.id ?? flowId();
    s.state.live_specs[id] = {
      id,
      catalog_name: r.catalog_name,
      spec_type: r.spec_type,
      spec: r.spec,
      last_pub_id: pubId,
      created_at: live?.created_at ?? now(),
      updated_at: now(),
    };
  }
  return pubId;
}

/** Carries out a publication; answers its final job status. */
function carryOut(s: EstuarySandbox, pub: Publication): string {
  const draftId = pub.draft_id;
  const specs = Object.values(s.state.draft_specs).filter((r) => r.draft_id === draftId);
  clearDraftErrors(s.state, draftId);
  const fail = (status: string, errors: BuildError[]) => {
    for (const e of errors) s.state.draft_errors[randomUUID()] = { draft_id: draftId, ...e };
    return status;
  };
  if (!s.state.drafts[draftId] || specs.length === 0) return "emptyDraft";
  const mismatched = pubIdMismatches(s, specs);
  if (mismatched.length) return fail("expectPubIdMismatch", mismatched);
  const errors = buildErrors(s, specs);
  if (errors.length) return fail("buildFailed", errors);
  if (pub.dry_run) return "success";
  pub._pub_id = commit(s, specs);
  dropDraft(s.state, draftId);
  return "success";
}

/** Advances a queued publication by one poll; at the end of its queue it is carried out. */
function advance(s: EstuarySandbox, pub: Publication): void {
  if (pub.job_status.type !== "queued") return;
  pub._polls = (pub._polls ?? 0) + 1;
  if (pub._polls <= Number(s.settings.queuedPolls ?? 1)) return;
  pub.job_status = { type: carryOut(s, pub) };
  pub.updated_at = now();
}

export function publicationRoutes(s: EstuarySandbox): Record<string, Handler> {
  return {
    createPublication: (ctx) => {
      const b = ctx.body as {
        draft_id: string;
        dry_run?: boolean;
        detail?: string;
        data_plane_name?: string;
      };
      if (!s.state.drafts[b.draft_id]) {
        return pgError(
          409,
          "23503",
          'insert or update on table "publications" violates foreign key constraint "publications_draft_id_fkey"',
          `Key (draft_id)=(${b.draft_id}) is not present in table "drafts".`,
        );
      }
      const id = flowId();
      const pub: Publication = {
        id,
        draft_id: b.draft_id,
        dry_run: b.dry_run ?? false,
        detail: b.detail ?? null,
        data_plane_name: b.data_plane_name ?? null,
        logs_token: randomUUID(),
        created_at: now(),
        updated_at: now(),
        job_status: { type: "queued" },
      };
      s.state.publications[id] = pub;
      s.save();
      return rows(ctx, [pub], 201);
    },
    getPublications: (ctx) => {
      const found = filtered(ctx, Object.values(s.state.publications), ["id", "draft_id"]);
      for (const p of found) advance(s, p);
      s.save();
      return rows(ctx, found);
    },
  };
}
