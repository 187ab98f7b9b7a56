// The shared client's pacing: requests sharing a key start at least minIntervalMs apart, measured from when
// each really started. A provider process whose event loop is busy (the engine serializing, a large
// response parsing) must not release several waiting requests at once. A rate limit of N per T keeps
// every window of T at the server to N requests, whenever within a request's round trip the server counts
// it; a 429 holds every request of the key for the wait it asks.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ApiClient } from "../../providers/http/client";

let server: http.Server;
let arrivals: number[] = [];
let url: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    arrivals.push(Date.now());
    res.setHeader("content-type", "application/json");
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

test("a blocked event loop does not turn waiting requests into a burst", async () => {
  arrivals = [];
  const client = new ApiClient({
    service: "Paced",
    baseUrl: url,
    minIntervalMs: 200,
    paceKey: `pacing-test-${process.pid}`,
  });
  const sent = Array.from({ length: 5 }, () => client.request("GET", "/thing"));
  // the loop is busy for 700 ms while four of them wait for their turn
  const until = Date.now() + 700;
  while (Date.now() < until);
  await Promise.all(sent);
  expect(arrivals).toHaveLength(5);
  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
  // a little slack for the timer's own granularity; a burst shows as gaps near 0
  for (const g of gaps) expect(g).toBeGreaterThanOrEqual(180);
});

/**
 * A server that answers 1–41 ms after a request arrives and admits it (counts it against its limit) at a
 * random moment in between, as a remote limiter might; it records when it admitted each one.
 */
function admittingServer(): Promise<{ url: string; admitted: number[]; close(): Promise<void> }> {
  const admitted: number[] = [];
  const srv = http.createServer((_req, res) => {
    const answerAfter = Math.random() * 40;
    setTimeout(() => admitted.push(Date.now()), Math.random() * answerAfter);
    setTimeout(() => {
      res.setHeader("content-type", "application/json");
      res.end("{}");
    }, answerAfter + 1);
  });
  return new Promise((resolve) =>
    srv.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        admitted,
        close: () => new Promise((r) => srv.close(() => r())),
      }),
    ),
  );
}

/** The most of `times` that fall within any `windowMs`. */
function busiest(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

test("a rate limit of N per T: never N + 1 admitted within T, whenever the server counts them", async () => {
  const server = await admittingServer();
  try {
    const client = new ApiClient({
      service: "Windowed",
      baseUrl: server.url,
      rateLimit: { requests: 3, perMs: 200 },
      paceKey: `window-test-${process.pid}`,
    });
    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, () => client.request("GET", "/thing")));
    expect(server.admitted).toHaveLength(12);
    expect(busiest(server.admitted, 200)).toBe(3);
    // the limit used in full: four bursts of three, about 3 x (T + a round trip); one by one: 2.4 s
    expect(Date.now() - started).toBeLessThan(1500);
  } finally {
    await server.close();
  }
});

test("a 429 holds every request of the key for the wait it asks", async () => {
  const starts: number[] = [];
  let first = true;
  const srv = http.createServer((_req, res) => {
    starts.push(Date.now());
    res.setHeader("content-type", "application/json");
    if (first) {
      first = false;
      res.statusCode = 429;
      res.setHeader("retry-after", "1");
    }
    res.end("{}");
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  try {
    let refused: () => void = () => undefined;
    const refusal = new Promise<void>((r) => {
      refused = r;
    });
    const client = new ApiClient({
      service: "Held",
      baseUrl: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
      minIntervalMs: 50,
      paceKey: `hold-test-${process.pid}`,
      onExchange: (r) => r.status === 429 && refused(),
    });
    const a = client.request("GET", "/a");
    await refusal;
    await new Promise((r) => setImmediate(r)); // the client has read the 429
    await Promise.all([a, client.request("GET", "/b"), client.request("GET", "/c")]);
    expect(starts).toHaveLength(4);
    // nothing started between the 429 and the second it asked for
    for (const t of starts.slice(1)) expect(t - starts[0]).toBeGreaterThanOrEqual(990);
  } finally {
    await new Promise((r) => srv.close(r));
  }
});
