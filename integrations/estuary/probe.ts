// `sophia check` for Estuary, through the provider's client: the refresh token is exchanged and the catalog
// read (authenticated, permitted), and the config-encryption service every publication needs encrypts.
import { PROBE_CLIENT, ProbeFailure, viaClient } from "../../cli/probeKit";
import { EstuaryClient, estuarySettings } from "../../providers/estuary/client";
import { type Probe, requirement } from "../spec";
import { ESTUARY } from "./keys";

const { estuaryApiUrl, estuaryRefreshToken, estuaryConfigEncryptionUrl } = ESTUARY;
const encryptionUrl = estuaryConfigEncryptionUrl.name;

export const PROBE: Probe = {
  requires: [
    requirement(estuaryApiUrl),
    requirement(estuaryRefreshToken),
    requirement(estuaryConfigEncryptionUrl),
  ],
  run: async (get) => {
    const client = new EstuaryClient(estuarySettings(get), PROBE_CLIENT);
    // exchanging the refresh token proves it; reading a live spec proves the catalog is readable
    await viaClient(() => client.liveSpec("sophia-ai/.check"), "Estuary", {
      url: estuaryApiUrl.name,
      credentials: `${estuaryRefreshToken.name} (flowctl auth token; it may have been revoked)`,
      permission: "grant the token's user read on the catalog prefix",
    });
    // every publication with a credential needs the encryption service: it must answer with ciphertext
    const sealed = await viaClient(
      () =>
        client.encryptConfig(
          { check: "sophia-check" },
          { type: "object", properties: { check: { type: "string", secret: true } } },
        ),
      "Estuary config encryption",
      { url: encryptionUrl, credentials: encryptionUrl, permission: `check ${encryptionUrl}` },
    );
    if (typeof sealed.check_sops !== "string" || "check" in sealed) {
      throw new ProbeFailure(
        "reachable",
        "the config-encryption service answered without encrypting the secret property",
        `check ${encryptionUrl}: it must be Estuary's config-encryption service`,
      );
    }
    return "refresh token exchanged; catalog readable; config encryption works";
  },
};
