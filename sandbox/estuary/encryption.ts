// /v1/encrypt-config: the config-encryption service (sops with a KMS key the stand-in keeps; ../sops.ts).
import type { Handler } from "../core";
import { EncryptionRequestError, sopsEncrypt } from "../sops";
import type { EstuarySandbox } from "./index";
import { ESTUARY_KMS_KEY_ID } from "./state";

export function encryptionRoutes(s: EstuarySandbox): Record<string, Handler> {
  return {
    encryptConfig: (ctx) => {
      const { config, schema } = ctx.body as { config: Record<string, unknown>; schema: unknown };
      // a broken service, for tests: answers the config as it came
      if (s.settings.encryptionEchoesPlaintext) return { status: 200, body: config };
      try {
        return { status: 200, body: sopsEncrypt(config, schema, s.kms(), ESTUARY_KMS_KEY_ID) };
      } catch (err) {
        if (!(err instanceof EncryptionRequestError)) throw err;
        return { status: 400, body: { error: err.id, description: err.message, details: null } };
      }
    },
  };
}
