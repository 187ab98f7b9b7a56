// The stand-in's model catalogue: a dozen realistic models shaped as the description's Model schema.
// Data: the list below is long because it is the catalogue, not logic.

/** A model as GET /models answers it. */
export interface Model {
  id: string;
  canonical_slug: string;
  hugging_face_id: null;
  name: string;
  created: number;
  description: string;
  context_length: number;
  architecture: {
    modality: string;
    input_modalities: string[];
    output_modalities: string[];
    tokenizer: string;
    instruct_type: string | null;
  };
  pricing: { prompt: string; completion: string; request: string; image: string };
  top_provider: { context_length: number; max_completion_tokens: number | null; is_moderated: boolean };
  per_request_limits: null;
  supported_parameters: string[];
  default_parameters: null;
  supported_voices: null;
  knowledge_cutoff: null;
  expiration_date: null;
  links: { details: string };
}

function model(
  id: string,
  name: string,
  o: {
    context: number;
    prompt: string;
    completion: string;
    tokenizer: string;
    instruct?: string | null;
    input?: string[];
    output?: string[];
    maxOut?: number | null;
    created: number;
  },
): Model {
  const output = o.output ?? ["text"];
  const input = o.input ?? ["text"];
  return {
    id,
    canonical_slug: id,
    hugging_face_id: null,
    name,
    created: o.created,
    description: `${name}, served through OpenRouter.`,
    context_length: o.context,
    architecture: {
      modality: `${input.join("+")}->${output.join("+")}`,
      input_modalities: input,
      output_modalities: output,
      tokenizer: o.tokenizer,
      instruct_type: o.instruct ?? null,
    },
    pricing: { prompt: o.prompt, completion: o.completion, request: "0", image: "0" },
    top_provider: { context_length: o.context, max_completion_tokens: o.maxOut ?? null, is_moderated: true },
    per_request_limits: null,
    supported_parameters: output.includes("text")
      ? ["temperature", "top_p", "max_tokens", "stop", "tools", "tool_choice", "response_format", "seed"]
      : [],
    default_parameters: null,
    supported_voices: null,
    knowledge_cutoff: null,
    expiration_date: null,
    links: { details: `/api/v1/models/${id}/endpoints` },
  };
}

export const OPENROUTER_MODELS: Model[] = [
  model("openai/gpt-4o", "OpenAI: GPT-4o", {
    context: 128000,
    prompt: "0.0000025",
    completion: "0.00001",
    tokenizer: "GPT",
    input: ["text", "image", "file"],
    maxOut: 16384,
    created: 1715558400,
  }),
  model("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", {
    context: 128000,
    prompt: "0.00000015",
    completion: "0.0000006",
    tokenizer: "GPT",
    input: ["text", "image", "file"],
    maxOut: 16384,
    created: 1721260800,
  }),
  model("openai/o3-mini", "OpenAI: o3 Mini", {
    context: 200000,
    prompt: "0.0000011",
    completion: "0.0000044",
    tokenizer: "GPT",
    input: ["text", "file"],
    maxOut: 100000,
    created: 1738281600,
  }),
  model("anthropic/claude-3.5-sonnet", "Anthropic: Claude 3.5 Sonnet", {
    context: 200000,
    prompt: "0.000003",
    completion: "0.000015",
    tokenizer: "Claude",
    input: ["text", "image", "file"],
    maxOut: 8192,
    created: 1729555200,
  }),
  model("anthropic/claude-3.5-haiku", "Anthropic: Claude 3.5 Haiku", {
    context: 200000,
    prompt: "0.0000008",
    completion: "0.000004",
    tokenizer: "Claude",
    input: ["text", "image"],
    maxOut: 8192,
    created: 1730678400,
  }),
  model("anthropic/claude-3-opus", "Anthropic: Claude 3 Opus", {
    context: 200000,
    prompt: "0.000015",
    completion: "0.000075",
    tokenizer: "Claude",
    input: ["text", "image"],
    maxOut: 4096,
    created: 1709596800,
  }),
  model("google/gemini-2.0-flash-001", "Google: Gemini 2.0 Flash", {
    context: 1048576,
    prompt: "0.0000001",
    completion: "0.0000004",
    tokenizer: "Gemini",
    input: ["text", "image", "file", "audio"],
    maxOut: 8192,
    created: 1738713600,
  }),
  model("google/gemini-pro-1.5", "Google: Gemini 1.5 Pro", {
    context: 2000000,
    prompt: "0.00000125",
    completion: "0.000005",
    tokenizer: "Gemini",
    input: ["text", "image"],
    maxOut: 8192,
    created: 1712620800,
  }),
  model("meta-llama/llama-3.1-70b-instruct", "Meta: Llama 3.1 70B Instruct", {
    context: 131072,
    prompt: "0.0000001",
    completion: "0.00000028",
    tokenizer: "Llama3",
    instruct: "llama3",
    created: 1721692800,
  }),
  model("mistralai/mistral-large", "Mistral Large", {
    context: 128000,
    prompt: "0.000002",
    completion: "0.000006",
    tokenizer: "Mistral",
    created: 1708905600,
  }),
  model("deepseek/deepseek-chat", "DeepSeek: DeepSeek V3", {
    context: 163840,
    prompt: "0.0000003",
    completion: "0.00000088",
    tokenizer: "DeepSeek",
    created: 1735257600,
  }),
  model("qwen/qwen-2.5-72b-instruct", "Qwen2.5 72B Instruct", {
    context: 32768,
    prompt: "0.00000012",
    completion: "0.00000039",
    tokenizer: "Qwen",
    instruct: "chatml",
    created: 1726704000,
  }),
  model("openai/text-embedding-3-small", "OpenAI: Text Embedding 3 Small", {
    context: 8192,
    prompt: "0.00000002",
    completion: "0",
    tokenizer: "GPT",
    output: ["embeddings"],
    created: 1706140800,
  }),
];
