// serve(): one stand-in on one loopback port, its API and the admin API (admin.ts) side by side.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ADMIN, adminReply, newTraffic, type Traffic } from "./admin";
import { applyFaults } from "./faults";
import { answer, readBody, requestCtx, send, target } from "./routing";
import type { Service } from "./service";

export interface RunningService {
  name: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** One request to the port: an admin call, or an API call through the faults set on its route. */
async function handle(
  service: Service,
  instance: string | undefined,
  traffic: Traffic,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  const method = (req.method ?? "GET").toUpperCase();
  const body = await readBody(req);
  if (url.pathname.startsWith(ADMIN)) {
    return send(res, adminReply(service, instance, traffic, method, url.pathname, body.parsed));
  }
  const { apiPath, match, route } = target(service, method, url);
  traffic.counts[route] = (traffic.counts[route] ?? 0) + 1;
  const record = (status: number) =>
    traffic.log.push({ method, path: url.pathname + url.search, route, status, at: Date.now() });

  // Faults first, before anything else, as a flaky network or an overloaded vendor would strike.
  const effect = await applyFaults(traffic.faults, route, service);
  if (effect.kind === "reply") {
    record(effect.reply.status);
    return send(res, effect.reply);
  }
  // a dropped connection is logged with status 0
  const hangUp = () => {
    record(0);
    req.socket.destroy();
  };
  if (effect.kind === "drop") return hangUp();
  const ctx = requestCtx(req, url, method, apiPath, body, service.spec.basePath);
  const reply = await answer(service, traffic.violations, match, ctx);
  if (effect.dropAfter) return hangUp(); // carried out in full, then the answer is lost
  record(reply.status);
  send(res, reply);
}

/** Serves `service` on 127.0.0.1:`port` (0 = any free port); `instance` names who runs it (/__admin/identity). */
export async function serve(service: Service, port: number, instance?: string): Promise<RunningService> {
  const traffic = newTraffic();
  const server = http.createServer(async (req, res) => {
    try {
      await handle(service, instance, traffic, req, res);
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
