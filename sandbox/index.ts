// Starts every stand-in service. Used by `npm run sandbox` (fixed ports, data under .sandbox-data/) and by
// tests (ephemeral ports, a temporary data directory).
import sodium from "libsodium-wrappers";
import { type RunningService, type Service, serve } from "./core";
import { STAND_IN_DEFS, type StandIn, sandboxPorts } from "./ports";

/** How to create each stand-in (sandbox/<name>/standIn.ts), by name. */
export const SERVICES: Record<StandIn, () => Service> = Object.fromEntries(
  Object.entries(STAND_IN_DEFS).map(([name, def]) => [name, () => def.create()]),
);

export interface Sandbox {
  services: Record<string, RunningService & { service: Service }>;
  close(): Promise<void>;
}

/**
 * @param opts.instance who runs these stand-ins (npm run sandbox: the checkout's data directory); answered
 *   at /__admin/identity so a checkout can tell its own stand-ins from another's on the same ports
 */
export async function startSandbox(
  opts: { dataDir?: string; ephemeral?: boolean; only?: string[]; instance?: string } = {},
): Promise<Sandbox> {
  const services: Sandbox["services"] = {};
  await sodium.ready;
  for (const name of opts.only ?? []) {
    if (!(name in SERVICES))
      throw new Error(`no sandbox service ${name} (${Object.keys(SERVICES).join(", ")})`);
  }
  try {
    const ports = opts.ephemeral ? undefined : sandboxPorts();
    for (const [name, make] of Object.entries(SERVICES) as [StandIn, () => Service][]) {
      if (opts.only && !opts.only.includes(name)) continue;
      const service = make();
      service.load(opts.dataDir);
      services[name] = { ...(await serve(service, ports?.[name] ?? 0, opts.instance)), service };
    }
  } catch (err) {
    await Promise.all(Object.values(services).map((s) => s.close()));
    throw err;
  }
  return {
    services,
    close: async () => {
      await Promise.all(Object.values(services).map((s) => s.close()));
    },
  };
}
