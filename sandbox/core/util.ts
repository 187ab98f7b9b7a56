// Plain-data helpers of the stand-ins. The stand-ins share no code with the providers they stand in for,
// so a provider's bug cannot hide behind the same bug in its stand-in: these are written from what the
// vendor APIs and the admin API promise, not taken from providers/.

/** A JSON object (not an array, not null). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `patch` laid over `base`: objects present on both sides merge key by key, at every depth; anything else
 * in `patch` (a scalar, an array, null) replaces what `base` had. Neither argument is modified.
 */
export function deepMerge(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const key of Object.keys(patch)) {
    const under = out[key];
    const over = patch[key];
    out[key] = isPlainObject(under) && isPlainObject(over) ? deepMerge(under, over) : over;
  }
  return out;
}

/** `v` with every object's keys in sorted order, at every depth (arrays keep their order). */
export function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortedDeep(v[k]);
  return out;
}

/** A deep copy of plain JSON data. */
export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** Copies the `keys` of `source` that are not undefined onto `target` (a partial update). */
export function assignDefined<T extends object, K extends keyof T>(
  target: T,
  source: Partial<Pick<T, K>>,
  keys: readonly K[],
): void {
  for (const k of keys) {
    const v = source[k];
    if (v !== undefined) target[k] = v as T[K];
  }
}
