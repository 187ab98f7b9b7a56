// Validation of HTTP exchanges against a vendor's published OpenAPI description (sandbox/specs/vendor).
// The sandbox uses it on every request it receives and every response it sends; tests assert that no
// exchange violated the description.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { isPlainObject } from "./core/util";

/** A node of a description (a schema, a components entry…): a JSON object, read by checking its fields. */
export type DocNode = { [key: string]: unknown };

/** A parameter object, or a reference ($ref) to one. */
export interface Parameter {
  $ref?: string;
  name?: string;
  in?: string;
  required?: boolean;
  schema?: DocNode;
}

export interface ResponseObject {
  description?: string;
  content?: Record<string, { schema?: unknown }>;
}

/** An operation object of the description: the fields the sandbox reads or amends. */
export interface OperationObject {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, unknown> };
  responses: Record<string, ResponseObject>;
}

/** A description as the sandbox holds it: `components` always present (empty when the file has none). */
export interface OpenApiDocument {
  openapi?: unknown;
  info?: unknown;
  servers?: { url?: string }[];
  /** Path template → path item (operations by method, and the item's other fields). */
  paths?: Record<string, Record<string, unknown>>;
  /** Section (schemas, parameters, responses…) → name → node. */
  components: Record<string, Record<string, DocNode>>;
}

export interface Operation {
  method: string;
  template: string;
  operationId: string;
  pointer: string;
  op: OperationObject;
  regex: RegExp;
  params: string[];
}

export interface Violation {
  operation: string;
  direction: "request" | "response";
  status?: number;
  errors: string[];
}

/**
 * Where the vendor descriptions live: sandbox/specs/vendor in this repository (copies of the reference set,
 * checked by tests/contract/vendor-specs.test.ts); SOPHIA_VENDOR_SPECS points elsewhere, e.g. to try a
 * newer description.
 */
export function vendorSpecDir(): string {
  const dir = process.env.SOPHIA_VENDOR_SPECS ?? path.resolve(__dirname, "specs", "vendor");
  if (!existsSync(dir)) {
    throw new Error(`vendor API descriptions not found at ${dir} (SOPHIA_VENDOR_SPECS)`);
  }
  return dir;
}

const escapePointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** A member of an object or an element of an array (by its decimal index). */
const child = (node: unknown, key: string): unknown =>
  Array.isArray(node) ? node[Number(key)] : isPlainObject(node) ? node[key] : undefined;

const isOperation = (v: unknown): v is OperationObject => isPlainObject(v) && Boolean(v.responses);

/** The parsed file as a description: a JSON object, given empty `components` when it has none. */
function asDocument(parsed: unknown, file: string): OpenApiDocument {
  if (!isPlainObject(parsed)) throw new Error(`${file} is not an OpenAPI description (not an object)`);
  // vendor files are trusted to follow OpenAPI's shape: only the top level is checked
  return {
    ...parsed,
    components: isPlainObject(parsed.components) ? parsed.components : {},
  } as OpenApiDocument;
}

export class OpenApiSpec {
  readonly doc: OpenApiDocument;
  readonly basePath: string;
  readonly operations: Operation[] = [];
  private readonly ajv: Ajv2020;
  private readonly id: string;
  private readonly cache = new Map<string, ValidateFunction>();

  /**
   * @param file the vendor's description (YAML or JSON)
   * @param opts.operations keep only these operationIds (and the components they reach): large
   *   descriptions such as GitHub's load in a fraction of the time
   */
  constructor(file: string, opts: { basePath?: string; operations?: string[] } = {}) {
    const text = readFileSync(file, "utf8");
    const full = asDocument(file.endsWith(".json") ? JSON.parse(text) : parseYaml(text), file);
    this.doc = opts.operations ? prune(full, opts.operations) : full;
    const basePath = opts.basePath;
    this.basePath =
      basePath ?? new URL(this.doc.servers?.[0]?.url ?? "http://x/").pathname.replace(/\/$/, "");
    this.id = `spec:${path.basename(path.dirname(file))}`;
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(this.ajv);
    // Formats OpenAPI uses that JSON Schema does not define: accept them (their type is still checked).
    for (const f of ["int32", "int64", "float", "double", "byte", "binary", "password", "UUID", "set"]) {
      this.ajv.addFormat(f, true);
    }
    this.ajv.addSchema({ ...this.doc, $id: this.id });
    for (const [template, item] of Object.entries(this.doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item)) {
        if (!isOperation(op)) continue;
        const params: string[] = [];
        const regex = new RegExp(
          `^${template.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\{([^}]+)\\\}/g, (_m, p: string) => {
            params.push(p);
            return "([^/]+)";
          })}$`,
        );
        this.operations.push({
          method: method.toUpperCase(),
          template,
          operationId: op.operationId ?? `${method} ${template}`,
          pointer: `#/paths/${escapePointer(template)}/${method}`,
          op,
          regex,
          params,
        });
      }
    }
  }

  /** The operation serving METHOD path (path without the base path), with its path parameters. */
  match(
    method: string,
    urlPath: string,
  ): { operation: Operation; params: Record<string, string> } | undefined {
    for (const operation of this.operations) {
      if (operation.method !== method) continue;
      const m = operation.regex.exec(urlPath);
      if (m) {
        const params: Record<string, string> = {};
        operation.params.forEach((p, i) => {
          params[p] = decodeURIComponent(m[i + 1]);
        });
        return { operation, params };
      }
    }
    return undefined;
  }

  private validator(pointer: string): ValidateFunction {
    let v = this.cache.get(pointer);
    if (!v) {
      v = this.ajv.compile({ $ref: `${this.id}${pointer}` });
      this.cache.set(pointer, v);
    }
    return v;
  }

  private check(pointer: string, value: unknown): string[] {
    const v = this.validator(pointer);
    if (v(value)) return [];
    return (v.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message}`);
  }

  /** Problems with a request: required parameters, query parameter types, and the JSON body. */
  validateRequest(
    operation: Operation,
    query: Record<string, string | string[]>,
    body: unknown,
    contentType: string | undefined,
  ): string[] {
    const errors: string[] = [];
    for (const p of operation.op.parameters ?? []) {
      const param = this.parameter(p);
      if (param.in !== "query") continue;
      const raw = query[String(param.name)];
      if (raw === undefined) {
        if (param.required) errors.push(`query parameter ${param.name} is required`);
        continue;
      }
      const schema = param.schema ?? {};
      const values = Array.isArray(raw) ? raw : [raw];
      const coerced =
        schema.type === "array" ? values.flatMap((v) => v.split(",")) : values[values.length - 1];
      const typed = coerce(coerced, schema);
      const v = this.ajv.compile(schema);
      if (!v(typed))
        errors.push(`query parameter ${param.name}: ${(v.errors ?? []).map((e) => e.message).join(", ")}`);
    }
    const rb = operation.op.requestBody;
    if (rb) {
      const types = Object.keys(rb.content ?? {});
      const ct = (contentType ?? "").split(";")[0].trim();
      if (body === undefined) {
        if (rb.required) errors.push("request body is required");
      } else if (!types.includes(ct)) {
        errors.push(`content type ${ct || "(none)"} is not one of ${types.join(", ")}`);
      } else {
        const ptr = `${operation.pointer}/requestBody/content/${escapePointer(ct)}/schema`;
        errors.push(...this.check(ptr, body).map((e) => `body ${e}`));
      }
    }
    return errors;
  }

  /** Problems with a response: the status must be documented and a JSON body must match its schema. */
  validateResponse(operation: Operation, status: number, body: unknown): string[] {
    const responses = operation.op.responses ?? {};
    const key =
      String(status) in responses
        ? String(status)
        : `${String(status)[0]}XX` in responses
          ? `${String(status)[0]}XX`
          : "default";
    const response = responses[key];
    if (!response)
      return [`status ${status} is not documented (documented: ${Object.keys(responses).join(", ")})`];
    const json = response.content?.["application/json"];
    if (!json?.schema || body === undefined) return [];
    return this.check(`${operation.pointer}/responses/${key}/content/application~1json/schema`, body).map(
      (e) => `body ${e}`,
    );
  }

  /** The node a local reference ("#/components/...") points to; undefined when there is none. */
  resolve(ref: string): unknown {
    let node: unknown = this.doc;
    for (const k of ref.replace(/^#\//, "").split("/"))
      node = child(node, k.replace(/~1/g, "/").replace(/~0/g, "~"));
    return node;
  }

  /** A parameter with its reference followed. */
  private parameter(p: Parameter): Parameter {
    if (!p.$ref) return p;
    const target = this.resolve(p.$ref);
    if (!isPlainObject(target)) throw new Error(`parameter ${p.$ref} is not in the description`);
    return target;
  }
}

/** The operations of `doc` named in `operationIds`, by path template and method. */
function pickOperations(
  doc: OpenApiDocument,
  operationIds: string[],
): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  const found = new Set<string>();
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    for (const [m, op] of Object.entries(item)) {
      const id = isPlainObject(op) ? op.operationId : undefined;
      if (typeof id === "string" && id && operationIds.includes(id)) {
        paths[p] ??= {};
        paths[p][m] = op;
        found.add(id);
      }
    }
  }
  const missing = operationIds.filter((id) => !found.has(id));
  if (missing.length) throw new Error(`operations not in the description: ${missing.join(", ")}`);
  return paths;
}

/** The components of `doc` that `root` references, directly or through other components. */
function referencedComponents(doc: OpenApiDocument, root: unknown): OpenApiDocument["components"] {
  const components: OpenApiDocument["components"] = {};
  const seen = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isPlainObject(node)) {
      const ref = node.$ref;
      if (typeof ref === "string" && ref.startsWith("#/components/") && !seen.has(ref)) {
        seen.add(ref);
        const [, , section, name] = ref.split("/");
        const target = doc.components[section]?.[name];
        components[section] ??= {};
        components[section][name] = target;
        walk(target);
      }
      for (const v of Object.values(node)) walk(v);
    }
  };
  walk(root);
  return components;
}

/** The description reduced to `operationIds` and the transitive closure of the components they reference. */
function prune(doc: OpenApiDocument, operationIds: string[]): OpenApiDocument {
  const paths = pickOperations(doc, operationIds);
  const components = referencedComponents(doc, paths);
  return { openapi: doc.openapi, info: doc.info, servers: doc.servers, paths, components };
}

/** A query parameter's text as the type its schema declares (what a JSON body would carry). */
function coerce(v: unknown, schema: DocNode): unknown {
  if (Array.isArray(v)) return v.map((x) => coerce(x, isPlainObject(schema.items) ? schema.items : {}));
  if (typeof v !== "string") return v;
  if (schema.type === "integer" || schema.type === "number") return v === "" ? v : Number(v);
  if (schema.type === "boolean") return v === "true" ? true : v === "false" ? false : v;
  return v;
}
