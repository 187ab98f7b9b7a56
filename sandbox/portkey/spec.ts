// The served part of Portkey's description. The description is 1.2 MB and 83 of its operations (all of
// integrations and providers) have no operationId, which OpenApiSpec's own pruning cannot keep;
// portkeySpecFile() prunes it here to the served operations (addressed as "<method> <template>") and
// writes that copy to a temporary file.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { isPlainObject } from "../core/util";
import { vendorSpecDir } from "../openapi";

type Json = Record<string, unknown>;

/** The operations served, by operationId or (without one) "<method> <template>". */
export const PORTKEY_OPERATIONS = [
  "get /integrations",
  "post /integrations",
  "get /integrations/{slug}",
  "put /integrations/{slug}",
  "delete /integrations/{slug}",
  "get /providers",
  "post /providers",
  "get /providers/{slug}",
  "put /providers/{slug}",
  "delete /providers/{slug}",
  "listConfigs",
  "createConfig",
  "getConfig",
  "updateConfig",
  "deleteConfig",
  "createGuardrail",
  "listGuardrails",
  "getGuardrail",
  "updateGuardrail",
  "deleteGuardrail",
];

/** Bump when portkeySpecFile() changes how it prunes (the cached file is keyed by it). */
const PRUNE_VERSION = 2;

const member = (o: unknown, key: string): unknown => (isPlainObject(o) ? o[key] : undefined);

/** The served operations of the description's paths, by template and method. */
function servedPaths(doc: unknown): Record<string, Json> {
  const paths: Record<string, Json> = {};
  const found: string[] = [];
  const all = member(doc, "paths");
  for (const [p, item] of Object.entries(isPlainObject(all) ? all : {})) {
    if (!isPlainObject(item)) continue;
    for (const [m, op] of Object.entries(item)) {
      if (!member(op, "responses")) continue;
      const key = String(member(op, "operationId") ?? `${m} ${p}`);
      if (PORTKEY_OPERATIONS.includes(key)) {
        paths[p] ??= {};
        paths[p][m] = op;
        found.push(key);
      }
    }
  }
  const missing = PORTKEY_OPERATIONS.filter((k) => !found.includes(k));
  if (missing.length) throw new Error(`portkey: operations not in the description: ${missing.join(", ")}`);
  return paths;
}

/** The components `paths` reach through $refs, transitively (examples and code samples left out). */
function reachedComponents(doc: unknown, paths: unknown): Record<string, Json> {
  const components: Record<string, Json> = {};
  const seen: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isPlainObject(node)) {
      const ref = node.$ref;
      if (typeof ref === "string" && ref.startsWith("#/components/") && !seen.includes(ref)) {
        seen.push(ref);
        const [, , section, name] = ref.split("/");
        components[section] ??= {};
        components[section][name] = member(member(member(doc, "components"), section), name);
        walk(components[section][name]);
      }
      for (const [k, v] of Object.entries(node)) if (k !== "x-code-samples" && k !== "examples") walk(v);
    }
  };
  walk(paths);
  return components;
}

/**
 * OpenAPI 3.0's `nullable` next to a $ref (PUT /providers usage_limits) has no `type` for Ajv to
 * extend: read it as "the referenced schema, or null", which is what the vendor means by it.
 */
function nullables(node: unknown): void {
  if (Array.isArray(node)) node.forEach(nullables);
  else if (isPlainObject(node)) {
    for (const v of Object.values(node)) nullables(v);
    if (node.nullable === true && node.type === undefined) {
      const { nullable: _n, ...rest } = node;
      for (const k of Object.keys(node)) delete node[k];
      node.anyOf = [rest, { type: "null" }];
    }
  }
}

/**
 * The description pruned to PORTKEY_OPERATIONS and the components they reach, as a JSON file under the
 * temporary directory (written once per version of the description).
 *
 * Deliberate changes (each a reading Ajv can apply, not a change of meaning): a `nullable` without a
 * `type` becomes anyOf [schema, null]; and GuardrailCheck.parameters is a `oneOf` whose last member, BasicParameters, is
 * any object, so every parameters object matches at least two members and no request with parameters
 * could ever be valid; it is read as `anyOf` (which is what the vendor's examples assume).
 */
export function portkeySpecFile(): string {
  const source = path.join(vendorSpecDir(), "portkey", "openapi.yaml");
  const text = readFileSync(source, "utf8");
  const hash = createHash("sha256")
    .update(text)
    .update(`${PRUNE_VERSION}|${PORTKEY_OPERATIONS.join(",")}`)
    .digest("hex");
  const file = path.join(tmpdir(), `sophia-portkey-spec-${hash.slice(0, 12)}`, "portkey", "openapi.json");
  if (existsSync(file)) return file;
  const doc: unknown = parseYaml(text, { maxAliasCount: -1 });
  const paths = servedPaths(doc);
  const components = reachedComponents(doc, paths);
  nullables(paths);
  nullables(components);
  const parameters = member(member(components.schemas?.GuardrailCheck, "properties"), "parameters");
  if (isPlainObject(parameters) && parameters.oneOf) {
    parameters.anyOf = parameters.oneOf;
    delete parameters.oneOf;
  }
  const pruned = {
    openapi: member(doc, "openapi"),
    info: member(doc, "info"),
    servers: member(doc, "servers"),
    paths,
    components,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(pruned));
  renameSync(tmp, file);
  return file;
}
