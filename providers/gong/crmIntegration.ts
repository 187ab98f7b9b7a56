// GongCrmIntegration: the tenant's one generic CRM integration (PUT/GET/DELETE /v2/crm/integrations).
//
// Gong has no update: a new name or owner replaces the integration, deleting the old one first (a tenant
// holds only one). Delete is asynchronous: it is acknowledged with our clientRequestId and finished when
// GET /v2/crm/request-status says DONE; the provider polls until then, or fails on FAILED or timeout.
import type * as pulumi from "@pulumi/pulumi";
import { isApiError } from "../http/client";
import { dynamicProvider, dynamicResource, optional, type Rule, str } from "../kit";
import { type CrmIntegration, configuredGong, type GongClient } from "./client";

export interface CrmIntegrationInputs {
  name: string;
  ownerEmail: string;
  /** How long delete waits for Gong's DONE (default 600 s; Gong says it can take up to 24 hours). */
  deleteTimeoutSeconds?: number;
  /** Interval between request-status polls during delete (default 5 s). */
  deletePollSeconds?: number;
}

export interface CrmIntegrationOutputs extends CrmIntegrationInputs {
  /** Gong's int64 id, as a decimal string. */
  integrationId: string;
}

const EMAIL = { re: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, what: "an email address" };

const outputs = (remote: CrmIntegration, inputs: CrmIntegrationInputs): CrmIntegrationOutputs => ({
  name: remote.name,
  ownerEmail: remote.ownerEmail,
  ...(inputs.deleteTimeoutSeconds !== undefined ? { deleteTimeoutSeconds: inputs.deleteTimeoutSeconds } : {}),
  ...(inputs.deletePollSeconds !== undefined ? { deletePollSeconds: inputs.deletePollSeconds } : {}),
  integrationId: remote.integrationId,
});

const seconds: Rule = (v, k) =>
  typeof v !== "number" || !Number.isFinite(v) || v <= 0
    ? `${k} must be a positive number of seconds`
    : undefined;

/** The tenant's integration of this name, none, or an error naming the other one (Gong allows one). */
async function adoptable(client: GongClient, name: string): Promise<CrmIntegration | undefined> {
  const existing = await client.listCrmIntegrations();
  const same = existing.find((i) => i.name === name);
  if (same) return same;
  if (existing.length > 0) {
    const other = existing[0];
    throw new Error(
      `Gong: the tenant already has a CRM integration "${other.name}" (id ${other.integrationId}, owner ${other.ownerEmail}); Gong supports only one. Delete it in Gong (or import it under the name "${other.name}") before registering "${name}"`,
    );
  }
  return undefined;
}

async function register(client: GongClient, inputs: CrmIntegrationInputs): Promise<CrmIntegration> {
  try {
    const integrationId = await client.registerCrmIntegration(inputs.name, inputs.ownerEmail);
    return { integrationId, name: inputs.name, ownerEmail: inputs.ownerEmail };
  } catch (err) {
    // 409: an integration exists after all (registered by a retried PUT whose answer was lost, or
    // concurrently): adopt it if it is ours, otherwise name it.
    if (!(isApiError(err) && err.status === 409)) throw err;
    const remote = await adoptable(client, inputs.name);
    if (!remote) throw err;
    return remote;
  }
}

/** How long a delete waits for Gong's DONE, and how often it asks. */
const deleteTiming = (i: CrmIntegrationInputs) => ({
  timeoutMs: (i.deleteTimeoutSeconds ?? 600) * 1000,
  pollMs: (i.deletePollSeconds ?? 5) * 1000,
});

export const crmIntegrationProvider = dynamicProvider<
  CrmIntegrationInputs,
  CrmIntegrationOutputs,
  GongClient
>({
  client: configuredGong,
  rules: {
    name: str(),
    ownerEmail: str(EMAIL),
    deleteTimeoutSeconds: optional(seconds),
    deletePollSeconds: optional(seconds),
  },
  diff: {
    // Gong cannot update an integration: name and owner are fixed at registration.
    replace: ["name", "ownerEmail"],
    update: ["deleteTimeoutSeconds", "deletePollSeconds"],
    // One integration per tenant: the old one must be gone before the new one can be registered.
    deleteFirst: "always",
    stables: ["integrationId"],
  },

  // Orphans: an integration of the declared name (which carries the stack's prefix) that the state does
  // not hold was registered by an interrupted run: it is adopted when its owner is the declared one, and
  // otherwise (the owner cannot change) deleted and registered anew. One of another name is not ours:
  // create names it and stops (Gong allows one per tenant).
  async create(inputs, api) {
    const client = api();
    const found = await adoptable(client, inputs.name);
    if (found && found.ownerEmail.toLowerCase() === inputs.ownerEmail.toLowerCase()) {
      return { id: found.integrationId, outs: outputs(found, inputs) };
    }
    if (found) await client.deleteCrmIntegration(found.integrationId, deleteTiming(inputs));
    const remote = await register(client, inputs);
    return { id: remote.integrationId, outs: outputs(remote, inputs) };
  },

  async read(id, props, api) {
    const remote = (await api().listCrmIntegrations()).find((i) => i.integrationId === id);
    return remote && outputs(remote, props);
  },

  async update(_id, olds, news) {
    // Only the provider's own delete settings can change in place.
    return outputs(olds, news);
  },

  async delete(id, props, api) {
    await api().deleteCrmIntegration(id, deleteTiming(props));
  },
});

export interface CrmIntegrationArgs {
  name: pulumi.Input<string>;
  ownerEmail: pulumi.Input<string>;
  deleteTimeoutSeconds?: pulumi.Input<number>;
  deletePollSeconds?: pulumi.Input<number>;
}

export class GongCrmIntegration extends dynamicResource<CrmIntegrationArgs>()(crmIntegrationProvider, {
  declaredIn: __filename,
  type: "gong:CrmIntegration",
  outputs: ["integrationId", "name", "ownerEmail"],
}) {}
