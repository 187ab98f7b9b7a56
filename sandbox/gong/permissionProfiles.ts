// Permission profiles: create, get, update, list (Gong has no delete), names unique per workspace, and
// 400 (not 404) for a workspace or profile id Gong does not know, as documented.
import { randomInt } from "node:crypto";
import type { Handler } from "../core";
import { clone, isPlainObject } from "../core/util";
import type { GongSandbox } from "./index";
import { type Profile, requestId } from "./state";

const numericId = (digits: number) =>
  String(randomInt(1, 10)) + Array.from({ length: digits - 1 }, () => randomInt(0, 10)).join("");

/** The members of a folder access that need a permissionLevel other than "none". */
const FOLDER_GRANTS = [
  "libraryFolderIds",
  "managePublicFolder",
  "manageStreams",
  "manageFolderCalls",
  "shareFoldersAndStreams",
];

/** What is wrong with a profile's combination of permissions, if anything. */
function invalid(b: Record<string, unknown>): string | undefined {
  for (const k of ["libraryFolderAccess"]) {
    const a = b[k];
    if (isPlainObject(a) && a.permissionLevel === "none") {
      const set = FOLDER_GRANTS.filter((f) => {
        const v = a[f];
        return Array.isArray(v) ? v.length > 0 : v === true;
      });
      if (set.length) return `${k}: ${set.join(", ")} require a permissionLevel other than "none"`;
    }
  }
  return undefined;
}

function profileView(p: Profile) {
  const { workspaceId: _w, ...view } = p;
  return view;
}

export function permissionProfileRoutes(s: GongSandbox): Record<string, Handler> {
  const unknownWorkspace = (id: unknown) => s.problem(400, "bad-request", `Workspace ${id} does not exist`);
  // Gong documents 400 (not 404) for a profile id it does not know.
  const notFound = (id: unknown) => s.problem(400, "bad-request", `Permission profile ${id} was not found`);
  const sameName = (workspaceId: string, name: unknown, except?: string) =>
    Object.values(s.state.profiles).find(
      (p) => p.workspaceId === workspaceId && p.name === name && p.id !== except,
    );
  const duplicate = (name: unknown) =>
    s.problem(400, "bad-request", `A permission profile named "${name}" already exists`);
  /** A new profile's defaults: every boolean permission of Gong's PermissionProfileDTO false, as in Gong. */
  const defaults = (): Record<string, unknown> => {
    const dto = s.spec.doc.components.schemas.PermissionProfileDTO.properties as Record<
      string,
      { type?: string }
    >;
    const out: Record<string, unknown> = {};
    for (const f of Object.keys(dto)) if (dto[f].type === "boolean") out[f] = false;
    for (const a of ["callsAccess", "dealsAccess", "emailsAccess", "libraryFolderAccess"]) {
      out[a] = { permissionLevel: "none" };
    }
    return out;
  };

  return {
    listPermissionProfile: (ctx) => {
      const ws = String(ctx.query.workspaceId);
      if (!s.state.workspaces[ws]) return unknownWorkspace(ws);
      const profiles = Object.values(s.state.profiles)
        .filter((p) => p.workspaceId === ws)
        .map(profileView);
      return { status: 200, body: { requestId: requestId(), profiles } };
    },
    getPermissionProfile: (ctx) => {
      const p = s.state.profiles[String(ctx.query.profileId)];
      return p
        ? { status: 200, body: { requestId: requestId(), profile: profileView(p) } }
        : notFound(ctx.query.profileId);
    },
    createPermissionProfile: (ctx) => {
      const ws = String(ctx.query.workspaceId);
      const b = (ctx.body ?? {}) as Record<string, unknown>;
      if (!s.state.workspaces[ws]) return unknownWorkspace(ws);
      if (typeof b.name !== "string" || !b.name.trim())
        return s.problem(400, "bad-request", "name is required");
      if (sameName(ws, b.name)) return duplicate(b.name);
      const problem = invalid(b);
      if (problem) return s.problem(400, "bad-request", problem);
      const id = numericId(19);
      const { id: _ignored, ...fields } = b;
      const stored: Profile = { ...defaults(), ...clone(fields), name: b.name, id, workspaceId: ws };
      s.state.profiles[id] = stored;
      s.save();
      return { status: 200, body: { requestId: requestId(), profile: profileView(stored) } };
    },
    updatePermissionProfile: (ctx) => {
      const id = String(ctx.query.profileId);
      const p = s.state.profiles[id];
      if (!p) return notFound(id);
      const { id: _ignored, ...fields } = (ctx.body ?? {}) as Record<string, unknown>;
      if (fields.name !== undefined && sameName(p.workspaceId, fields.name, id))
        return duplicate(fields.name);
      const next: Profile = { ...p, ...clone(fields) };
      const problem = invalid(next);
      if (problem) return s.problem(400, "bad-request", problem);
      s.state.profiles[id] = next;
      s.save();
      return { status: 200, body: { requestId: requestId(), profile: profileView(next) } };
    },
  };
}
