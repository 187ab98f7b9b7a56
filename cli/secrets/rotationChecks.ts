// Live checks of a freshly rotated credential, used by `sophia secrets rotate` before it reports success.
// Each proves that the consumer of the credential accepts the new value AND refuses a wrong one (so an
// endpoint that accepts anything cannot pass for a working credential). The service's ordinary `check`
// probe is not used: it proves the service's API credentials, not the credential that was rotated.
import { randomBytes } from "node:crypto";
import type { RotatedService } from "../../integrations/credentials";
import { ESTUARY } from "../../integrations/estuary/keys";
import { webhookUrlWithKey } from "../../integrations/gong";
import { GONG } from "../../integrations/gong/keys";
import { slotGenerations } from "../../integrations/rotation";
import {
  isSnowflakeFailure,
  LOGIN_REFUSED,
  loginFromConfig,
  sessionIdentity,
  withSnowflakeSession,
} from "../snowflake";
import { credentialSlots, type StateDeployment, type StateResource } from "./state";

export interface RotationCheckContext {
  /** Stack config value ("" when unset). */
  get(key: string): string;
  /** The credential's current value, after the rotation (never printed). */
  current: string;
  /** The slot the rotation made current. */
  slot: "a" | "b";
  /** The stack's resources as exported after the rotation (secrets revealed in memory only). */
  resources: StateResource[];
  signal: AbortSignal;
}

export type RotationCheck = (ctx: RotationCheckContext) => Promise<string>;

/** POSTs `body` to `url` with and without valid credentials; the first must pass, the second be refused. */
async function acceptsOnlyTheCredential(
  what: string,
  send: (valid: boolean) => Promise<Response>,
  keys: string,
): Promise<string> {
  let good: Response;
  let bad: Response;
  try {
    good = await send(true);
    bad = await send(false);
  } catch (err) {
    throw new Error(`${what} is unreachable: ${(err as Error).message}; check ${keys}`);
  }
  if (!good.ok) {
    throw new Error(`${what} refused the new credential (${good.status}); the previous one stays current`);
  }
  if (bad.status !== 401 && bad.status !== 403) {
    throw new Error(
      `${what} accepted a wrong credential (${bad.status}): it does not check credentials, so the new one is unproven`,
    );
  }
  return `${what} accepts the new credential (${good.status}) and refuses a wrong one (${bad.status})`;
}

const probeDocument = () =>
  JSON.stringify({ type: "sophia.rotation-check", data: { id: `rotation-check-${Date.now()}` } });

export const ROTATION_CHECKS: Partial<Record<RotatedService, RotationCheck>> = {
  // The Estuary capture's HTTP-ingest endpoint must take a document with the new bearer token.
  async estuary({ get, current, signal }) {
    const url = get(ESTUARY.estuaryIngestUrl.name);
    if (!url) {
      throw new Error(
        `${ESTUARY.estuaryIngestUrl.name} is not set: the capture's HTTP-ingest URL (shown by Estuary for the published capture) is needed to check the new token`,
      );
    }
    const wrong = randomBytes(24).toString("hex");
    return acceptsOnlyTheCredential(
      "the Estuary capture",
      (valid) =>
        fetch(url, {
          method: "POST",
          headers: {
            authorization: `Bearer ${valid ? current : wrong}`,
            "content-type": "application/json",
            "x-sophia-check": "rotation",
          },
          body: probeDocument(),
          signal,
        }),
      ESTUARY.estuaryIngestUrl.name,
    );
  },

  // Gong's webhook rule calls gongWebhookUrl with the key in the URL; the receiver must accept the new key.
  // (The rule itself lives in Gong's UI: `gongWebhookSetup` says what to enter there.)
  async gong({ get, current, signal }) {
    const url = get(GONG.gongWebhookUrl.name);
    if (!url)
      throw new Error(
        `${GONG.gongWebhookUrl.name} is not set: there is no webhook receiver to check the secret with`,
      );
    const wrong = randomBytes(24).toString("hex");
    return acceptsOnlyTheCredential(
      "the Gong webhook receiver",
      (valid) =>
        fetch(webhookUrlWithKey(url, valid ? current : wrong), {
          method: "POST",
          headers: { "content-type": "application/json", "x-sophia-check": "rotation" },
          body: probeDocument(),
          signal,
        }),
      GONG.gongWebhookUrl.name,
    );
  },
};

const SNOWFLAKE_USER = "snowflake:index/legacyServiceUser:LegacyServiceUser";

ROTATION_CHECKS.snowflake = async ({ get, current, slot, resources, signal }) => {
  // The current slot's service user (SnowflakeAnalytics names it <component>-user-<slot>); its loginName
  // is a secret output of the Snowflake provider, so messages name the user by `name`.
  const user = resources.find((r) => r.type === SNOWFLAKE_USER && String(r.urn).endsWith(`-user-${slot}`));
  if (!user) throw new Error(`the stack holds no Snowflake service user for slot ${slot}: deploy it first`);
  const name = reveal(user.outputs?.name);
  const loginName = reveal(user.outputs?.loginName) ?? name;
  if (typeof name !== "string" || !name || typeof loginName !== "string" || !loginName) {
    throw new Error(
      `the state of ${user.urn} has no name or loginName: run \`pulumi refresh\` and rotate again`,
    );
  }
  const declaredRole = reveal(user.outputs?.defaultRole);
  const role = typeof declaredRole === "string" ? declaredRole.replace(/^"(.*)"$/, "$1") : undefined;
  const keys = "snowflake:organizationName, snowflake:accountName (and snowflake:host if set)";
  // as the consumers log in: the user's default role, not the admin's snowflake:role
  const login = (password: string) => ({ ...loginFromConfig(get, loginName, password), role: undefined });
  const explain = (err: unknown, what: string): Error => {
    if (!isSnowflakeFailure(err)) return err as Error;
    if (err.kind === "network") return new Error(`Snowflake is unreachable: ${err.message}; check ${keys}`);
    if (err.kind === "client") return new Error(`Snowflake's driver refused the settings: ${err.message}`);
    return new Error(`${what} (${err.code}: ${err.message})`);
  };

  let sessionRole: string;
  try {
    sessionRole = (await sessionIdentity(login(current), signal)).role;
  } catch (err) {
    throw explain(err, `Snowflake refused the new password of ${name}; the previous one stays current`);
  }
  if (role && sessionRole.toUpperCase() !== role.toUpperCase()) {
    throw new Error(
      `${name} logs in with the new password but its session has role ${sessionRole}, not ${role}: consumers would lack their grants`,
    );
  }
  try {
    await withSnowflakeSession(login(randomBytes(24).toString("hex")), async () => undefined, signal);
  } catch (err) {
    if (isSnowflakeFailure(err) && err.kind === "refused" && err.code === LOGIN_REFUSED) {
      return `Snowflake accepts the new password of ${name} (role ${sessionRole}) and refuses a wrong one (${err.code})`;
    }
    throw explain(err, `Snowflake did not refuse a wrong password for ${name} as expected`);
  }
  throw new Error(
    `Snowflake accepted a wrong password for ${name}: it does not check passwords, so the new one is unproven`,
  );
};

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A state value as exported with secrets shown: plain, or Pulumi's secret envelope with `plaintext`. */
function reveal(v: unknown): unknown {
  if (v && typeof v === "object" && SECRET_SIG in (v as object)) {
    const p = (v as { plaintext?: string; value?: unknown }).plaintext;
    return p !== undefined ? JSON.parse(p) : (v as { value?: unknown }).value;
  }
  return v;
}

/**
 * The current value of a rotated service's credential in an exported deployment (exported with secrets
 * shown; kept in memory only): the RandomPassword slot the epoch makes current.
 */
export function currentCredential(
  deployment: StateDeployment,
  service: RotatedService,
  epoch: number,
): string {
  const { current } = slotGenerations(epoch);
  const slot = credentialSlots(deployment, service).find((r) => r.inputs?.keepers?.slot === current);
  const value = slot && reveal(slot.outputs?.result);
  if (typeof value !== "string" || !value) {
    throw new Error(`the stack holds no current (${current}) ${service} credential: deploy it first`);
  }
  return value;
}
