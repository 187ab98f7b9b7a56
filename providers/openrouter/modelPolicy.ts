// openrouter:ModelPolicy — a model allow-list and fallback order, validated against OpenRouter's catalogue.
//
// Nothing is stored at OpenRouter: the resource exists so the validation runs where an API call is allowed.
// check() validates the shape only (no API call); create and update validate every id against GET /models
// and fail naming the list and index, with close matches; read re-validates and drops the ids that left the
// catalogue (reported in `unavailable`), so a refresh shows them as drift and the next update fails naming
// them.
import * as pulumi from "@pulumi/pulumi";
import { type CheckFailure, changedKeys, configValue, isUnknown, rememberConfig } from "../dynamic";
import { configuredOpenRouter, validateModels } from "./client";

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

export function checkModelLists(n: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const list of ["allow", "fallbacks"]) {
    const v = n[list];
    if (isUnknown(v)) continue;
    if (!Array.isArray(v)) {
      failures.push({ property: list, reason: `${list} must be a list of model ids like "openai/gpt-4o"` });
      continue;
    }
    v.forEach((id, i) => {
      if (isUnknown(id)) return;
      if (typeof id !== "string" || !MODEL_ID.test(id)) {
        failures.push({
          property: list,
          reason: `${list}[${i}] must be a model id like "openai/gpt-4o"; got ${JSON.stringify(id)}`,
        });
      } else if (v.indexOf(id) !== i) {
        failures.push({ property: list, reason: `${list}[${i}] "${id}" is listed twice` });
      }
    });
  }
  if (Array.isArray(n.allow) && Array.isArray(n.fallbacks)) {
    n.fallbacks.forEach((id, i) => {
      if (typeof id === "string" && !isUnknown(id) && !(n.allow as unknown[]).includes(id)) {
        failures.push({ property: "fallbacks", reason: `fallbacks[${i}] "${id}" is not in allow` });
      }
    });
  }
  return failures;
}

export function modelPolicyProvider(): pulumi.dynamic.ResourceProvider<
  ModelPolicyInputs,
  ModelPolicyOutputs
> {
  const validated = async (inputs: ModelPolicyInputs): Promise<ModelPolicyOutputs> => {
    const result = await validateModels(configuredOpenRouter(configValue), inputs);
    if (!result.ok) {
      throw new Error(`OpenRouter: models not in the catalogue:\n  ${result.messages.join("\n  ")}`);
    }
    return { allow: [...inputs.allow], fallbacks: [...inputs.fallbacks], unavailable: [] };
  };

  return {
    async configure(req) {
      rememberConfig(req);
    },

    async check(_olds, news) {
      return { inputs: news, failures: checkModelLists(news as unknown as Record<string, unknown>) };
    },

    async diff(_id, olds, news) {
      const updates = changedKeys(olds as any, news as any, ["allow", "fallbacks"]);
      return { changes: updates.length > 0, replaces: [] };
    },

    async create(inputs) {
      const outs = await validated(inputs);
      return { id: `model-policy-${Date.now().toString(36)}`, outs };
    },

    async read(id, props) {
      const p = props as ModelPolicyOutputs;
      const result = await validateModels(configuredOpenRouter(configValue), p);
      const gone = result.problems.map((x) => x.model);
      return {
        id,
        props: {
          allow: p.allow.filter((m) => !gone.includes(m)),
          fallbacks: p.fallbacks.filter((m) => !gone.includes(m)),
          unavailable: gone.filter((m, i) => gone.indexOf(m) === i),
        },
      };
    },

    async update(_id, _olds, news) {
      return { outs: await validated(news) };
    },

    async delete() {
      // Nothing at OpenRouter to delete.
    },
  };
}

export interface ModelPolicyArgs {
  allow: pulumi.Input<pulumi.Input<string>[]>;
  fallbacks: pulumi.Input<pulumi.Input<string>[]>;
}

const provider = modelPolicyProvider();

export class OpenRouterModelPolicy extends pulumi.dynamic.Resource {
  declare readonly allow: pulumi.Output<string[]>;
  declare readonly fallbacks: pulumi.Output<string[]>;
  declare readonly unavailable: pulumi.Output<string[]>;
  constructor(name: string, args: ModelPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, unavailable: undefined }, opts, "openrouter", "ModelPolicy");
  }
}
