// The admin API every stand-in offers under /__admin on its port, for tests and `npm run sandbox` users:
//
//   GET    /__admin/identity            {service, instance, pid}: which stand-in, run by which checkout
//   GET    /__admin/requests            request log (method, path, route, status, time)
//   GET    /__admin/counts              requests per route ("METHOD /template")
//   DELETE /__admin/requests            clear the log, the counts and the violations
//   GET    /__admin/violations          exchanges that did not match the vendor's description
//   POST   /__admin/faults              {route?, status?, retryAfter?, delayMs?, drop?, dropAfter?, count?, rate?, seed?, skip?}
//   DELETE /__admin/faults              remove every fault
//   POST   /__admin/settings            service settings, e.g. {tokenLifetimeSeconds: 2}
//   POST   /__admin/expire-tokens       invalidate every issued token
//   GET    /__admin/objects/:kind       the stored objects of a kind
//   PATCH  /__admin/objects/:kind/:id   out-of-band edit (deep merge), to simulate drift
//   DELETE /__admin/objects/:kind/:id   out-of-band delete
import type { Violation } from "../openapi";
import type { Fault } from "./faults";
import type { Reply, Service } from "./service";
import { deepMerge, isPlainObject } from "./util";

export const ADMIN = "/__admin";

export interface LogEntry {
  method: string;
  path: string;
  route: string;
  status: number;
  at: number;
}

/** What one port has seen (its requests, counts and violations) and the faults set on it. */
export interface Traffic {
  log: LogEntry[];
  counts: Record<string, number>;
  violations: Violation[];
  faults: Fault[];
}

export const newTraffic = (): Traffic => ({ log: [], counts: {}, violations: [], faults: [] });

/** The fields of a JSON object body; nothing for any other body (the admin API trusts its callers). */
const fields = (body: unknown): Record<string, unknown> => (isPlainObject(body) ? body : {});

/** The answer to an admin call `method` `p` (the whole path, /__admin included). */
export function adminReply(
  service: Service,
  instance: string | undefined,
  traffic: Traffic,
  method: string,
  p: string,
  body: unknown,
): Reply {
  const [what, kind, id] = p.slice(ADMIN.length).split("/").filter(Boolean);
  switch (`${method} ${what}`) {
    case "GET identity":
      return { status: 200, body: { service: service.name, instance: instance ?? null, pid: process.pid } };
    case "GET requests":
      return { status: 200, body: traffic.log };
    case "GET counts":
      return { status: 200, body: traffic.counts };
    case "GET violations":
      return { status: 200, body: traffic.violations };
    case "DELETE requests":
      traffic.log.length = 0;
      traffic.violations.length = 0;
      for (const k of Object.keys(traffic.counts)) delete traffic.counts[k];
      return { status: 204 };
    case "POST faults":
      traffic.faults.push({ rate: 1, ...fields(body) } as Fault);
      return { status: 201, body: traffic.faults };
    case "DELETE faults":
      traffic.faults.length = 0;
      return { status: 204 };
    case "POST settings":
      service.settings = { ...service.settings, ...fields(body) };
      service.save();
      return { status: 200, body: service.settings };
    case "POST expire-tokens":
      service.expireTokens();
      service.save();
      return { status: 204 };
  }
  const reply = what === "objects" && kind ? objectsReply(service, method, kind, id, body) : undefined;
  return reply ?? { status: 404, body: { error: `unknown admin call ${method} ${p}` } };
}

/** /__admin/objects/:kind[/:id]: the stored objects, read and edited behind the API's back. */
function objectsReply(
  service: Service,
  method: string,
  kind: string,
  id: string | undefined,
  body: unknown,
): Reply | undefined {
  // every service keeps its objects as collections (objects by id) on its state
  const coll = (service.state as Record<string, unknown>)[kind];
  if (!coll || typeof coll !== "object") return { status: 404, body: { error: `no kind ${kind}` } };
  const items = coll as Record<string, unknown>;
  if (!id) return method === "GET" ? { status: 200, body: Object.values(items) } : undefined;
  if (!(id in items)) return { status: 404, body: { error: `no ${kind} ${id}` } };
  if (method === "GET") return { status: 200, body: items[id] };
  if (method === "PATCH") {
    if (!isPlainObject(body)) return { status: 400, body: { error: "an out-of-band edit is a JSON object" } };
    items[id] = deepMerge(Object.assign({}, items[id]), body);
    service.save();
    return { status: 200, body: items[id] };
  }
  if (method === "DELETE") {
    delete items[id];
    service.save();
    return { status: 204 };
  }
  return undefined;
}
