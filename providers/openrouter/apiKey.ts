// openrouter:ApiKey — an OpenRouter API key, managed with the management key.
//
// The key string is returned once, by createKeys: it is a secret output (additionalSecretOutputs) and is
// never read again; read() keeps the value from the state and refreshes everything else.
//
// Rotation: any change of `keepers` replaces the key, creating the new one before deleting the old, so
// consumers never lack a key. The remote name carries a short hash of the keepers (`name#1a2b3c4d`), so
// the two generations that coexist during a rotation have different names.
//
// Orphans: a key found by name cannot be adopted, since its key string can never be recovered and the
// output would be a key nobody can use. The remote name carries the stack's prefix and the keepers' tag,
// and no key of the state shares it when create runs (a rotation's generations differ by tag; where a
// replacement keeps the remote name, because only expiresAt changed, which the API cannot update, diff
// asks for delete-before-replace). So a key of that name is one an interrupted run of this stack created
// and never recorded: create deletes every key of the name, then creates one, so exactly one remains and
// its string is in the outputs.
//
// A key declared disabled is created, then disabled by updateKeys; if that fails, the new key is deleted
// before the error is reported, so no unrecorded key of the name is left to block the next create.
//
// expiresAt is compared as an instant, and the declared spelling is kept when the API writes the same
// instant back in another form (`...:59Z` for `...:59.000Z`), so that is neither drift nor a replacement.
//
// A dropped createKeys response is recovered without a duplicate: the key was checked absent before the
// POST, so a key of that name found afterwards is the one the lost response held; its string is lost,
// so recovery deletes it and the POST is sent again.
import type * as pulumi from "@pulumi/pulumi";
import { deepEqual, isUnknown } from "../dynamic";
import { dynamicProvider, dynamicResource, flag, optional, type ProviderDeclaration, str } from "../kit";
import { type ApiKeyBody, type ApiKeyResponse, configuredOpenRouter, type OpenRouterClient } from "./client";

/** A timestamp whose date exists (Date.parse quietly turns 2027-02-30 into 2 March). */
const realDate = (v: string): boolean => {
  const t = Date.parse(v);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === v.slice(0, 10);
};

export const LIMIT_RESETS = ["daily", "weekly", "monthly"];

export interface ApiKeyInputs {
  name: string;
  /** Spending limit in USD; omitted = no limit. */
  limit?: number;
  /** When the limit resets: daily, weekly or monthly; omitted = never. */
  limitReset?: string;
  /** ISO 8601 UTC expiry (ending in Z); the API cannot change it, so a change replaces the key. */
  expiresAt?: string;
  includeByokInLimit?: boolean;
  disabled?: boolean;
  /** Any change replaces (rotates) the key. */
  keepers?: Record<string, string>;
}

export interface ApiKeyOutputs extends ApiKeyInputs {
  hash: string;
  /** The name in OpenRouter: `name`, with `#<keepers hash>` when keepers are set. */
  remoteName: string;
  label: string;
  /** The key string, from createKeys; secret, never re-read. */
  key: string;
  createdAt: string;
}

/** FNV-1a of the keepers (sorted keys), 8 hex digits: a stable generation tag. */
export function keepersTag(keepers: Record<string, string> | undefined): string {
  if (!keepers || Object.keys(keepers).length === 0) return "";
  const text = JSON.stringify(
    Object.keys(keepers)
      .sort()
      .map((k) => [k, keepers[k]]),
  );
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

export const remoteName = (inputs: Pick<ApiKeyInputs, "name" | "keepers">): string => {
  const tag = keepersTag(inputs.keepers);
  return tag ? `${inputs.name}#${tag}` : inputs.name;
};

const NO_HASH_IN_NAME = 'name must not contain "#" (it separates the keepers tag)';

/** An object (not an array) whose values all pass `ok`. */
const isPlainObjectOf = (v: unknown, ok: (x: unknown) => boolean) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(ok);

const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * Whether two expiry timestamps name the same instant: the API may write one back in another form
 * (`...:59Z` for `...:59.000Z`, or `+00:00`), which is no change.
 */
export function sameInstant(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "string" || typeof b !== "string") return false;
  const ta = Date.parse(a);
  return !Number.isNaN(ta) && ta === Date.parse(b);
}

const body = (i: ApiKeyInputs): ApiKeyBody => ({
  name: remoteName(i),
  limit: i.limit ?? null,
  limit_reset: (i.limitReset ?? null) as ApiKeyBody["limit_reset"],
  include_byok_in_limit: i.includeByokInLimit ?? false,
});

function outputs(r: ApiKeyResponse, inputs: ApiKeyInputs, key: string): ApiKeyOutputs {
  const out: ApiKeyOutputs = {
    // The declared name, unless the remote one was changed out of band (then that shows as drift).
    name: r.name === remoteName(inputs) ? inputs.name : r.name,
    remoteName: r.name,
    hash: r.hash,
    label: r.label,
    key,
    createdAt: r.created_at,
    includeByokInLimit: r.include_byok_in_limit,
    disabled: r.disabled,
  };
  if (r.limit !== null && r.limit !== undefined) out.limit = r.limit;
  if (r.limit_reset) out.limitReset = r.limit_reset;
  // The declared string when the API wrote back the same instant in another form, so it is no drift.
  if (r.expires_at) {
    out.expiresAt = sameInstant(r.expires_at, inputs.expiresAt) ? inputs.expiresAt : r.expires_at;
  }
  if (inputs.keepers) out.keepers = inputs.keepers;
  return out;
}

/** A flag changes unless both sides mean the API's default (false): an omitted flag is false. */
const flagChanged = (a: unknown, b: unknown) => !deepEqual(a, b) && !(!a && !b);

/**
 * Disables a key just created. On failure the key is deleted before the error is reported: unrecorded, it
 * would block every later create of its name (it cannot be adopted), and it would be enabled where
 * disabled was asked for.
 */
async function disableNew(
  c: OpenRouterClient,
  created: ApiKeyResponse,
  name: string,
): Promise<ApiKeyResponse> {
  try {
    return await c.updateKey(created.hash, { disabled: true });
  } catch (err) {
    const hash = created.hash;
    await c.deleteKey(hash).catch((e) => {
      if (err instanceof Error) {
        err.message += `; the key created as "${name}" (hash ${hash}) could not be deleted either (${e instanceof Error ? e.message : e}): delete it in OpenRouter`;
      }
    });
    throw err;
  }
}

async function createKey(inputs: ApiKeyInputs, c: OpenRouterClient) {
  const name = remoteName(inputs);
  // Keys of this name are orphans (see the header): their strings are lost, so they go. After an
  // ambiguous failure, likewise: a key of this name is the one the lost response carried; the client
  // then sends the POST again.
  const removeNamed = async () => {
    for (const k of (await c.listKeys()).filter((x) => x.name === name)) await c.deleteKey(k.hash);
    return undefined;
  };
  await removeNamed();
  const created = await c.createKey(
    { ...body(inputs), ...(inputs.expiresAt ? { expires_at: inputs.expiresAt } : {}) },
    removeNamed,
  );
  const remote = inputs.disabled ? await disableNew(c, created.data, name) : created.data;
  return { id: remote.hash, outs: outputs(remote, inputs, created.key) };
}

const apiKeyDeclaration: ProviderDeclaration<ApiKeyInputs, ApiKeyOutputs, OpenRouterClient> = {
  client: configuredOpenRouter,
  rules: {
    name: [str(), (v) => (typeof v === "string" && v.includes("#") ? NO_HASH_IN_NAME : undefined)],
    limit: optional((v) =>
      typeof v !== "number" || !(v >= 0)
        ? `limit must be a number of USD >= 0; got ${JSON.stringify(v)}`
        : undefined,
    ),
    limitReset: optional((v) =>
      LIMIT_RESETS.includes(v as string)
        ? undefined
        : `limitReset must be one of ${LIMIT_RESETS.join(", ")}; got ${JSON.stringify(v)}`,
    ),
    expiresAt: optional((v) =>
      typeof v !== "string" || !UTC_TIMESTAMP.test(v) || !realDate(v)
        ? `expiresAt must be an ISO 8601 UTC timestamp like 2027-12-31T23:59:59Z; got ${JSON.stringify(v)}`
        : undefined,
    ),
    includeByokInLimit: flag,
    disabled: flag,
    keepers: optional((v) =>
      isPlainObjectOf(v, (x) => typeof x === "string" || isUnknown(x))
        ? undefined
        : "keepers must be an object of strings",
    ),
  },
  diff: {
    replace: ["keepers"],
    // compared as instants: another spelling of the same expiry is no change (and no new key)
    replaceIf: { expiresAt: (o, n) => !sameInstant(o.expiresAt, n.expiresAt) },
    update: ["name", "limit", "limitReset"],
    updateIf: {
      includeByokInLimit: (o, n) => flagChanged(o.includeByokInLimit, n.includeByokInLimit),
      disabled: (o, n) => flagChanged(o.disabled, n.disabled),
    },
    // Create-before-delete, so consumers always have a key, unless the new key would have the same
    // remote name as the old one: create() refuses to meet a key of its name, so delete first.
    deleteFirst: (olds, news) =>
      !(isUnknown(news.name) || Object.values(news.keepers ?? {}).some(isUnknown)) &&
      remoteName(olds) === remoteName(news),
    // an update never changes the key itself (its string, hash, label or creation time)
    stables: ["hash", "key", "label", "createdAt"],
  },

  create: (inputs, api) => createKey(inputs, api()),

  async read(id, props, api) {
    const remote = await api().getKey(id);
    return remote && outputs(remote, props, props.key);
  },

  async update(id, olds, news, api) {
    const remote = await api().updateKey(id, { ...body(news), disabled: news.disabled ?? false });
    return outputs(remote, news, olds.key);
  },

  async delete(id, _props, api) {
    await api().deleteKey(id);
  },
};

export const apiKeyProvider = () => dynamicProvider(apiKeyDeclaration);

export interface ApiKeyArgs {
  name: pulumi.Input<string>;
  limit?: pulumi.Input<number>;
  limitReset?: pulumi.Input<string>;
  expiresAt?: pulumi.Input<string>;
  includeByokInLimit?: pulumi.Input<boolean>;
  disabled?: pulumi.Input<boolean>;
  keepers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

// One provider object, so Pulumi serializes it once per program run.
const provider = apiKeyProvider();

export class OpenRouterApiKey extends dynamicResource<ApiKeyArgs>()(provider, {
  // key: the key string, known only from the response that created the key
  declaredIn: __filename,
  type: "openrouter:ApiKey",
  outputs: ["hash", "remoteName", "label", "key", "createdAt"],
  secrets: ["key"],
}) {}
