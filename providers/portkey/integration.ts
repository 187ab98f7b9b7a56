// PortkeyIntegration: the Model Catalog's organisation- (or workspace-) level credential for one LLM
// vendor (POST/GET/PUT/DELETE /integrations). It holds the vendor's API key, which is a secret input:
// sent on create and on change, never read back (the API returns only `masked_key`, never compared).
import * as pulumi from "@pulumi/pulumi";
import {
  type CheckFailure,
  changedKeys,
  configValue,
  isUnknown,
  rememberConfig,
  requireString,
} from "../dynamic";
import { configuredPortkey, type IntegrationApi, SLUG } from "./client";

export interface IntegrationInputs {
  name: string;
  slug: string;
  /** The base AI provider, e.g. "openai", "anthropic", "openrouter". */
  aiProviderId: string;
  /** The LLM vendor's API key: secret, write-only. */
  apiKey: string;
  description?: string;
  /** Set for a workspace-scoped integration; organisation-level otherwise. */
  workspaceId?: string;
}

export interface IntegrationOutputs extends IntegrationInputs {
  integrationId: string;
  status: string;
}

function toOutputs(r: IntegrationApi, declared: IntegrationInputs): IntegrationOutputs {
  return {
    name: r.name,
    slug: r.slug,
    aiProviderId: r.ai_provider_id,
    apiKey: declared.apiKey, // never read back
    ...(declared.description !== undefined ? { description: r.description ?? "" } : {}),
    ...(declared.workspaceId !== undefined ? { workspaceId: declared.workspaceId } : {}),
    integrationId: r.id,
    status: r.status ?? "active",
  };
}

const body = (i: IntegrationInputs) => ({
  name: i.name,
  key: i.apiKey,
  ...(i.description !== undefined ? { description: i.description } : {}),
});

export const integrationProvider: pulumi.dynamic.ResourceProvider<IntegrationInputs, IntegrationOutputs> = {
  async configure(req) {
    rememberConfig(req);
  },

  async check(_olds, news) {
    const failures: CheckFailure[] = [];
    const n = news as unknown as Record<string, unknown>;
    requireString(failures, n, "name");
    requireString(failures, n, "slug", SLUG);
    requireString(failures, n, "aiProviderId", { re: /^[a-z0-9-]+$/, what: 'a provider id like "openai"' });
    requireString(failures, n, "apiKey");
    if (n.workspaceId !== undefined) requireString(failures, n, "workspaceId");
    if (n.description !== undefined && !isUnknown(n.description) && typeof n.description !== "string") {
      failures.push({ property: "description", reason: "description must be a string" });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    // The API cannot change an integration's slug, vendor or scope.
    const replaces = changedKeys(olds as any, news as any, ["slug", "aiProviderId", "workspaceId"]);
    const updates = changedKeys(olds as any, news as any, ["name", "apiKey", "description"]);
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      // the slug is the identity: the old one must go before a replacement with the same slug
      deleteBeforeReplace: replaces.length > 0 && olds.slug === news.slug,
    };
  },

  async create(inputs) {
    const c = configuredPortkey(configValue);
    const find = () => c.get("integrations", inputs.slug);
    const existing = await find();
    if (existing) {
      if (existing.ai_provider_id !== inputs.aiProviderId) {
        throw new Error(
          `Portkey: integration "${inputs.slug}" exists for ${existing.ai_provider_id}, not ${inputs.aiProviderId}`,
        );
      }
      await c.update("integrations", inputs.slug, body(inputs)); // adopt and bring to the declared state
    } else {
      await c.create(
        "integrations",
        {
          ...body(inputs),
          slug: inputs.slug,
          ai_provider_id: inputs.aiProviderId,
          ...(inputs.workspaceId ? { workspace_id: inputs.workspaceId } : {}),
          // the component creates the workspace's provider itself, with its limits
          ...(inputs.workspaceId ? { create_default_provider: false } : {}),
        },
        find,
      );
    }
    const remote = await find();
    if (!remote) throw new Error(`Portkey: integration "${inputs.slug}" was not found after it was created`);
    return { id: remote.slug, outs: toOutputs(remote, inputs) };
  },

  async read(id, props) {
    const remote = await configuredPortkey(configValue).get("integrations", id);
    if (!remote) return { id: "", props: {} as IntegrationOutputs };
    return { id, props: toOutputs(remote, props as IntegrationInputs) };
  },

  async update(id, _olds, news) {
    const c = configuredPortkey(configValue);
    await c.update("integrations", id, body(news));
    const remote = await c.get("integrations", id);
    if (!remote) throw new Error(`Portkey: integration "${id}" disappeared during the update`);
    return { outs: toOutputs(remote, news) };
  },

  async delete(id) {
    await configuredPortkey(configValue).remove("integrations", id);
  },
};

export interface IntegrationArgs {
  name: pulumi.Input<string>;
  slug: pulumi.Input<string>;
  aiProviderId: pulumi.Input<string>;
  apiKey: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  workspaceId?: pulumi.Input<string>;
}

export class PortkeyIntegration extends pulumi.dynamic.Resource {
  declare readonly slug: pulumi.Output<string>;
  declare readonly integrationId: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly apiKey: pulumi.Output<string>;
  constructor(name: string, args: IntegrationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      integrationProvider,
      name,
      { ...args, apiKey: pulumi.secret(args.apiKey), integrationId: undefined, status: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiKey"] }),
      "portkey",
      "Integration",
    );
  }
}
