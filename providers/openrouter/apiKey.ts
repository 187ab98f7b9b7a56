// openrouter:ApiKey — an OpenRouter API key, managed with the management key.
//
// The key string is returned once, by createKeys: it is a secret output (additionalSecretOutputs) and is
// never read again; read() keeps the value from the state and refreshes everything else.
//
// Rotation: any change of `keepers` replaces the key, creating the new one before deleting the old, so
// consumers never lack a key. The remote name carries a short hash of the keepers (`name#1a2b3c4d`), so
// the two generations that coexist during a rotation have different names.
//
// Adoption: a key found by name cannot be adopted, since its key string can never be recovered and the
// output would be a key nobody can use. create() therefore refuses, naming the existing key's hash, instead
// of adopting, duplicating or deleting a key someone may be using. Where a replacement keeps the remote
// name (only expiresAt changed, which the API cannot update), diff asks for delete-before-replace so the
// new create does not meet the old key.
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
import * as pulumi from "@pulumi/pulumi";
import {
  type CheckFailure,
  changedKeys,
  configValue,
  isUnknown,
  rememberConfig,
  requireString,
} from "../dynamic";
import { type ApiKeyBody, type ApiKeyResponse, configuredOpenRouter } from "./client";

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

export function apiKeyProvider(): pulumi.dynamic.ResourceProvider<ApiKeyInputs, ApiKeyOutputs> {
  const client = () => configuredOpenRouter(configValue);

  const body = (i: ApiKeyInputs): ApiKeyBody => ({
    name: remoteName(i),
    limit: i.limit ?? null,
    limit_reset: (i.limitReset ?? null) as ApiKeyBody["limit_reset"],
    include_byok_in_limit: i.includeByokInLimit ?? false,
  });

  const outputs = (r: ApiKeyResponse, inputs: ApiKeyInputs, key: string): ApiKeyOutputs => {
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
  };

  return {
    async configure(req) {
      rememberConfig(req);
    },

    async check(_olds, news) {
      const failures: CheckFailure[] = [];
      const n = news as unknown as Record<string, unknown>;
      requireString(failures, n, "name");
      if (typeof n.name === "string" && n.name.includes("#")) {
        failures.push({
          property: "name",
          reason: 'name must not contain "#" (it separates the keepers tag)',
        });
      }
      const limit = n.limit;
      if (limit !== undefined && !isUnknown(limit) && (typeof limit !== "number" || !(limit >= 0))) {
        failures.push({
          property: "limit",
          reason: `limit must be a number of USD >= 0; got ${JSON.stringify(limit)}`,
        });
      }
      const reset = n.limitReset;
      if (reset !== undefined && !isUnknown(reset) && !LIMIT_RESETS.includes(reset as string)) {
        failures.push({
          property: "limitReset",
          reason: `limitReset must be one of ${LIMIT_RESETS.join(", ")}; got ${JSON.stringify(reset)}`,
        });
      }
      const exp = n.expiresAt;
      if (
        exp !== undefined &&
        !isUnknown(exp) &&
        (typeof exp !== "string" || !UTC_TIMESTAMP.test(exp) || Number.isNaN(Date.parse(exp)))
      ) {
        failures.push({
          property: "expiresAt",
          reason: `expiresAt must be an ISO 8601 UTC timestamp like 2027-12-31T23:59:59Z; got ${JSON.stringify(exp)}`,
        });
      }
      for (const flag of ["includeByokInLimit", "disabled"]) {
        const v = n[flag];
        if (v !== undefined && !isUnknown(v) && typeof v !== "boolean") {
          failures.push({ property: flag, reason: `${flag} must be true or false` });
        }
      }
      const keepers = n.keepers;
      if (keepers !== undefined && !isUnknown(keepers)) {
        const ok =
          typeof keepers === "object" &&
          keepers !== null &&
          !Array.isArray(keepers) &&
          Object.values(keepers).every((v) => typeof v === "string" || isUnknown(v));
        if (!ok) failures.push({ property: "keepers", reason: "keepers must be an object of strings" });
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const o = olds as unknown as Record<string, unknown>;
      const n = news as unknown as Record<string, unknown>;
      const replaces = changedKeys(o, n, ["keepers"]);
      // compared as instants: another spelling of the same expiry is no change (and no new key)
      if (!sameInstant(o.expiresAt, n.expiresAt)) replaces.push("expiresAt");
      const updates = changedKeys(o, n, [
        "name",
        "limit",
        "limitReset",
        "includeByokInLimit",
        "disabled",
      ]).filter(
        // an omitted flag means the API's default (false)
        (k) => !((k === "includeByokInLimit" || k === "disabled") && !o[k] && !n[k]),
      );
      const unknownName = isUnknown(news.name) || Object.values(news.keepers ?? {}).some(isUnknown);
      return {
        changes: replaces.length + updates.length > 0,
        replaces,
        // Create-before-delete, so consumers always have a key, unless the new key would have the same
        // remote name as the old one: create() refuses to meet a key of its name, so delete first.
        deleteBeforeReplace: replaces.length > 0 && !unknownName && remoteName(olds) === remoteName(news),
      };
    },

    async create(inputs) {
      const c = client();
      const name = remoteName(inputs);
      const existing = (await c.listKeys()).filter((k) => k.name === name);
      if (existing.length > 0) {
        throw new Error(
          `OpenRouter: an API key named "${name}" already exists (hash ${existing[0].hash}); its key string is ` +
            "shown only when a key is created, so it cannot be adopted. Delete it in OpenRouter, or change the name or keepers",
        );
      }
      // After an ambiguous failure, a key of this name can only be the one the lost response carried:
      // delete it (its string is lost) and let the client send the POST again.
      const recover = async () => {
        for (const k of (await c.listKeys()).filter((x) => x.name === name)) await c.deleteKey(k.hash);
        return undefined;
      };
      const created = await c.createKey(
        { ...body(inputs), ...(inputs.expiresAt ? { expires_at: inputs.expiresAt } : {}) },
        recover,
      );
      let remote = created.data;
      if (inputs.disabled) {
        try {
          remote = await c.updateKey(remote.hash, { disabled: true });
        } catch (err) {
          // Unrecorded, the key would block every later create of its name (it cannot be adopted), and
          // it would be enabled where disabled was asked for: delete it, then report the failure.
          const hash = remote.hash;
          await c.deleteKey(hash).catch((e) => {
            if (err instanceof Error) {
              err.message += `; the key created as "${name}" (hash ${hash}) could not be deleted either (${e instanceof Error ? e.message : e}): delete it in OpenRouter`;
            }
          });
          throw err;
        }
      }
      return { id: remote.hash, outs: outputs(remote, inputs, created.key) };
    },

    async read(id, props) {
      const remote = await client().getKey(id);
      if (!remote) return { id: "", props: {} as ApiKeyOutputs }; // gone: the engine drops it from state
      return { id, props: outputs(remote, props as ApiKeyOutputs, (props as ApiKeyOutputs).key) };
    },

    async update(id, olds, news) {
      const remote = await client().updateKey(id, { ...body(news), disabled: news.disabled ?? false });
      return { outs: outputs(remote, news, (olds as ApiKeyOutputs).key) };
    },

    async delete(id) {
      await client().deleteKey(id);
    },
  };
}

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

export class OpenRouterApiKey extends pulumi.dynamic.Resource {
  declare readonly hash: pulumi.Output<string>;
  declare readonly remoteName: pulumi.Output<string>;
  declare readonly label: pulumi.Output<string>;
  /** The key string: secret, known only from the response that created the key. */
  declare readonly key: pulumi.Output<string>;
  constructor(name: string, args: ApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...args,
        hash: undefined,
        remoteName: undefined,
        label: undefined,
        key: undefined,
        createdAt: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key"] }),
      "openrouter",
      "ApiKey",
    );
  }
}
