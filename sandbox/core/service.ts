// What a stand-in is: its vendor description, its objects (kept on disk between runs), its settings, and
// the handlers of the operations it serves. serve() (server.ts) puts one on a port.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type * as http from "node:http";
import * as path from "node:path";
import type { OpenApiSpec, Operation } from "../openapi";

export interface Ctx {
  method: string;
  /** Path below the service's base path, e.g. /sources/123 */
  path: string;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  /** The parsed JSON (or form) body; undefined when there is none. Handlers narrow it to what they read. */
  body: unknown;
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

/** What a data directory holds for one service. */
interface Saved<S> {
  state: S;
  settings?: Record<string, unknown>;
}

/** A stand-in for one vendor API. */
export abstract class Service<S extends object = object> {
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

  /** Registers the handlers of route tables (operationId → handler), as each stand-in's route files export them. */
  protected onAll(...tables: Record<string, Handler>[]): void {
    for (const table of tables)
      for (const [operationId, handler] of Object.entries(table)) this.on(operationId, handler);
  }

  load(dataDir: string | undefined): void {
    this.store = dataDir ? path.join(dataDir, `${this.name}.json`) : undefined;
    if (this.store && existsSync(this.store)) {
      // written by save() below: trusted to be this service's shape
      const saved: Saved<S> = JSON.parse(readFileSync(this.store, "utf8"));
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

export const newId = () => randomUUID();
