// PortkeyIntegration: the Model Catalog's organisation- (or workspace-) level credential for one LLM
// vendor (POST/GET/PUT/DELETE /integrations). It holds the vendor's API key, which is a secret input:
// sent on create and on change, never read back (the API returns only `masked_key`, never compared).
import type * as pulumi from "@pulumi/pulumi";
import { dynamicProvider, dynamicResource, must, optional, str, text } from "../kit";
import { configuredPortkey, type IntegrationApi, type PortkeyClient, SLUG } from "./client";

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

export const integrationProvider = dynamicProvider<IntegrationInputs, IntegrationOutputs, PortkeyClient>({
  client: configuredPortkey,
  rules: {
    name: str(),
    slug: str(SLUG),
    aiProviderId: str({ re: /^[a-z0-9-]+$/, what: 'a provider id like "openai"' }),
    apiKey: str(),
    workspaceId: optional(str()),
    description: text,
  },
  diff: {
    // The API cannot change an integration's slug, vendor or scope.
    replace: ["slug", "aiProviderId", "workspaceId"],
    update: ["name", "apiKey", "description"],
    // the slug is the identity: the old one must go before a replacement with the same slug
    deleteFirst: "slug",
    stables: ["integrationId"],
  },

  async create(inputs, api) {
    const c = api();
    const find = () => c.get("integrations", inputs.slug);
    // Orphans: the slug carries the stack's prefix, so an integration of that slug the state does not hold
    // was made by an interrupted run. It is adopted and brought to the declared state; one for another AI
    // provider (which cannot change) is deleted and made anew.
    let existing = await find();
    if (existing && existing.ai_provider_id !== inputs.aiProviderId) {
      await c.remove("integrations", inputs.slug);
      existing = undefined;
    }
    if (existing) {
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
    const remote = must(
      await find(),
      `Portkey: integration "${inputs.slug}" was not found after it was created`,
    );
    return { id: remote.slug, outs: toOutputs(remote, inputs) };
  },

  async read(id, props, api) {
    const remote = await api().get("integrations", id);
    return remote && toOutputs(remote, props);
  },

  async update(id, _olds, news, api) {
    return toOutputs(await api().updateAndRead("integrations", id, body(news)), news);
  },

  async delete(id, _props, api) {
    await api().remove("integrations", id);
  },
});

export interface IntegrationArgs {
  name: pulumi.Input<string>;
  slug: pulumi.Input<string>;
  aiProviderId: pulumi.Input<string>;
  apiKey: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  workspaceId?: pulumi.Input<string>;
}

export class PortkeyIntegration extends dynamicResource<IntegrationArgs>()(integrationProvider, {
  declaredIn: __filename,
  type: "portkey:Integration",
  outputs: ["slug", "integrationId", "status", "apiKey"],
  secrets: ["apiKey"],
}) {}
