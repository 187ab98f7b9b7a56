// The shape of a structured config value (a JSON object, or each object of a list): which properties it
// may have and of what kind. A property the shape does not know is refused, naming its path and the
// closest known name — a typo such as `limt` must never silently drop a limit.

import { isPlainObject } from "../providers/dynamic";

export type FieldRule =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  /** A list of non-empty strings. */
  | "strings"
  /** Any JSON object (its inside is the component's or the provider's to check). */
  | "record"
  | { oneOf: readonly string[] }
  | { list: Shape }
  | Shape;

export interface Shape {
  [property: string]: FieldRule;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(
        d[j] + 1,
        d[j - 1] + 1,
        prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return d[b.length];
}

/** The known name closest to `name` when it is close enough to be a typo of it. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((x, y) => x.d - y.d)[0];
  if (best && best.d <= Math.max(2, Math.floor(name.length / 4))) return best.k; // a near spelling (limt)
  // else an abbreviation (params → parameters): the longest start in common, five letters at least
  const common = (k: string) => {
    let i = 0;
    while (i < k.length && i < name.length && k[i].toLowerCase() === name[i].toLowerCase()) i++;
    return i;
  };
  const prefix = known.map((k) => ({ k, n: common(k) })).sort((x, y) => y.n - x.n)[0];
  return prefix && prefix.n >= Math.min(5, name.length) && prefix.n >= name.length - 2 ? prefix.k : undefined;
}

function kindProblem(v: unknown, rule: FieldRule, where: string): string[] {
  const got = JSON.stringify(v);
  if (rule === "string") return typeof v === "string" ? [] : [`${where} must be a string; got ${got}`];
  if (rule === "number")
    return typeof v === "number" && Number.isFinite(v) ? [] : [`${where} must be a number; got ${got}`];
  if (rule === "integer") return Number.isInteger(v) ? [] : [`${where} must be an integer; got ${got}`];
  if (rule === "boolean") return typeof v === "boolean" ? [] : [`${where} must be true or false; got ${got}`];
  if (rule === "strings")
    return Array.isArray(v) && v.every((x) => typeof x === "string" && x !== "")
      ? []
      : [`${where} must be a list of strings; got ${got}`];
  if (rule === "record") return isPlainObject(v) ? [] : [`${where} must be an object; got ${got}`];
  if ("oneOf" in rule && Array.isArray(rule.oneOf))
    return rule.oneOf.includes(v as string)
      ? []
      : [`${where} must be one of ${rule.oneOf.join(", ")}; got ${got}`];
  if ("list" in rule && isPlainObject(rule.list)) {
    const item = rule.list as Shape;
    if (!Array.isArray(v)) return [`${where} must be a list of objects; got ${got}`];
    return v.flatMap((x, i) => shapeProblems(x, item, `${where}[${i}]`));
  }
  return shapeProblems(v, rule as Shape, where);
}

/** Every problem with `value` against `shape`, each naming its path (e.g. sophia-ai:openrouterKeys[0].limt). */
export function shapeProblems(value: unknown, shape: Shape, where: string): string[] {
  if (!isPlainObject(value)) return [`${where} must be an object; got ${JSON.stringify(value)}`];
  const known = Object.keys(shape);
  return Object.entries(value).flatMap(([k, v]) => {
    if (!(k in shape)) {
      const hint = closest(k, known);
      return [
        `${where}.${k} is not a property it has${hint ? ` (did you mean ${hint}?)` : ""}; known: ${known.join(", ")}`,
      ];
    }
    return v === undefined ? [] : kindProblem(v, shape[k], `${where}.${k}`);
  });
}
