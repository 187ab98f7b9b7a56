// The shared client's pacing: requests sharing a key start at least minIntervalMs apart, measured from when
// each really started. A provider process whose event loop is busy (the engine serializing, a large
// response parsing) must not release several waiting requests at once: Gong answers a burst with 429.
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
