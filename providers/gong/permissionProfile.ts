// GongPermissionProfile: a permission profile in one workspace (/v2/permission-profile,
// /v2/all-permission-profiles).
//
// Gong's API cannot delete a permission profile. Removing one from the program (or replacing it) leaves it
// in Gong: delete succeeds without an API call and warns, naming the profile, so an admin can remove it in
// Gong's UI (Company settings → Permission profiles). `pulumi.log.warn` has no engine connection inside a
// dynamic provider (pulumi/pulumi#6065), so it falls back to the provider's stderr, which the engine shows
// as the resource's output (since pulumi/pulumi#18253); the GongWorkspace component also warns at program
// time, as a structured warning, listing the profiles it manages.

import * as pulumi from "@pulumi/pulumi";
import { GONG_PROFILE_FLAGS } from "../../integrations/gong/keys";
import { type CheckFailure, deepEqual, isPlainObject, isUnknown } from "../dynamic";
import { isApiError } from "../http/client";
import { dynamicProvider, dynamicResource, str } from "../kit";
import { configuredGong, type GongClient, type PermissionProfile } from "./client";

/** Boolean permission flags of PermissionProfileDTO (defined once, with the config's shape). */
export const PROFILE_FLAGS: readonly string[] = GONG_PROFILE_FLAGS;

/** Access objects with a scoped permission level ({permissionLevel, teamLeadIds}). */
export const SCOPED_ACCESSES = ["callsAccess", "dealsAccess", "emailsAccess"];
const SCOPED_LEVELS = ["all", "managers-team", "report-to-them", "own", "none"];
const LIBRARY_LEVELS = ["none", "all", "specific-folders"];
const LIBRARY_FLAGS = ["managePublicFolder", "manageStreams", "manageFolderCalls", "shareFoldersAndStreams"];

export interface PermissionProfileInputs {
  workspaceId: string;
  name: string;
  /** Permission fields of Gong's PermissionProfileDTO; only the fields set here are managed. */
  permissions: Record<string, unknown>;
}

export interface PermissionProfileOutputs extends PermissionProfileInputs {
  profileId: string;
}

const WORKSPACE_ID = { re: /^\d{1,20}$/, what: "Gong's numeric workspace id (up to 20 digits)" };

/** Problems with a permissions object, each naming its path. */
export function permissionProblems(permissions: unknown): CheckFailure[] {
  const out: CheckFailure[] = [];
  const fail = (path: string, reason: string) =>
    out.push({ property: "permissions", reason: `permissions.${path} ${reason}` });
  if (isUnknown(permissions)) return out;
  if (!isPlainObject(permissions))
    return [{ property: "permissions", reason: "permissions must be an object" }];
  for (const [k, v] of Object.entries(permissions)) {
    if (v === undefined || isUnknown(v)) continue;
    if (PROFILE_FLAGS.includes(k)) {
      if (typeof v !== "boolean") fail(k, "must be true or false");
    } else if (SCOPED_ACCESSES.includes(k)) {
      if (!isPlainObject(v)) {
        fail(k, "must be an object {permissionLevel, teamLeadIds?}");
        continue;
      }
      const level = v.permissionLevel;
      if (!isUnknown(level) && !SCOPED_LEVELS.includes(level as string)) {
        fail(
          `${k}.permissionLevel`,
          `must be one of ${SCOPED_LEVELS.join(", ")}; got ${JSON.stringify(level)}`,
        );
      }
      if (v.teamLeadIds !== undefined && !isUnknown(v.teamLeadIds)) {
        if (!Array.isArray(v.teamLeadIds) || v.teamLeadIds.some((x) => typeof x !== "string")) {
          fail(`${k}.teamLeadIds`, "must be a list of user ids");
        } else if (v.teamLeadIds.length > 0 && level !== "managers-team") {
          fail(`${k}.teamLeadIds`, 'is only used with permissionLevel "managers-team"');
        }
      }
      for (const extra of Object.keys(v).filter((x) => x !== "permissionLevel" && x !== "teamLeadIds")) {
        fail(`${k}.${extra}`, "is not a field of Gong's access permission");
      }
    } else if (k === "libraryFolderAccess") {
      if (!isPlainObject(v)) {
        fail(k, "must be an object {permissionLevel, libraryFolderIds?, ...}");
        continue;
      }
      const level = v.permissionLevel;
      if (!isUnknown(level) && !LIBRARY_LEVELS.includes(level as string)) {
        fail(
          `${k}.permissionLevel`,
          `must be one of ${LIBRARY_LEVELS.join(", ")}; got ${JSON.stringify(level)}`,
        );
      }
      for (const [fk, fv] of Object.entries(v)) {
        if (fk === "permissionLevel" || fv === undefined || isUnknown(fv)) continue;
        if (fk === "libraryFolderIds") {
          if (!Array.isArray(fv) || fv.some((x) => typeof x !== "string"))
            fail(`${k}.${fk}`, "must be a list of ids");
        } else if (LIBRARY_FLAGS.includes(fk)) {
          if (typeof fv !== "boolean") fail(`${k}.${fk}`, "must be true or false");
          else if (fv && level === "none") fail(`${k}.${fk}`, 'requires a permissionLevel other than "none"');
        } else {
          fail(`${k}.${fk}`, "is not a field of Gong's library folder access");
        }
      }
      if (Array.isArray(v.libraryFolderIds) && v.libraryFolderIds.length > 0 && level === "none") {
        fail(`${k}.libraryFolderIds`, 'requires a permissionLevel other than "none"');
      }
    } else {
      fail(k, "is not a permission field this provider manages (see PROFILE_FLAGS and the access objects)");
    }
  }
  return out;
}

/** The remote values of the fields the program declares (an undeclared field is not managed). */
function managed(remote: PermissionProfile, declared: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(declared)) if (remote[k] !== undefined) out[k] = remote[k];
  return out;
}

const outputs = (remote: PermissionProfile, inputs: PermissionProfileInputs): PermissionProfileOutputs => ({
  workspaceId: inputs.workspaceId,
  name: remote.name,
  permissions: managed(remote, inputs.permissions ?? {}),
  profileId: String(remote.id),
});

const body = (inputs: PermissionProfileInputs): PermissionProfile => ({
  name: inputs.name,
  ...(inputs.permissions ?? {}),
});

/** The warning delete gives: Gong keeps the profile. */
export function notDeletedWarning(props: { name?: string; workspaceId?: string }, id: string): string {
  return `Gong has no API to delete permission profiles: "${props.name}" (id ${id}, workspace ${props.workspaceId}) was removed from the Pulumi state but still exists in Gong. Delete it in Gong's UI (Company settings → Permission profiles) after moving its users to another profile.`;
}

/**
 * The profile, or undefined when it is gone. Gong answers an unknown profile id with 400 (its description
 * lists no 404): gone only when the workspace's listing confirms it, otherwise the 400 is a real error.
 */
async function currentProfile(gong: GongClient, id: string, workspaceId: string | undefined) {
  try {
    return (await gong.getProfile(id))?.profile;
  } catch (err) {
    if (!isApiError(err) || err.status !== 400 || !workspaceId) throw err;
    if ((await gong.listProfilesFresh(workspaceId)).some((p) => p.id === id)) throw err;
    return undefined;
  }
}

export const permissionProfileProvider = dynamicProvider<
  PermissionProfileInputs,
  PermissionProfileOutputs,
  GongClient
>({
  client: configuredGong,
  normalize: (news) => ({ ...news, permissions: news.permissions ?? {} }),
  rules: { workspaceId: str(WORKSPACE_ID), name: str(), permissions: permissionProblems },
  // A profile cannot move between workspaces; the old one stays in Gong (see delete).
  diff: { replace: ["workspaceId"], update: ["name", "permissions"], stables: ["profileId"] },

  async create(inputs, api) {
    const client = api();
    const byName = (list: PermissionProfile[]) => list.find((p) => p.name === inputs.name);
    // Orphans: a profile of the declared name (which carries the stack's prefix) that the state does not
    // hold was made by an interrupted run: it is adopted and brought to the declared permissions (Gong
    // cannot delete a profile anyway). One listing serves every create in the process.
    const existing = byName(await client.listProfiles(inputs.workspaceId));
    let remote: PermissionProfile;
    if (existing) {
      const wanted = body(inputs);
      remote = deepEqual(managed(existing, wanted), wanted)
        ? existing
        : await client.updateProfile(inputs.workspaceId, String(existing.id), wanted);
    } else {
      remote = await client.createProfile(inputs.workspaceId, body(inputs), async () =>
        byName(await client.listProfiles(inputs.workspaceId, true)),
      );
    }
    return { id: String(remote.id), outs: outputs(remote, inputs) };
  },

  async read(id, props, api) {
    const profile = await currentProfile(api(), id, props.workspaceId);
    return profile && outputs(profile, props);
  },

  async update(id, _olds, news, api) {
    return outputs(await api().updateProfile(news.workspaceId, id, body(news)), news);
  },

  async delete(id, props) {
    // No API call: Gong cannot delete a profile. Say so where the user sees it.
    await pulumi.log.warn(notDeletedWarning(props, id));
  },
});

export interface PermissionProfileArgs {
  workspaceId: pulumi.Input<string>;
  name: pulumi.Input<string>;
  permissions?: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
}

export class GongPermissionProfile extends dynamicResource<PermissionProfileArgs>()(
  permissionProfileProvider,
  {
    declaredIn: __filename,
    type: "gong:PermissionProfile",
    outputs: ["profileId", "name", "permissions"],
    defaults: { permissions: {} },
  },
) {}
