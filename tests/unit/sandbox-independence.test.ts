// The stand-ins share no code with what they stand in for: a provider's bug must not hide behind the same
// bug in its stand-in. So no file under sandbox/ may import from providers/ or integrations/ (by any
// relative path, statically, dynamically or through require); this test reads every source file's import
// specifiers and resolves them.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const SANDBOX = path.join(ROOT, "sandbox");
const FORBIDDEN = ["providers", "integrations"].map((d) => path.join(ROOT, d));

/** Every TypeScript or JavaScript source under `dir` (the vendor descriptions hold none). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(p);
    return /\.(ts|js|cjs|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** The module specifiers of `text`: import/export ... from, import "x", import("x"), require("x"). */
function specifiers(text: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g,
    /\bimport\s*(['"])([^'"]+)\1/g,
    /\b(?:import|require)\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[2]));
}

/** Where a relative specifier of `file` points (extension-less, as written); undefined for a package. */
function target(file: string, specifier: string): string | undefined {
  return specifier.startsWith(".") ? path.resolve(path.dirname(file), specifier) : undefined;
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(`${dir}${path.sep}`);

test("the specifier reader finds every form of import", () => {
  const text = [
    'import { a } from "../providers/dynamic";',
    'import type { B } from "../../integrations/x";',
    'export { c } from "./core";',
    'import "./side-effect";',
    'const d = await import("../providers/e");',
    "const f = require('../integrations/g');",
    "import {\n  h,\n  i,\n} from './multi-line';",
  ].join("\n");
  expect(specifiers(text).sort()).toEqual(
    [
      "../providers/dynamic",
      "../../integrations/x",
      "./core",
      "./side-effect",
      "../providers/e",
      "../integrations/g",
      "./multi-line",
    ].sort(),
  );
});

test("no file under sandbox/ imports from providers/ or integrations/", () => {
  const files = sources(SANDBOX);
  expect(files.length).toBeGreaterThan(10);
  const offending = files.flatMap((file) =>
    specifiers(readFileSync(file, "utf8"))
      .filter((s) => {
        const t = target(file, s);
        return t !== undefined && FORBIDDEN.some((dir) => inside(t, dir));
      })
      .map((s) => `${path.relative(ROOT, file)}: ${s}`),
  );
  expect(offending).toEqual([]);
});
