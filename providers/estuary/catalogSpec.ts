// EstuaryCatalogSpec: one Flow catalog entity (capture, collection or derivation, materialization, test),
// managed through drafts and publications. The id is the catalog name: live specs are addressed by it.
import type * as pulumi from "@pulumi/pulumi";
import { deepMerge, isPlainObject, isUnknown, sortedDeep, withoutSecrets } from "../dynamic";
import { dynamicProvider, dynamicResource, object, optional, type Rule, str } from "../kit";
import { configuredEstuary, type EstuaryClient, type LiveSpec, NO_PUB_ID, type SpecType } from "./client";

export interface CatalogSpecInputs {
  /** Full catalog name, e.g. "sophia-ai/production/gong-webhook". */
  catalogName: string;
  specType: SpecType;
  /** The spec model (flow.schema.json's CaptureDef, CollectionDef, MaterializationDef or test steps). */
  spec: Record<string, unknown>;
  /** Secret parts of the spec (endpoint credentials): merged in when staged, never compared with the API. */
  secretSpec?: Record<string, unknown>;
  /** Data plane of a new task, e.g. "ops/dp/public/gcp-us-central1-c1"; the control plane's default if unset. */
  dataPlaneName?: string;
}

export interface CatalogSpecOutputs extends CatalogSpecInputs {
  /** The live spec's last publication id (the expect_pub_id of the next publication). */
  lastPubId: string;
  liveSpecId: string;
}

const SPEC_TYPES = ["capture", "collection", "materialization", "test"];
const CATALOG_NAME = {
  re: /^[\p{L}\p{N}\-_.]+(\/[\p{L}\p{N}\-_.]+)+$/u,
  what: 'a Flow catalog name like "tenant/prefix/name"',
};
/** Flow returns specs as stored: there is no mask value to strip. */
const NO_MASK = "\u0000";

/** The top-level property each spec type requires (flow.schema.json); the control plane checks the rest. */
const REQUIRED: Record<string, string[]> = {
  capture: ["endpoint", "bindings"],
  materialization: ["endpoint", "bindings"],
  collection: ["key"],
  test: [],
};

/**
 * Endpoint-config keys that hold credentials: they belong in secretSpec, and never reach a plain output.
 * Matched on the key with case and separators dropped, so `privateKey`, `private_key` and `PRIVATE-KEY`
 * are one spelling (SSH tunnels' `sshForwarding.privateKey`, Snowflake's key-pair `privateKey`, BigQuery's
 * `credentials_json`).
 */
const CREDENTIAL_KEY =
  /password|passwd|passphrase|secret|token|privatekey|apikey|credentialsjson|credentialjson/;
/** Words that name a credential only on their own: `pass`/`db_pass`/`smtpPass`, but not `passes` or `bypass`. */
const CREDENTIAL_WORD = /^(pass|pwd)$/;

/** Whether an endpoint-config key names a credential. */
export function isCredentialKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return CREDENTIAL_KEY.test(words.join("")) || words.some((w) => CREDENTIAL_WORD.test(w));
}

/** The value at a path of nested objects, or undefined where the path leaves them. */
function dig(v: unknown, path: string[]): unknown {
  let at = v;
  for (const k of path) at = isPlainObject(at) ? at[k] : undefined;
  return at;
}

/** Where a spec holds connector configs: the endpoint's, a Dekaf endpoint's, a derivation's. */
const CONFIG_PATHS = [
  ["endpoint", "connector", "config"],
  ["endpoint", "dekaf", "config"],
  ["derive", "using", "connector", "config"],
];
const ENDPOINT_CONFIG = "spec.endpoint.connector.config";

/** Keys sops and the encryption service reserve: `sops`, `*_sops`. */
const isSopsKey = (k: string) => k === "sops" || k.endsWith("_sops");

/** Paths of keys sops reserves, through objects and arrays. */
function reservedKeyPaths(config: unknown, at: string): string[] {
  if (Array.isArray(config)) return config.flatMap((v, i) => reservedKeyPaths(v, `${at}[${i}]`));
  if (!isPlainObject(config)) return [];
  return Object.entries(config).flatMap(([k, v]) => [
    ...(isSopsKey(k) ? [`${at}.${k}`] : []),
    ...reservedKeyPaths(v, `${at}.${k}`),
  ]);
}

/** Secret keys the encryption service cannot place (it reads digits and "-" as array positions). */
function unplaceableKeyPaths(config: unknown, at: string): string[] {
  if (!isPlainObject(config)) return [];
  return Object.entries(config).flatMap(([k, v]) => [
    ...(/^(\d+|-)$/.test(k) ? [`${at}.${k}`] : []),
    ...unplaceableKeyPaths(v, `${at}.${k}`),
  ]);
}

/** Paths of credential-like string values in an endpoint config (for check), through objects and arrays. */
function credentialPaths(config: unknown, at: string): string[] {
  if (Array.isArray(config)) return config.flatMap((v, i) => credentialPaths(v, `${at}[${i}]`));
  if (!isPlainObject(config)) return [];
  return Object.entries(config).flatMap(([k, v]) =>
    isSopsKey(k) // reported as reserved keys
      ? []
      : typeof v === "string" && isCredentialKey(k)
        ? [`${at}.${k}`]
        : credentialPaths(v, `${at}.${k}`),
  );
}

/**
 * The endpoint config without credential-like values and without sops-encrypted forms of secrets (`sops`,
 * `*_sops`), which the control plane may return in place of what was sent: neither may be stored in plain
 * state (after an import, no secretSpec says where the secrets are), and neither is drift. Objects inside
 * arrays (a list of hosts or accounts) are redacted too.
 */
function redact(config: unknown): unknown {
  if (Array.isArray(config)) return config.map(redact);
  if (!isPlainObject(config)) return config;
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k, v]) => !isSopsKey(k) && !(typeof v === "string" && isCredentialKey(k)))
      .map(([k, v]) => [k, redact(v)]),
  );
}

/** `spec` with the endpoint's connector config replaced by `config(current)`, if there is one. */
function withEndpointConfig(
  spec: Record<string, unknown>,
  config: (current: Record<string, unknown>) => unknown,
): Record<string, unknown> {
  const endpoint = spec.endpoint;
  const connector = dig(endpoint, ["connector"]);
  if (!isPlainObject(endpoint) || !isPlainObject(connector) || !isPlainObject(connector.config)) return spec;
  return {
    ...spec,
    endpoint: { ...endpoint, connector: { ...connector, config: config(connector.config) } },
  };
}

const plainSpec = (spec: Record<string, unknown>) => withEndpointConfig(spec, redact);

function outputs(live: LiveSpec, inputs: CatalogSpecInputs): CatalogSpecOutputs {
  return {
    catalogName: live.catalog_name,
    specType: live.spec_type as SpecType,
    spec: plainSpec(withoutSecrets(live.spec ?? {}, inputs.secretSpec, NO_MASK)),
    ...(inputs.secretSpec ? { secretSpec: inputs.secretSpec } : {}),
    ...(inputs.dataPlaneName !== undefined ? { dataPlaneName: inputs.dataPlaneName } : {}),
    lastPubId: live.last_pub_id,
    liveSpecId: live.id,
  };
}

/** Paths in `value` that leave the single allowed chain of keys (unknown values are let through). */
function strayPaths(value: unknown, chain: string[], at: string): string[] {
  if (chain.length === 0 || value === undefined || isUnknown(value)) return [];
  if (!isPlainObject(value)) return [at];
  const [key, ...rest] = chain;
  return Object.entries(value).flatMap(([k, v]) =>
    k === key
      ? rest.length
        ? strayPaths(v, rest, `${at}.${k}`)
        : isPlainObject(v) || isUnknown(v)
          ? []
          : [`${at}.${k}`]
      : [`${at}.${k}`],
  );
}

/** A JSON schema marking every leaf of the secret endpoint config `secret: true`, for the encryption service. */
function secretSchema(secret: unknown): Record<string, unknown> {
  if (!isPlainObject(secret)) return { secret: true };
  return {
    type: "object",
    properties: Object.fromEntries(Object.entries(secret).map(([k, v]) => [k, secretSchema(v)])),
  };
}

/** The secret endpoint config of a secretSpec (the only place a secretSpec may hold anything). */
const secretConfigOf = (secretSpec: Record<string, unknown> | undefined) =>
  dig(secretSpec, ["endpoint", "connector", "config"]);

/**
 * The spec to stage: the declared spec with its secrets merged in, the endpoint config's secrets
 * sops-encrypted by Estuary's config-encryption service first, as flowctl and the UI do — Estuary stores
 * and returns only ciphertext, and Flow decrypts it for the connector.
 */
async function stagedSpec(c: EstuaryClient, inputs: CatalogSpecInputs): Promise<Record<string, unknown>> {
  const merged = deepMerge(inputs.spec, inputs.secretSpec ?? {});
  const secret = secretConfigOf(inputs.secretSpec);
  const config = dig(merged, ["endpoint", "connector", "config"]);
  if (!isPlainObject(secret)) return merged;
  // Sorted first: sops's MAC covers every value in document order, and Flow stores configs sorted, so an
  // unsorted document would no longer decrypt once stored (estuary-cdk sorts for the same reason).
  const encrypted = await c.encryptConfig(sortedDeep(config), secretSchema(secret));
  const plain = plainLeft(encrypted, secret, ENDPOINT_CONFIG);
  if (plain.length) {
    throw new Error(
      `Estuary: the config-encryption service did not encrypt ${plain.join(", ")}; nothing was staged`,
    );
  }
  return withEndpointConfig(merged, () => encrypted);
}

/**
 * Secret leaves that did not come back encrypted: each must be gone under its own key and present as
 * `<key>_sops` with a sops value, and the document must carry a `sops` stanza.
 */
function plainLeft(encrypted: unknown, secret: unknown, at: string, top = true): string[] {
  if (!isPlainObject(secret)) return [];
  if (!isPlainObject(encrypted)) return [at];
  const missingStanza = top && !isPlainObject(encrypted.sops) ? [`${at}.sops`] : [];
  return [
    ...missingStanza,
    ...Object.entries(secret).flatMap(([k, v]) => {
      if (isPlainObject(v)) return plainLeft(encrypted[k], v, `${at}.${k}`, false);
      const sealed = encrypted[`${k}_sops`];
      const ok =
        !(k in encrypted) &&
        (typeof sealed === "string"
          ? sealed.startsWith("ENC[")
          : Array.isArray(sealed) && sealed.every((x) => typeof x === "string" && x.startsWith("ENC[")));
      return ok ? [] : [`${at}.${k}`];
    }),
  ];
}

/** Publishes the declared spec over `expectPubId` and returns the resulting live spec. */
async function publishSpec(c: EstuaryClient, inputs: CatalogSpecInputs, expectPubId: string, verb: string) {
  await c.publish(
    [
      {
        catalog_name: inputs.catalogName,
        spec_type: inputs.specType,
        spec: await stagedSpec(c, inputs),
        expect_pub_id: expectPubId,
      },
    ],
    { detail: `${verb} ${inputs.catalogName} (Sophia AI Pulumi)`, dataPlaneName: inputs.dataPlaneName },
  );
  const live = await c.liveSpec(inputs.catalogName);
  if (!live) {
    throw new Error(`Estuary: ${inputs.catalogName} was published but has no live spec`);
  }
  return live;
}

const RESERVED = "sops and *_sops keys are reserved for encrypted values";

/** The spec: present, an object, with what its type needs, and no credential or reserved key in a config. */
const specRule: Rule = (spec, _p, n) => {
  if (spec === undefined) return "spec is required";
  if (!isPlainObject(spec)) return "spec must be an object (the Flow spec model)";
  const out: string[] = [];
  if (typeof n.specType === "string") {
    const missing = (REQUIRED[n.specType] ?? []).filter(
      (k) => spec[k] === undefined && !(isPlainObject(n.secretSpec) && k in n.secretSpec),
    );
    if (missing.length) out.push(`a ${n.specType} spec needs ${missing.join(" and ")}`);
  }
  for (const path of CONFIG_PATHS) {
    const at = `spec.${path.join(".")}`;
    const config = dig(spec, path);
    for (const p of credentialPaths(config, at)) {
      out.push(
        at === ENDPOINT_CONFIG
          ? `${p} looks like a credential: set it in secretSpec`
          : `${p} looks like a credential: Estuary encrypts only endpoint.connector.config, so keep credentials out of this config`,
      );
    }
    for (const p of reservedKeyPaths(config, at)) out.push(`${p}: ${RESERVED}`);
  }
  return out;
};

/** The secret spec holds endpoint config values only, under keys the encryption service can place. */
const secretSpecRule: Rule = (secretSpec) => {
  if (!isPlainObject(secretSpec)) return undefined; // the object rule reports it
  const secret = secretConfigOf(secretSpec);
  const at = "secretSpec.endpoint.connector.config";
  const out = [
    ...reservedKeyPaths(secret, at).map((p) => `${p}: ${RESERVED}`),
    ...unplaceableKeyPaths(secret, at).map(
      (p) =>
        `${p}: a secret key of digits or "-" cannot be encrypted (the service reads it as an array position)`,
    ),
  ];
  // Estuary encrypts endpoint configs only: a secret anywhere else would be stored in plain text.
  const stray = strayPaths(secretSpec, ["endpoint", "connector", "config"], "secretSpec");
  if (stray.length) {
    out.push(
      `secretSpec may hold only endpoint.connector.config values (the ones Estuary encrypts); got ${stray.join(", ")}`,
    );
  }
  return out;
};

/** Deletes a live spec: a publication of a null spec over its last_pub_id. */
async function unpublish(c: EstuaryClient, live: LiveSpec): Promise<void> {
  const name = live.catalog_name;
  await c.publish([{ catalog_name: name, spec_type: null, spec: null, expect_pub_id: live.last_pub_id }], {
    detail: `delete ${name} (Sophia AI Pulumi)`,
    dataPlaneName: "",
  });
}

export const catalogSpecProvider = dynamicProvider<CatalogSpecInputs, CatalogSpecOutputs, EstuaryClient>({
  client: configuredEstuary,
  rules: {
    catalogName: str(CATALOG_NAME),
    specType: (v) =>
      SPEC_TYPES.includes(v as string)
        ? undefined
        : `specType must be one of ${SPEC_TYPES.join(", ")}; got ${JSON.stringify(v)}`,
    spec: specRule,
    secretSpec: [object, secretSpecRule],
    dataPlaneName: optional(str()),
  },
  diff: {
    replace: ["catalogName", "specType"],
    // A task stays on the data plane it was created on.
    replaceIf: {
      dataPlaneName: (olds, news) =>
        news.dataPlaneName !== undefined &&
        !isUnknown(news.dataPlaneName) &&
        olds.dataPlaneName !== undefined &&
        news.dataPlaneName !== olds.dataPlaneName,
    },
    update: ["spec", "secretSpec"],
    // The same name cannot hold the old and the new spec at once.
    deleteFirst: "catalogName",
    // a publication changes lastPubId, not the live spec's id
    stables: ["liveSpecId"],
  },

  async create(inputs, api) {
    // Orphans: the catalog name carries the stack's prefix, so a live spec of that name the state does not
    // hold was published by an interrupted run. One of the declared type is adopted (the declared spec is
    // published over its last_pub_id); one of another type is deleted first and the spec published anew.
    // None must appear meanwhile (NO_PUB_ID), or the publication reports expectPubIdMismatch.
    const c = api();
    let existing = await c.liveSpec(inputs.catalogName);
    if (existing && existing.spec_type !== inputs.specType) {
      await unpublish(c, existing);
      existing = undefined;
    }
    const live = await publishSpec(
      c,
      inputs,
      existing?.last_pub_id ?? NO_PUB_ID,
      existing ? "adopt" : "create",
    );
    return { id: inputs.catalogName, outs: outputs(live, inputs) };
  },

  async read(id, props, api) {
    const live = await api().liveSpec(id);
    return live && outputs(live, props);
  },

  async update(_id, olds, news, api) {
    // Over the publication this state last saw: a change made elsewhere since is reported, not overwritten.
    return outputs(await publishSpec(api(), news, olds.lastPubId, "update"), news);
  },

  async delete(id, _props, api) {
    // Deletion is a publication of a null spec over the live spec's last_pub_id.
    const c = api();
    const live = await c.liveSpec(id);
    if (live) await unpublish(c, live);
  },
});

export interface CatalogSpecArgs {
  catalogName: pulumi.Input<string>;
  specType: pulumi.Input<SpecType>;
  spec: pulumi.Input<Record<string, unknown>>;
  secretSpec?: pulumi.Input<Record<string, unknown>>;
  dataPlaneName?: pulumi.Input<string>;
}

/** A Flow catalog spec, typed estuary:CatalogSpec. */
export class EstuaryCatalogSpec extends dynamicResource<CatalogSpecArgs>()(catalogSpecProvider, {
  declaredIn: __filename,
  type: "estuary:CatalogSpec",
  outputs: ["catalogName", "specType", "spec", "secretSpec", "lastPubId", "liveSpecId"],
  secrets: ["secretSpec"],
}) {}
