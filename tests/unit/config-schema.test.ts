// Pulumi.yaml's config schema and the code's key definitions (integrations/<name>/keys.ts) cannot disagree:
// every key is compared (declared or not, type, items, default). A credential is never declared (its
// declared default would show in plain text); every other key the program reads is.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { KeyDef } from "../../integrations/keys";
import { REGISTRY } from "../../integrations/registry";
import { STACK } from "../../integrations/stack/keys";

interface Declared {
  type: string;
  items?: { type: string };
  default?: unknown;
  description?: string;
}

const declared: Record<string, Declared> = parse(
  fs.readFileSync(path.join(__dirname, "../../Pulumi.yaml"), "utf8"),
).config;
const defined: KeyDef[] = [STACK, ...REGISTRY.map((s) => s.keys)].flatMap((keys) => Object.values(keys));

/** The Pulumi.yaml entry a key definition calls for (what the failure message suggests to paste). */
function expected(k: KeyDef): Declared {
  return {
    type: k.type,
    ...(k.items ? { items: { type: k.items } } : {}),
    description: k.description,
    ...(k.defaultValue !== undefined ? { default: k.defaultValue } : {}),
  };
}

describe("Pulumi.yaml config schema ↔ key definitions", () => {
  it("defines each key once", () => {
    const names = defined.map((k) => k.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it.each(defined.filter((k) => !k.secret).map((k) => [k.name, k]))("declares %s as defined", (_n, k) => {
    expect(declared[k.name]).toEqual(expected(k));
  });

  it("declares no credential", () => {
    expect(defined.filter((k) => k.secret && k.name in declared).map((k) => k.name)).toEqual([]);
  });

  it("declares nothing the code does not define", () => {
    const names = new Set(defined.map((k) => k.name));
    expect(Object.keys(declared).filter((k) => !names.has(k))).toEqual([]);
  });
});
