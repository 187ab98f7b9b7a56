// The stand-ins' fault injection at a rate: a seeded fault strikes the same requests on every run, and a
// request one fault spares goes on to the next, so several faults together make a mix of failures.
import { type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
useContractSandbox(["openrouter"], async (s) => {
  sb = s;
});

const ROUTE = "GET /models"; // public: no credential needed

/** The statuses of `n` requests in a row (0 for a dropped connection), and their Retry-After headers. */
async function statuses(n: number): Promise<{ status: number; retryAfter: string | null }[]> {
  const out: { status: number; retryAfter: string | null }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${sb.url("openrouter")}/models`).catch(() => undefined);
    out.push({ status: res?.status ?? 0, retryAfter: res?.headers.get("retry-after") ?? null });
    await res?.arrayBuffer();
  }
  return out;
}

test("a seeded fault at a rate strikes that share of the requests, the same ones on every run", async () => {
  const admin = sb.admin("openrouter");
  const run = async () => {
    await admin.clearFaults();
    await admin.fault({ route: ROUTE, status: 503, rate: 0.2, seed: 42 });
    return (await statuses(200)).map((s) => s.status);
  };
  const first = await run();
  const struck = first.filter((s) => s === 503).length;
  expect(struck).toBeGreaterThan(20);
  expect(struck).toBeLessThan(60);
  expect(first.filter((s) => s !== 503).every((s) => s === 200)).toBe(true);
  expect(await run()).toEqual(first);
});

test("a request one fault spares goes on to the next: a mix of 429 (with Retry-After), 5xx and drops", async () => {
  const admin = sb.admin("openrouter");
  await admin.fault({ route: ROUTE, status: 429, retryAfter: 1, rate: 0.3, seed: 1 });
  await admin.fault({ route: ROUTE, drop: true, rate: 0.5, seed: 2 });
  await admin.fault({ route: ROUTE, status: 500 });
  const seen = await statuses(60);
  const by = (status: number) => seen.filter((s) => s.status === status);
  expect(by(429).length + by(0).length + by(500).length).toBe(60);
  for (const status of [429, 0, 500]) expect([status, by(status).length > 5]).toEqual([status, true]);
  expect(by(429).every((s) => s.retryAfter === "1")).toBe(true);
  // the drops hung up before the stand-in served anything: logged with status 0
  expect((await admin.requests()).filter((r) => r.status === 0)).toHaveLength(by(0).length);
});
