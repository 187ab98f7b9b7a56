// The sandbox harness: serves one stand-in service per loopback port, keeps each service's objects on
// disk, validates every exchange against the vendor's OpenAPI description, and offers an admin API for
// tests under /__admin on every port:
//
//   GET    /__admin/identity            {service, instance, pid}: which stand-in, run by which checkout
//   GET    /__admin/requests            request log (method, path, route, status, time)
//   GET    /__admin/counts              requests per route ("METHOD /template")
//   DELETE /__admin/requests            clear the log, the counts and the violations
//   GET    /__admin/violations          exchanges that did not match the vendor's description
//   POST   /__admin/faults              {route?, status?, retryAfter?, delayMs?, drop?, dropAfter?, count?, rate?, skip?}
//   DELETE /__admin/faults              remove every fault
//   POST   /__admin/settings            service settings, e.g. {tokenLifetimeSeconds: 2}
//   POST   /__admin/expire-tokens       invalidate every issued token
//   GET    /__admin/objects/:kind       the stored objects of a kind
//   PATCH  /__admin/objects/:kind/:id   out-of-band edit (deep merge), to simulate drift
//   DELETE /__admin/objects/:kind/:id   out-of-band delete
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { deepMerge, isPlainObject } from "../providers/dynamic";
import type { OpenApiSpec, Operation, Violation } from "./openapi";

export interface Ctx {
  method: string;
  /** Path below the service's base path, e.g. /sources/123 */
  path: string;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  body: any;
  headers: http.IncomingHttpHeaders;
  /** Absolute URL of this service's API base, for pagination links. */
  baseUrl: string;
  /** The request as it arrived (path and query unparsed, body text), for signature checks. */
  raw: { path: string; search: string; body: string };
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A plain-text body instead of JSON (e.g. Slack's "ok"). */
  text?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface Fault {
  route?: string;
  status?: number;
  retryAfter?: number;
  delayMs?: number;
  drop?: boolean;
  /** Carry the request out, then drop the connection before answering (an ambiguous failure). */
  dropAfter?: boolean;
  count?: number;
  rate?: number;
  /** Let this many matching requests through before the fault starts. */
  skip?: number;
}

/** A stand-in for one vendor API. */
export abstract class Service<S extends Record<string, any> = Record<string, any>> {
  abstract readonly name: string;
  abstract readonly spec: OpenApiSpec;
  state!: S;
  private store?: string;
  private readonly handlers = new Map<string, Handler>();
  settings: Record<string, unknown> = {};

  /** The initial objects of a new sandbox. */
  protected abstract seed(): S;
  /** Authenticate a request; a Reply refuses it. `op` is undefined for routes the spec does not list. */
  protected abstract authenticate(ctx: Ctx, op: Operation): Reply | undefined;
  /** An error body in the vendor's shape. */
  abstract problem(status: number, title: string, detail: string): Reply;
  /** Called by the admin API to invalidate credentials. */
  expireTokens(): void {}

  /** Registers the handler of a documented operation (by operationId). */
  protected on(operationId: string, handler: Handler): void {
    if (!this.spec.operations.some((o) => o.operationId === operationId)) {
      throw new Error(`${this.name}: operation ${operationId} is not in the vendor's description`);
    }
    this.handlers.set(operationId, handler);
  }

  load(dataDir: string | undefined): void {
    this.store = dataDir ? path.join(dataDir, `${this.name}.json`) : undefined;
    if (this.store && existsSync(this.store)) {
      const saved = JSON.parse(readFileSync(this.store, "utf8"));
      this.state = saved.state;
      this.settings = saved.settings ?? {};
    } else {
      this.state = this.seed();
      this.save();
    }
  }

  save(): void {
    if (!this.store) return;
    mkdirSync(path.dirname(this.store), { recursive: true });
    const tmp = `${this.store}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ state: this.state, settings: this.settings }, null, 1));
    renameSync(tmp, this.store);
  }

  /** Route a request that is not an admin call. */
  async dispatch(ctx: Ctx): Promise<{ reply: Reply; operation?: Operation }> {
    const found = this.spec.match(ctx.method, ctx.path);
    if (!found) return { reply: this.problem(404, "not-found", `No route ${ctx.method} ${ctx.path}`) };
    const { operation, params } = found;
    ctx.params = params;
    const refused = this.authenticate(ctx, operation);
    if (refused) return { reply: refused, operation };
    const handler = this.handlers.get(operation.operationId);
    if (!handler) {
      return {
        reply: this.problem(501, "not-implemented", `${operation.operationId} is not served by the sandbox`),
        operation,
      };
    }
    return { reply: await handler(ctx), operation };
  }
}

interface LogEntry {
  method: string;
  path: string;
  route: string;
  status: number;
  at: number;
}

export interface RunningService {
  name: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

const ADMIN = "/__admin";

function readBody(req: http.IncomingMessage): Promise<{ raw: string; parsed: any }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("error", reject);
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      if (!raw) return resolve({ raw, parsed: undefined });
      const ct = String(req.headers["content-type"] ?? "");
      if (ct.startsWith("application/x-www-form-urlencoded")) {
        return resolve({ raw, parsed: Object.fromEntries(new URLSearchParams(raw)) });
      }
      try {
        resolve({ raw, parsed: JSON.parse(raw) });
      } catch {
        resolve({ raw, parsed: Symbol.for("invalid-json") });
      }
    });
  });
}

/** Serves `service` on 127.0.0.1:`port` (0 = any free port); `instance` names who runs it (/__admin/identity). */
export async function serve(service: Service, port: number, instance?: string): Promise<RunningService> {
  const log: LogEntry[] = [];
  const counts: Record<string, number> = {};
  const violations: Violation[] = [];
  let faults: Fault[] = [];

  const send = (res: http.ServerResponse, reply: Reply) => {
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
  };

  const admin = async (method: string, p: string, body: any): Promise<Reply> => {
    const parts = p.slice(ADMIN.length).split("/").filter(Boolean);
    const [what, kind, id] = parts;
    if (what === "identity" && method === "GET")
      return { status: 200, body: { service: service.name, instance: instance ?? null, pid: process.pid } };
    if (what === "requests" && method === "GET") return { status: 200, body: log };
    if (what === "counts" && method === "GET") return { status: 200, body: counts };
    if (what === "violations" && method === "GET") return { status: 200, body: violations };
    if (what === "requests" && method === "DELETE") {
      log.length = 0;
      violations.length = 0;
      for (const k of Object.keys(counts)) delete counts[k];
      return { status: 204 };
    }
    if (what === "faults" && method === "POST") {
      faults.push({ rate: 1, ...(body ?? {}) });
      return { status: 201, body: faults };
    }
    if (what === "faults" && method === "DELETE") {
      faults = [];
      return { status: 204 };
    }
    if (what === "settings" && method === "POST") {
      service.settings = { ...service.settings, ...(body ?? {}) };
      service.save();
      return { status: 200, body: service.settings };
    }
    if (what === "expire-tokens" && method === "POST") {
      service.expireTokens();
      service.save();
      return { status: 204 };
    }
    if (what === "objects" && kind) {
      const coll = service.state[kind];
      if (!coll || typeof coll !== "object") return { status: 404, body: { error: `no kind ${kind}` } };
      if (!id && method === "GET") return { status: 200, body: Object.values(coll) };
      if (id && !(id in coll)) return { status: 404, body: { error: `no ${kind} ${id}` } };
      if (id && method === "GET") return { status: 200, body: coll[id] };
      if (id && method === "PATCH") {
        if (!isPlainObject(body))
          return { status: 400, body: { error: "an out-of-band edit is a JSON object" } };
        coll[id] = deepMerge(coll[id], body);
        service.save();
        return { status: 200, body: coll[id] };
      }
      if (id && method === "DELETE") {
        delete coll[id];
        service.save();
        return { status: 204 };
      }
    }
    return { status: 404, body: { error: `unknown admin call ${method} ${p}` } };
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
      const method = (req.method ?? "GET").toUpperCase();
      const { raw, parsed } = await readBody(req);
      if (url.pathname.startsWith(ADMIN)) return send(res, await admin(method, url.pathname, parsed));

      const base = service.spec.basePath;
      const apiPath = url.pathname.startsWith(base) ? url.pathname.slice(base.length) || "/" : url.pathname;
      const match = url.pathname.startsWith(base) ? service.spec.match(method, apiPath) : undefined;
      const route = match ? `${method} ${match.operation.template}` : `${method} ${url.pathname}`;
      counts[route] = (counts[route] ?? 0) + 1;
      const record = (status: number) =>
        log.push({ method, path: url.pathname + url.search, route, status, at: Date.now() });

      // Fault injection, before anything else, as a flaky network or an overloaded vendor would.
      let fault = faults.find(
        (f) => (!f.route || f.route === "*" || f.route === route) && (f.count ?? 1) > 0,
      );
      if (fault?.skip) {
        fault.skip--;
        fault = undefined;
      }
      let dropAfter = false;
      if (fault && Math.random() < (fault.rate ?? 1)) {
        dropAfter = !!fault.dropAfter;
        if (fault.count !== undefined) fault.count--;
        if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault.drop) {
          record(0);
          req.socket.destroy();
          return;
        }
        if (fault.status && !fault.dropAfter) {
          record(fault.status);
          const reply = service.problem(
            fault.status,
            fault.status === 429 ? "rate-limited" : "server-error",
            "injected by the sandbox",
          );
          if (fault.retryAfter !== undefined)
            reply.headers = { ...reply.headers, "retry-after": String(fault.retryAfter) };
          return send(res, reply);
        }
      }

      const query: Record<string, string | string[]> = {};
      for (const [k, v] of url.searchParams) {
        const cur = query[k];
        query[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
      }
      const ctx: Ctx = {
        method,
        path: apiPath,
        params: {},
        query,
        body: parsed,
        headers: req.headers,
        baseUrl: `http://${req.headers.host}${base}`,
        // as it came, not as the URL parser normalised it
        raw: { path: (req.url ?? "/").split("?")[0], search: url.search, body: raw },
      };

      let reply: Reply;
      let operation: Operation | undefined = match?.operation;
      if (parsed === Symbol.for("invalid-json")) {
        reply = service.problem(400, "bad-request", "The request body is not valid JSON");
      } else if (match) {
        const problems = service.spec.validateRequest(
          match.operation,
          query,
          parsed,
          req.headers["content-type"],
        );
        if (problems.length) {
          violations.push({ operation: match.operation.operationId, direction: "request", errors: problems });
          reply = service.problem(400, "bad-request", problems.join("; "));
        } else {
          ({ reply, operation } = await service.dispatch(ctx));
        }
      } else {
        ({ reply, operation } = await service.dispatch(ctx));
      }

      // 401/403/404 and 429 are not listed by every description (Airbyte lists no 401, GitHub no 404 on
      // its secrets routes, Gong and Lambda state their rate limits only in prose) although the real APIs
      // answer them on every route; where the operation documents none of them they are the transport's
      // answer, not the operation's, and are left out of response validation.
      const documented = Object.keys(operation?.op.responses ?? {});
      const transport =
        [401, 403, 404, 429].includes(reply.status) && !documented.includes(String(reply.status));
      if (operation && !transport) {
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
      record(dropAfter ? 0 : reply.status);
      if (dropAfter) {
        req.socket.destroy();
        return;
      }
      send(res, reply);
    } catch (err) {
      send(res, service.problem(500, "internal-error", (err as Error).message));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    name: service.name,
    port: actual,
    url: `http://127.0.0.1:${actual}${service.spec.basePath}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const newId = () => randomUUID();
