// Fault injection (POST /__admin/faults): a route made slow, dropped, or answered with an error before the
// stand-in sees the request, as a flaky network or an overloaded vendor would.
import type { Reply, Service } from "./service";

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

/** What the faults do to one request. */
export type FaultEffect =
  /** Close the connection without an answer; the service never sees the request. */
  | { kind: "drop" }
  /** Answer with the injected error; the service never sees the request. */
  | { kind: "reply"; reply: Reply }
  /** Let the service serve it; with dropAfter, close the connection instead of sending its answer. */
  | { kind: "serve"; dropAfter: boolean };

/** The first fault set on `route` (or on every route) with uses left; a skipped request uses up one skip. */
function faultFor(faults: Fault[], route: string): Fault | undefined {
  const fault = faults.find((f) => (!f.route || f.route === "*" || f.route === route) && (f.count ?? 1) > 0);
  if (fault?.skip) {
    fault.skip--;
    return undefined;
  }
  return fault;
}

/** The injected error in the service's own shape, with Retry-After when the fault names one. */
function injectedReply(service: Service, status: number, retryAfter: number | undefined): Reply {
  const reply = service.problem(
    status,
    status === 429 ? "rate-limited" : "server-error",
    "injected by the sandbox",
  );
  if (retryAfter !== undefined) reply.headers = { ...reply.headers, "retry-after": String(retryAfter) };
  return reply;
}

/** Applies the faults set on `route` (waiting out an injected delay) and says what becomes of the request. */
export async function applyFaults(faults: Fault[], route: string, service: Service): Promise<FaultEffect> {
  const fault = faultFor(faults, route);
  // a fault with a rate below 1 strikes only that share of the requests
  if (!fault || !(Math.random() < (fault.rate ?? 1))) return { kind: "serve", dropAfter: false };
  if (fault.count !== undefined) fault.count--;
  if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault.drop) return { kind: "drop" };
  if (fault.status && !fault.dropAfter) {
    return { kind: "reply", reply: injectedReply(service, fault.status, fault.retryAfter) };
  }
  return { kind: "serve", dropAfter: !!fault.dropAfter };
}
