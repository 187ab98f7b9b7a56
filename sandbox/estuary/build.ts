// The build of a publication: each staged spec validated against the matching definition of
// flow.schema.json, its endpoint config decrypted as Flow's runtime would, and its references to
// collections checked against the catalog as it would be after the publication.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { ValidateFunction } from "ajv";
import Ajv2019 from "ajv/dist/2019";
import addFormats from "ajv-formats";
import { vendorSpecDir } from "../openapi";
import type { EstuarySandbox } from "./index";
import { type DraftSpec, ESTUARY_SANDBOX, type FlowSpec, liveByName } from "./state";

export interface BuildError {
  scope: string;
  detail: string;
}

/** The definition of flow.schema.json a staged spec of each type must match (validators by spec type). */
const DEFINITIONS: Record<string, object> = {
  capture: { $ref: "flow#/definitions/CaptureDef" },
  collection: { $ref: "flow#/definitions/CollectionDef" },
  materialization: { $ref: "flow#/definitions/MaterializationDef" },
  test: { type: "array", items: { $ref: "flow#/definitions/TestStep" } },
};

export function flowValidators(): Record<string, ValidateFunction> {
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addFormat("uint32", true);
  const schema = JSON.parse(readFileSync(path.join(vendorSpecDir(), "estuary", "flow.schema.json"), "utf8"));
  delete schema.$schema;
  ajv.addSchema({ ...schema, $id: "flow" });
  return Object.fromEntries(Object.entries(DEFINITIONS).map(([k, s]) => [k, ajv.compile(s)]));
}

/** The scope of a spec's build errors, e.g. flow://capture/sophia-ai/x. */
export const scopeOf = (s: EstuarySandbox, r: DraftSpec) =>
  `flow://${r.spec_type ?? liveByName(s.state, r.catalog_name)?.spec_type}/${r.catalog_name}`;

const transforms = (spec: FlowSpec) => Object.values(spec.derivation?.transform ?? {});

/** The collections a spec reads or writes. */
function references(type: string, spec: FlowSpec): string[] {
  const refs: unknown[] = [];
  if (type === "capture") refs.push(...(spec.bindings ?? []).map((b) => b.target));
  if (type === "materialization") refs.push(...(spec.bindings ?? []).map((b) => b.source));
  if (type === "collection" && spec.derivation) refs.push(...transforms(spec).map((t) => t.source?.name));
  return refs.map(String);
}

/** What keeps one staged spec from building (the first check that fails), given the catalog after. */
function specErrors(s: EstuarySandbox, r: DraftSpec, isCollection: (n: string) => boolean): BuildError[] {
  const scope = scopeOf(s, r);
  const live = liveByName(s.state, r.catalog_name);
  if (!r.catalog_name.startsWith(ESTUARY_SANDBOX.tenant)) {
    const detail = `User is not authorized to create or change ${r.catalog_name} (authorized prefix: ${ESTUARY_SANDBOX.tenant})`;
    return [{ scope, detail }];
  }
  // (spec and spec_type are null together: upsertDraftSpecs enforces it, as the table's check constraint)
  if (r.spec === null || r.spec_type === null) {
    return live ? [] : [{ scope, detail: `cannot delete ${r.catalog_name}: it does not exist` }];
  }
  if (live && live.spec_type !== r.spec_type) {
    return [
      { scope, detail: `${r.catalog_name} is a live ${live.spec_type} and cannot become a ${r.spec_type}` },
    ];
  }
  const validate = s.validators[r.spec_type];
  if (!validate(r.spec)) {
    return (validate.errors ?? []).map((e) => ({
      scope: `${scope}${e.instancePath}`,
      detail: `${e.message}`,
    }));
  }
  // Flow decrypts an endpoint config (as stored: sorted) to validate it with its connector
  try {
    s.connectorConfig(r.spec);
  } catch (err) {
    const detail = `decrypting the endpoint config failed: ${(err as Error).message}`;
    return [{ scope: `${scope}/endpoint/connector/config`, detail }];
  }
  return references(r.spec_type, r.spec)
    .filter((n) => !isCollection(n))
    .map((ref) => ({ scope, detail: `referenced collection ${ref} does not exist` }));
}

/** A collection may not be deleted while a remaining task still reads or writes it. */
function deletionErrors(
  deleted: string[],
  after: Record<string, { catalog_name: string; spec: FlowSpec | null }>,
) {
  const errors: BuildError[] = [];
  for (const name of deleted) {
    for (const other of Object.values(after)) {
      const spec = other.spec ?? {};
      const uses =
        (spec.bindings ?? []).some((b) => b.target === name || b.source === name) ||
        transforms(spec).some((t) => t.source?.name === name);
      if (uses) {
        errors.push({
          scope: `flow://collection/${name}`,
          detail: `collection ${name} is still used by ${other.catalog_name}`,
        });
      }
    }
  }
  return errors;
}

/** Why the staged `specs` do not build, checked against the catalog as it would be after them. */
export function buildErrors(s: EstuarySandbox, specs: DraftSpec[]): BuildError[] {
  const deleted = specs.filter((r) => r.spec === null).map((r) => r.catalog_name);
  const after: Record<string, { catalog_name: string; spec_type: string | null; spec: FlowSpec | null }> = {};
  for (const l of Object.values(s.state.live_specs)) after[l.catalog_name] = l;
  for (const r of specs) {
    if (r.spec === null) delete after[r.catalog_name];
    else after[r.catalog_name] = r;
  }
  const isCollection = (n: string) => after[n]?.spec_type === "collection";
  return [...specs.flatMap((r) => specErrors(s, r, isCollection)), ...deletionErrors(deleted, after)];
}
