// GongCrmIntegration: the tenant's one generic CRM integration (PUT/GET/DELETE /v2/crm/integrations).
//
// Gong has no update: a new name or owner replaces the integration, deleting the old one first (a tenant
// holds only one). Delete is asynchronous: it is acknowledged with our clientRequestId and finished when
// GET /v2/crm/request-status says DONE; the provider polls until then, or fails on FAILED or timeout.
import * as pulumi from "@pulumi/pulumi";
import {
  type CheckFailure,
  changedKeys,
  configValue,
  isUnknown,
  rememberConfig,
  requireString,
} from "../dynamic";
import { isApiError } from "../http/client";
import { type CrmIntegration, configuredGong } from "./client";

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

export const crmIntegrationProvider: pulumi.dynamic.ResourceProvider<
  CrmIntegrationInputs,
  CrmIntegrationOutputs
> = {
  async configure(req) {
    rememberConfig(req);
  },

  async check(_olds, news) {
    const failures: CheckFailure[] = [];
    const n = news as unknown as Record<string, unknown>;
    requireString(failures, n, "name");
    requireString(failures, n, "ownerEmail", EMAIL);
    for (const k of ["deleteTimeoutSeconds", "deletePollSeconds"]) {
      const v = n[k];
      if (v === undefined || isUnknown(v)) continue;
      if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
        failures.push({ property: k, reason: `${k} must be a positive number of seconds` });
      }
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    // Gong cannot update an integration: name and owner are fixed at registration.
    const replaces = changedKeys(olds as any, news as any, ["name", "ownerEmail"]);
    const updates = changedKeys(olds as any, news as any, ["deleteTimeoutSeconds", "deletePollSeconds"]);
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      // One integration per tenant: the old one must be gone before the new one can be registered.
      deleteBeforeReplace: replaces.length > 0,
    };
  },

  async create(inputs) {
    const client = configuredGong(configValue);
    const adopt = async (): Promise<CrmIntegration | undefined> => {
      const existing = await client.listCrmIntegrations();
      const same = existing.find((i) => i.name === inputs.name);
      if (same) return same;
      if (existing.length > 0) {
        const other = existing[0];
        throw new Error(
          `Gong: the tenant already has a CRM integration "${other.name}" (id ${other.integrationId}, owner ${other.ownerEmail}); Gong supports only one. Delete it in Gong (or import it under the name "${other.name}") before registering "${inputs.name}"`,
        );
      }
      return undefined;
    };
    let remote = await adopt();
    if (!remote) {
      try {
        const integrationId = await client.registerCrmIntegration(inputs.name, inputs.ownerEmail);
        remote = { integrationId, name: inputs.name, ownerEmail: inputs.ownerEmail };
      } catch (err) {
        // 409: an integration exists after all (registered by a retried PUT whose answer was lost, or
        // concurrently): adopt it if it is ours, otherwise name it.
        if (!(isApiError(err) && err.status === 409)) throw err;
        remote = await adopt();
        if (!remote) throw err;
      }
    }
    return { id: remote.integrationId, outs: outputs(remote, inputs) };
  },

  async read(id, props) {
    const remote = (await configuredGong(configValue).listCrmIntegrations()).find(
      (i) => i.integrationId === id,
    );
    if (!remote) return { id: "", props: {} as CrmIntegrationOutputs };
    return { id, props: outputs(remote, props as CrmIntegrationInputs) };
  },

  async update(_id, olds, news) {
    // Only the provider's own delete settings can change in place.
    return { outs: outputs(olds, news) };
  },

  async delete(id, props) {
    await configuredGong(configValue).deleteCrmIntegration(id, {
      timeoutMs: (props.deleteTimeoutSeconds ?? 600) * 1000,
      pollMs: (props.deletePollSeconds ?? 5) * 1000,
    });
  },
};

export interface CrmIntegrationArgs {
  name: pulumi.Input<string>;
  ownerEmail: pulumi.Input<string>;
  deleteTimeoutSeconds?: pulumi.Input<number>;
  deletePollSeconds?: pulumi.Input<number>;
}

export class GongCrmIntegration extends pulumi.dynamic.Resource {
  declare readonly integrationId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly ownerEmail: pulumi.Output<string>;
  constructor(name: string, args: CrmIntegrationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      crmIntegrationProvider,
      name,
      { ...args, integrationId: undefined },
      opts,
      "gong",
      "CrmIntegration",
    );
  }
}
