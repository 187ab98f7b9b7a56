// The sops encryption Estuary's config-encryption service applies to endpoint configs, for the Estuary
// stand-in: what the service returns (encrypt) and what Flow's runtime hands a connector (decrypt).
//
// As the service does (estuary/flow config-encryption/README.md): properties the JSON schema marks
// `secret: true` or `airbyte_secret: true` are renamed `<key>_sops`, then sops encrypts every value under a
// `_sops` key (`--encrypted-suffix _sops`) with a fresh data key: AES-256-GCM, the key path as additional
// data, written ENC[AES256_GCM,data:…,iv:…,tag:…,type:str|int|float|bool]. The data key is wrapped by the
// KMS key (Google Cloud KMS in reality; here a key the stand-in keeps) and recorded in the `sops` stanza
// with a MAC over the encrypted values. Properties are sorted, as Flow sorts them.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { isPlainObject } from "../providers/dynamic";

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

/** The properties a schema declares, including those of its allOf/anyOf/oneOf members. */
function declared(schema: any): Record<string, any> {
  if (!isPlainObject(schema)) return {};
  const out: Record<string, any> = { ...(isPlainObject(schema.properties) ? schema.properties : {}) };
  for (const k of ["allOf", "anyOf", "oneOf"]) {
    for (const member of Array.isArray(schema[k]) ? schema[k] : []) Object.assign(out, declared(member));
  }
  return out;
}

const isSecret = (s: any) => isPlainObject(s) && (s.secret === true || s.airbyte_secret === true);

/** Renames the schema's secret properties `<key>_sops` and sorts every object's properties. */
function markSecrets(config: Json, schema: any): Json {
  if (Array.isArray(config)) return config.map((c) => markSecrets(c, schema?.items));
  if (!isPlainObject(config)) return config;
  const props = declared(schema);
  const out: Record<string, Json> = {};
  for (const k of Object.keys(config).sort()) {
    if (isSecret(props[k])) out[`${k}${SOPS_SUFFIX}`] = config[k];
    else out[k] = markSecrets(config[k], props[k]);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Applies `f` to every leaf under a `_sops` key, with its sops path ("a:b_sops:"). */
function mapSecretLeaves(doc: Json, f: (v: Json, aad: string) => Json, at = "", inside = false): Json {
  if (Array.isArray(doc)) return doc.map((v, i) => mapSecretLeaves(v, f, `${at}${i}:`, inside));
  if (isPlainObject(doc)) {
    return Object.fromEntries(
      Object.entries(doc).map(([k, v]) => [
        k,
        mapSecretLeaves(v, f, `${at}${k}:`, inside || k.endsWith(SOPS_SUFFIX)),
      ]),
    );
  }
  return inside ? f(doc, at) : doc;
}

export function sopsEncrypt(config: Record<string, Json>, schema: Json, kmsKey: Buffer, resourceId: string) {
  const dataKey = randomBytes(32);
  const marked = markSecrets(config, schema) as Record<string, Json>;
  const values: string[] = [];
  const encrypted = mapSecretLeaves(marked, (v, aad) => {
    values.push(String(v));
    return encValue(dataKey, v, aad);
  }) as Record<string, Json>;
  const lastmodified = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const digest = createHash("sha512").update(values.join("")).digest("hex").toUpperCase();
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
      mac: encValue(dataKey, digest, lastmodified),
      encrypted_suffix: SOPS_SUFFIX,
      version: "3.7.3",
    },
  };
}

/** What Flow's runtime hands the connector: the `_sops` values decrypted under their original keys. */
export function sopsDecrypt(doc: Record<string, Json>, kmsKey: Buffer): Record<string, Json> {
  const { sops, ...rest } = doc as { sops?: any };
  if (!isPlainObject(sops)) return doc;
  const kms = (sops as { gcp_kms?: { enc?: string; resource_id?: string }[] }).gcp_kms?.[0];
  const wrapped = JSON.parse(Buffer.from(String(kms?.enc ?? ""), "base64").toString("utf8"));
  const dataKey = open(kmsKey, wrapped.data, wrapped.iv, wrapped.tag, String(kms?.resource_id));
  const values: string[] = [];
  const plain = mapSecretLeaves(rest, (v, aad) => {
    const out = decValue(dataKey, String(v), aad);
    values.push(String(out));
    return out;
  });
  const digest = createHash("sha512").update(values.join("")).digest("hex").toUpperCase();
  if (decValue(dataKey, String(sops.mac), String(sops.lastmodified)) !== digest) {
    throw new Error("sops MAC mismatch: the document was changed after encryption");
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
