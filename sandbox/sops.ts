// The sops encryption Estuary's config-encryption service applies to endpoint configs, for the Estuary
// stand-in: what the service returns (encrypt) and what Flow's runtime hands a connector (decrypt).
//
// As the service does (estuary/flow config-encryption/README.md): properties the JSON schema marks
// `secret: true` or `airbyte_secret: true` are renamed `<key>_sops`, then sops encrypts every value under a
// `_sops` key (`--encrypted-suffix _sops`) with a fresh data key: AES-256-GCM, the key path as additional
// data, written ENC[AES256_GCM,data:…,iv:…,tag:…,type:str|int|float|bool]. The data key is wrapped by the
// KMS key (Google Cloud KMS in reality; here a key the stand-in keeps) and recorded in the `sops` stanza
// with a MAC over every value of the document in document order — so a document reordered after
// encryption (Flow stores specs with sorted keys) no longer decrypts, which is why clients sort before they
// encrypt. The format follows sops's; it is not byte-compatible with the sops tool.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { isPlainObject } from "./core/util";

export const SOPS_SUFFIX = "_sops";
const ENC = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(str|int|float|bool)\]$/;

type Json = unknown;

function seal(key: Buffer, plain: Buffer, aad: string): { data: string; iv: string; tag: string } {
  const iv = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return {
    data: data.toString("base64"),
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
  };
}

function open(key: Buffer, data: string, iv: string, tag: string, aad: string): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]);
}

function encValue(key: Buffer, value: Json, aad: string): string {
  const type =
    typeof value === "boolean"
      ? "bool"
      : typeof value === "number"
        ? Number.isInteger(value)
          ? "int"
          : "float"
        : "str";
  const { data, iv, tag } = seal(key, Buffer.from(String(value)), aad);
  return `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag},type:${type}]`;
}

function decValue(key: Buffer, enc: string, aad: string): Json {
  const m = ENC.exec(enc);
  if (!m) throw new Error(`not a sops value at ${aad}`);
  const text = open(key, m[1], m[2], m[3], aad).toString("utf8");
  return m[4] === "str" ? text : m[4] === "bool" ? text === "true" : Number(text);
}

/** A schema the service cannot apply (it answers 400 {error, description}). */
export class EncryptionRequestError extends Error {
  constructor(
    readonly id: string,
    description: string,
  ) {
    super(description);
  }
}

const isSecret = (s: unknown) => isPlainObject(s) && (s.secret === true || s.airbyte_secret === true);

/**
 * Renames the properties the schema marks secret `<key>_sops`, keeping the document's order (the service
 * does not reorder; Flow sorts when it stores). Only `properties` are followed: a secret mark under
 * `items` is refused, as the service refuses it (InvalidSecretLocation).
 */
function markSecrets(config: Json, schema: unknown, at: string): Json {
  if (
    isPlainObject(schema) &&
    isPlainObject(schema.items) &&
    JSON.stringify(schema.items).includes('"secret":true')
  ) {
    throw new EncryptionRequestError(
      "InvalidSecretLocation",
      `a secret annotation under ${at}/items is not supported`,
    );
  }
  if (!isPlainObject(config)) return config;
  const props = isPlainObject(schema) && isPlainObject(schema.properties) ? schema.properties : {};
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) =>
      isSecret(props[k]) ? [`${k}${SOPS_SUFFIX}`, v] : [k, markSecrets(v, props[k], `${at}/${k}`)],
    ),
  );
}

/**
 * Visits every leaf in document order with its sops path (map keys joined by ":", ending in ":"; array
 * positions are not part of it) and whether it lies under a `_sops` key; `f` may replace it. Nulls are
 * left alone, as sops leaves them.
 */
function walk(doc: Json, f: (v: Json, aad: string, secret: boolean) => Json, at = "", inside = false): Json {
  if (Array.isArray(doc)) return doc.map((v) => walk(v, f, at, inside));
  if (isPlainObject(doc)) {
    return Object.fromEntries(
      Object.entries(doc).map(([k, v]) => [k, walk(v, f, `${at}${k}:`, inside || k.endsWith(SOPS_SUFFIX))]),
    );
  }
  return doc === null ? doc : f(doc, at, inside);
}

export function sopsEncrypt(config: Record<string, Json>, schema: Json, kmsKey: Buffer, resourceId: string) {
  const dataKey = randomBytes(32);
  const marked = markSecrets(config, schema, "#") as Record<string, Json>;
  const mac = createHash("sha512");
  const encrypted = walk(marked, (v, aad, secret) => {
    mac.update(String(v)); // the MAC covers every value, encrypted or not, in document order
    return secret ? encValue(dataKey, v, aad) : v;
  }) as Record<string, Json>;
  const lastmodified = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const wrapped = seal(kmsKey, dataKey, resourceId);
  return {
    ...encrypted,
    sops: {
      gcp_kms: [
        {
          resource_id: resourceId,
          created_at: lastmodified,
          enc: Buffer.from(JSON.stringify(wrapped)).toString("base64"),
        },
      ],
      lastmodified,
      mac: encValue(dataKey, mac.digest("hex").toUpperCase(), lastmodified),
      encrypted_suffix: SOPS_SUFFIX,
      version: "3.7.3",
    },
  };
}

/** What Flow's runtime hands the connector: the `_sops` values decrypted under their original keys. */
export function sopsDecrypt(doc: Record<string, Json>, kmsKey: Buffer): Record<string, Json> {
  const { sops, ...rest } = doc;
  if (!isPlainObject(sops)) return doc;
  const kms = (sops as { gcp_kms?: { enc?: string; resource_id?: string }[] }).gcp_kms?.[0];
  const wrapped: { data: string; iv: string; tag: string } = JSON.parse(
    Buffer.from(String(kms?.enc ?? ""), "base64").toString("utf8"),
  );
  const dataKey = open(kmsKey, wrapped.data, wrapped.iv, wrapped.tag, String(kms?.resource_id));
  const mac = createHash("sha512");
  const plain = walk(rest, (v, aad, secret) => {
    const out = secret ? decValue(dataKey, String(v), aad) : v;
    mac.update(String(out));
    return out;
  });
  if (decValue(dataKey, String(sops.mac), String(sops.lastmodified)) !== mac.digest("hex").toUpperCase()) {
    throw new Error("sops MAC mismatch: the document was changed, or reordered, after encryption");
  }
  const unsuffix = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(unsuffix);
    if (!isPlainObject(v)) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k.endsWith(SOPS_SUFFIX) ? k.slice(0, -SOPS_SUFFIX.length) : k,
        unsuffix(x),
      ]),
    );
  };
  return unsuffix(plain) as Record<string, Json>;
}
