// openrouter:ModelPolicy — a model allow-list and fallback order, validated against OpenRouter's catalogue.
//
// Nothing is stored at OpenRouter: the resource exists so the validation runs where an API call is allowed.
// check() validates the shape only (no API call); create and update validate every id against GET /models
// and fail naming the list and index, with close matches; read re-validates and drops the ids that left the
// catalogue (reported in `unavailable`), so a refresh shows them as drift and the next update fails naming
// them.
import type * as pulumi from "@pulumi/pulumi";
import { type CheckFailure, isUnknown } from "../dynamic";
import { dynamicProvider, dynamicResource, type ProviderDeclaration, type Rule } from "../kit";
import { configuredOpenRouter, type OpenRouterClient, validateModels } from "./client";

export interface ModelPolicyInputs {
  allow: string[];
  /** Fallback order; every entry must also be allowed. */
  fallbacks: string[];
}

export interface ModelPolicyOutputs extends ModelPolicyInputs {
  /** Ids of the declared lists that OpenRouter's catalogue no longer holds (found by read). */
  unavailable: string[];
}

const MODEL_ID = /^[^\s/]+\/\S+$/;

/** A list of model ids: each well-formed and listed once. */
const modelList: Rule = (v, list) => {
  if (!Array.isArray(v)) return `${list} must be a list of model ids like "openai/gpt-4o"`;
  return v.flatMap((id, i) => {
    if (isUnknown(id)) return [];
    if (typeof id !== "string" || !MODEL_ID.test(id)) {
      return [`${list}[${i}] must be a model id like "openai/gpt-4o"; got ${JSON.stringify(id)}`];
    }
    return v.indexOf(id) !== i ? [`${list}[${i}] "${id}" is listed twice`] : [];
  });
};

/** Every fallback must also be allowed. */
function fallbacksAllowed(n: Record<string, unknown>): CheckFailure[] {
  const { allow, fallbacks } = n;
  // an allow-list not fully known yet (a preview) is compared once it is
  if (!Array.isArray(allow) || !Array.isArray(fallbacks) || allow.some(isUnknown)) return [];
  return fallbacks.flatMap((id, i) =>
    typeof id === "string" && !isUnknown(id) && !allow.includes(id)
      ? [{ property: "fallbacks", reason: `fallbacks[${i}] "${id}" is not in allow` }]
      : [],
  );
}

async function validated(c: OpenRouterClient, inputs: ModelPolicyInputs): Promise<ModelPolicyOutputs> {
  const result = await validateModels(c, inputs);
  if (!result.ok) {
    throw new Error(`OpenRouter: models not in the catalogue:\n  ${result.messages.join("\n  ")}`);
  }
  return { allow: [...inputs.allow], fallbacks: [...inputs.fallbacks], unavailable: [] };
}

const modelPolicyDeclaration: ProviderDeclaration<ModelPolicyInputs, ModelPolicyOutputs, OpenRouterClient> = {
  client: configuredOpenRouter,
  rules: { allow: modelList, fallbacks: modelList },
  validate: fallbacksAllowed,
  diff: { update: ["allow", "fallbacks"] },

  // No remote object: create only validates the models, so an interrupted run leaves no orphan.
  async create(inputs, api) {
    const outs = await validated(api(), inputs);
    return { id: `model-policy-${Date.now().toString(36)}`, outs };
  },

  async read(_id, p, api) {
    const result = await validateModels(api(), p);
    const gone = result.problems.map((x) => x.model);
    return {
      allow: p.allow.filter((m) => !gone.includes(m)),
      fallbacks: p.fallbacks.filter((m) => !gone.includes(m)),
      unavailable: gone.filter((m, i) => gone.indexOf(m) === i),
    };
  },

  async update(_id, _olds, news, api) {
    return validated(api(), news);
  },

  async delete() {
    // Nothing at OpenRouter to delete.
  },
};

export const modelPolicyProvider = () => dynamicProvider(modelPolicyDeclaration);

export interface ModelPolicyArgs {
  allow: pulumi.Input<pulumi.Input<string>[]>;
  fallbacks: pulumi.Input<pulumi.Input<string>[]>;
}

const provider = modelPolicyProvider();

export class OpenRouterModelPolicy extends dynamicResource<ModelPolicyArgs>()(provider, {
  declaredIn: __filename,
  type: "openrouter:ModelPolicy",
  outputs: ["allow", "fallbacks", "unavailable"],
}) {}
