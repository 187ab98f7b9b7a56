// `sophia check` for Portkey, through the provider's client: the API key may list the routing configs.
import { PROBE_CLIENT, viaClient } from "../../cli/probeKit";
import { PortkeyClient, portkeySettings } from "../../providers/portkey/client";
import { type Probe, requirement } from "../spec";
import { PORTKEY } from "./keys";

const { portkeyApiUrl, portkeyApiKey, portkeyWorkspaceId } = PORTKEY;

export const PROBE: Probe = {
  requires: [requirement(portkeyApiUrl), requirement(portkeyApiKey)],
  run: async (get) => {
    const client = new PortkeyClient(portkeySettings(get), PROBE_CLIENT);
    const configs = await viaClient(
      () => client.list("configs", get(portkeyWorkspaceId.name) || undefined),
      "Portkey",
      {
        url: portkeyApiUrl.name,
        credentials: portkeyApiKey.name,
        permission: `use an admin or workspace API key with the configs and providers scopes; check ${portkeyWorkspaceId.name}`,
      },
    );
    return `configs readable (${configs.length})`;
  },
};
