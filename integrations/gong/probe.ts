// `sophia check` for Gong, through the provider's client: the workspace is visible to the API key, and its
// permission profiles are readable (what the provider manages).
import { PROBE_CLIENT, ProbeFailure, viaClient } from "../../cli/probeKit";
import { GongClient, gongSettings } from "../../providers/gong/client";
import { type Probe, requirement } from "../spec";
import { GONG } from "./keys";

const { gongApiUrl, gongWorkspaceId, gongAccessKey, gongAccessKeySecret } = GONG;

const keys = {
  url: gongApiUrl.name,
  credentials: `${gongAccessKey.name} and ${gongAccessKeySecret.name}`,
  permission: "give the API key the workspace and permission-profile scopes in Gong's API settings",
};

export const PROBE: Probe = {
  requires: [
    requirement(gongApiUrl),
    requirement(gongWorkspaceId),
    requirement(gongAccessKey),
    requirement(gongAccessKeySecret),
  ],
  run: async (get) => {
    const client = new GongClient(gongSettings(get), PROBE_CLIENT);
    const workspace = get(gongWorkspaceId.name);
    const workspaces = await viaClient(() => client.listWorkspaces(), "Gong", keys);
    if (!workspaces.some((w) => w.id === workspace)) {
      throw new ProbeFailure(
        "permitted",
        `Gong workspace ${workspace} is not visible to this API key (${workspaces.length} visible)`,
        `check ${gongWorkspaceId.name} (GET /v2/workspaces lists the ids)`,
      );
    }
    await viaClient(() => client.listProfilesFresh(workspace), "Gong", keys);
    return "workspace visible; permission profiles readable";
  },
};
