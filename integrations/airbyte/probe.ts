// `sophia check` for Airbyte: the application's client credentials get a token (authenticated), and the
// token sees the workspace (permitted). Plain fetch: the check needs two calls, not the provider's client.
import { expectOk, http, isUnavailable, ProbeFailure, unavailable } from "../../cli/probeKit";
import { type Probe, requirement } from "../spec";
import { AIRBYTE } from "./keys";

const { airbyteApiUrl, airbyteClientId, airbyteClientSecret, airbyteWorkspaceId } = AIRBYTE;
const credentials = `${airbyteClientId.name} and ${airbyteClientSecret.name}`;

/** Exchanges the client credentials for an access token. */
async function accessToken(base: string, get: (key: string) => string, signal: AbortSignal): Promise<string> {
  const tokenRes = await http(
    `${base}/applications/token`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: get(airbyteClientId.name),
        client_secret: get(airbyteClientSecret.name),
        grant_type: "client_credentials",
      }),
    },
    signal,
    "the Airbyte API",
    airbyteApiUrl.name,
  );
  if (isUnavailable(tokenRes.status)) throw unavailable("Airbyte", tokenRes.status, "");
  if (tokenRes.status === 404) {
    throw new ProbeFailure(
      "reachable",
      "Airbyte answered 404 for POST /applications/token",
      `check ${airbyteApiUrl.name} (no Airbyte API there)`,
    );
  }
  if (!tokenRes.ok) {
    throw new ProbeFailure(
      "authenticated",
      `Airbyte refused the client credentials (${tokenRes.status})`,
      `check ${credentials} (the application may have been deleted or its secret rotated)`,
    );
  }
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  return access_token;
}

export const PROBE: Probe = {
  requires: [
    requirement(airbyteApiUrl),
    requirement(airbyteClientId),
    requirement(airbyteClientSecret),
    requirement(airbyteWorkspaceId),
  ],
  run: async (get, signal) => {
    const base = get(airbyteApiUrl.name).replace(/\/+$/, "");
    const token = await accessToken(base, get, signal);
    const workspace = get(airbyteWorkspaceId.name);
    const ws = await http(
      `${base}/workspaces/${encodeURIComponent(workspace)}`,
      { headers: { authorization: `Bearer ${token}` } },
      signal,
      "the Airbyte API",
      airbyteApiUrl.name,
    );
    expectOk(ws, "Airbyte", {
      url: airbyteApiUrl.name,
      authenticated: ["Airbyte refused the access token", `check ${credentials}`],
      permitted: [
        `the application cannot see workspace ${workspace}`,
        `check ${airbyteWorkspaceId.name}, and grant the application access to that workspace`,
      ],
    });
    return "token issued; workspace visible";
  },
};
