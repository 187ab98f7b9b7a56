// PostgREST plumbing: eq./in./like./is. filters, select= (with json->>key), Prefer headers, single
// objects for Accept application/vnd.pgrst.object+json (406 PGRST116 otherwise), and the error body
// {code, message, details, hint}.
import type { Ctx, Reply } from "../core";

/** An error as PostgREST answers it. */
export function pgError(status: number, code: string, message: string, details: string | null = null): Reply {
  return { status, body: { code, message, details, hint: null } };
}

/** PostgREST filter `op.value` on one column. */
function matches(value: unknown, filter: string): boolean {
  const dot = filter.indexOf(".");
  const op = filter.slice(0, dot);
  const arg = filter.slice(dot + 1);
  const v = value === null || value === undefined ? "null" : String(value);
  if (op === "eq") return v === arg;
  if (op === "in") {
    const list = arg.replace(/^\(|\)$/g, "").split(",");
    return list.map((x) => x.replace(/^"|"$/g, "")).includes(v);
  }
  if (op === "like") {
    const re = new RegExp(`^${arg.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*|%/g, ".*")}$`);
    return re.test(v);
  }
  if (op === "is") return arg === "null" ? value === null || value === undefined : v === arg;
  return false;
}

/** `select=a,b,json->>key` applied to a row ("json->>key" is named "key", as PostgREST names it). */
function project(row: object, select: string | undefined): Record<string, unknown> {
  const visible: Record<string, unknown> = Object.fromEntries(
    Object.entries(row).filter(([k]) => !k.startsWith("_")),
  );
  if (!select || select === "*") return visible;
  const out: Record<string, unknown> = {};
  for (const col of select.split(",")) {
    const arrow = col.indexOf("->>");
    if (arrow > 0) {
      const obj = visible[col.slice(0, arrow)];
      const key = col.slice(arrow + 3);
      out[key] =
        (typeof obj === "object" && obj !== null ? (obj as Record<string, unknown>)[key] : undefined) ?? null;
    } else if (col in visible) {
      out[col] = visible[col];
    }
  }
  return out;
}

/** The rows matching the request's filters on `columns`. */
export function filtered<T>(ctx: Ctx, rows: T[], columns: (keyof T & string)[]): T[] {
  return rows.filter((r) =>
    columns.every((c) => {
      const f = ctx.query[c];
      if (f === undefined) return true;
      return (Array.isArray(f) ? f : [f]).every((x) => matches(r[c], x));
    }),
  );
}

/** Whether the request's Prefer header holds `what` (e.g. return=representation). */
export function prefer(ctx: Ctx, what: string): boolean {
  return String(ctx.headers.prefer ?? "")
    .split(",")
    .map((s) => s.trim())
    .includes(what);
}

/** Rows as PostgREST answers them: selected columns, an array, or one object when asked for. */
export function rows(ctx: Ctx, items: object[], status = 200): Reply {
  if (status === 201 && !prefer(ctx, "return=representation")) return { status };
  const body = items.map((r) => project(r, ctx.query.select as string | undefined));
  if (!String(ctx.headers.accept ?? "").includes("application/vnd.pgrst.object+json"))
    return { status, body };
  if (body.length !== 1) {
    return pgError(
      406,
      "PGRST116",
      "JSON object requested, multiple (or no) rows returned",
      `The result contains ${body.length} rows`,
    );
  }
  return { status, body: body[0], headers: { "content-type": "application/vnd.pgrst.object+json" } };
}

/** The answer to a DELETE: the deleted rows when asked for (Prefer return=representation), else 204. */
export const deleted = (ctx: Ctx, gone: object[]): Reply =>
  prefer(ctx, "return=representation") ? rows(ctx, gone) : { status: 204 };
