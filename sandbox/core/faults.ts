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
  /** The share of matching requests it strikes (default 1); a request it spares goes on to the next fault. */
  rate?: number;
  /**
   * Seeds the fault's own draws for `rate`, so that the same sequence of matching requests is struck at the
   * same places on every run (without it, Math.random decides).
   */
  seed?: number;
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

/** mulberry32: a small seeded generator of numbers in [0, 1), one per fault that has a seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const draws = new WeakMap<Fault, () => number>();

/** Whether `fault` strikes this request: always at rate 1, else by its (seeded) draw. */
function strikes(fault: Fault): boolean {
  const rate = fault.rate ?? 1;
  if (rate >= 1) return true;
  if (fault.seed === undefined) return Math.random() < rate;
  const draw = draws.get(fault) ?? seeded(fault.seed);
  draws.set(fault, draw);
  return draw() < rate;
}

/**
 * The fault that strikes a request to `route`: faults set on it (or on every route) with uses left are
 * tried in order, and one whose rate spares the request passes it on to the next. A fault still skipping
 * uses up one skip and lets the request through.
 */
function faultFor(faults: Fault[], route: string): Fault | undefined {
  for (const fault of faults) {
    if ((fault.route && fault.route !== "*" && fault.route !== route) || (fault.count ?? 1) <= 0) continue;
    if (fault.skip) {
      fault.skip--;
      return undefined;
    }
    if (strikes(fault)) return fault;
  }
  return undefined;
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
  if (!fault) return { kind: "serve", dropAfter: false };
  if (fault.count !== undefined) fault.count--;
  if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault.drop) return { kind: "drop" };
  if (fault.status && !fault.dropAfter) {
    return { kind: "reply", reply: injectedReply(service, fault.status, fault.retryAfter) };
  }
  return { kind: "serve", dropAfter: !!fault.dropAfter };
}
