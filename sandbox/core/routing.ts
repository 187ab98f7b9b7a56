// One API request through a stand-in: its body read, its route found in the vendor's description, the
// request checked against the description, served, and the answer checked and sent.
import type * as http from "node:http";
import type { Operation, Violation } from "../openapi";
import type { Ctx, Reply, Service } from "./service";

/** The parsed body of a request whose JSON did not parse (answered 400 before any handler runs). */
export const INVALID_JSON = Symbol.for("invalid-json");

export interface Body {
  raw: string;
  /** JSON or form fields; undefined without a body; INVALID_JSON when the JSON did not parse. */
  parsed: unknown;
}

function parseBody(raw: string, contentType: string): unknown {
  if (!raw) return undefined;
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    return JSON.parse(raw);
  } catch {
    return INVALID_JSON;
  }
}

export function readBody(req: http.IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("error", reject);
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      resolve({ raw, parsed: parseBody(raw, String(req.headers["content-type"] ?? "")) });
    });
  });
}

export function send(res: http.ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload = "";
  if (reply.text !== undefined) {
    payload = reply.text;
    headers["content-type"] ??= "text/plain; charset=utf-8";
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers["content-type"] ??= "application/json";
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** The query string's parameters; one given more than once is an array of its values. */
function parseQuery(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const cur = query[k];
    query[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  return query;
}

/** Where a request goes in the service's description. */
export interface Target {
  /** The path below the service's base path (the whole path when it lies outside it). */
  apiPath: string;
  match?: { operation: Operation; params: Record<string, string> };
  /** "METHOD /template" of the operation, else "METHOD /path": the key of counts and faults. */
  route: string;
}

export function target(service: Service, method: string, url: URL): Target {
  const base = service.spec.basePath;
  const inside = url.pathname.startsWith(base);
  const apiPath = inside ? url.pathname.slice(base.length) || "/" : url.pathname;
  const match = inside ? service.spec.match(method, apiPath) : undefined;
  const route = match ? `${method} ${match.operation.template}` : `${method} ${url.pathname}`;
  return { apiPath, match, route };
}

export function requestCtx(
  req: http.IncomingMessage,
  url: URL,
  method: string,
  apiPath: string,
  body: Body,
  basePath: string,
): Ctx {
  return {
    method,
    path: apiPath,
    params: {},
    query: parseQuery(url),
    body: body.parsed,
    headers: req.headers,
    baseUrl: `http://${req.headers.host}${basePath}`,
    // as it came, not as the URL parser normalised it
    raw: { path: (req.url ?? "/").split("?")[0], search: url.search, body: body.raw },
  };
}

/** The service's answer to a request the description's checks let through; a 400 for one they refuse. */
async function served(
  service: Service,
  violations: Violation[],
  match: Target["match"],
  ctx: Ctx,
): Promise<{ reply: Reply; operation?: Operation }> {
  if (ctx.body === INVALID_JSON) {
    const reply = service.problem(400, "bad-request", "The request body is not valid JSON");
    return { reply, operation: match?.operation };
  }
  if (!match) return service.dispatch(ctx);
  const { operation } = match;
  const problems = service.spec.validateRequest(operation, ctx.query, ctx.body, ctx.headers["content-type"]);
  if (!problems.length) return service.dispatch(ctx);
  violations.push({ operation: operation.operationId, direction: "request", errors: problems });
  return { reply: service.problem(400, "bad-request", problems.join("; ")), operation };
}

/** Records in `violations` where `reply` departs from what `operation` documents. */
function checkResponse(service: Service, violations: Violation[], operation: Operation, reply: Reply): void {
  // 401/403/404 and 429 are not listed by every description (Airbyte lists no 401, GitHub no 404 on
  // its secrets routes, Gong and Lambda state their rate limits only in prose) although the real APIs
  // answer them on every route; where the operation documents none of them they are the transport's
  // answer, not the operation's, and are left out of response validation.
  const documented = Object.keys(operation.op.responses ?? {});
  const transport = [401, 403, 404, 429].includes(reply.status) && !documented.includes(String(reply.status));
  if (transport) return;
  const problems = service.spec.validateResponse(operation, reply.status, reply.body);
  if (problems.length) {
    violations.push({
      operation: operation.operationId,
      direction: "response",
      status: reply.status,
      errors: problems,
    });
  }
}

/** Serves an API request (not an admin call) and checks the answer against the description. */
export async function answer(
  service: Service,
  violations: Violation[],
  match: Target["match"],
  ctx: Ctx,
): Promise<Reply> {
  const { reply, operation } = await served(service, violations, match, ctx);
  if (operation) checkResponse(service, violations, operation, reply);
  return reply;
}
