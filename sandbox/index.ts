// Starts every stand-in service. Used by `npm run sandbox` (fixed ports, data under .sandbox-data/) and by
// tests (ephemeral ports, a temporary data directory).
import sodium from "libsodium-wrappers";
import { AirbyteSandbox } from "./airbyte";
import { AwsSandbox } from "./aws";
import { type RunningService, type Service, serve } from "./core";
import { EstuarySandbox } from "./estuary";
import { GithubSandbox } from "./github";
import { GongSandbox } from "./gong";
import { LambdaSandbox } from "./lambda";
import { OpenRouterSandbox } from "./openrouter";
import { PortkeySandbox } from "./portkey";
import { type StandIn, sandboxPorts } from "./ports";
import { ReceiverSandbox } from "./receiver";
import { SlackSandbox } from "./slack";
import { SnowflakeSandbox } from "./snowflake";
import { VercelSandbox } from "./vercel";

export const SERVICES: Record<StandIn, () => Service> = {
  airbyte: () => new AirbyteSandbox(),
  github: () => new GithubSandbox(),
  slack: () => new SlackSandbox(),
  gong: () => new GongSandbox(),
  estuary: () => new EstuarySandbox(),
  portkey: () => new PortkeySandbox(),
  openrouter: () => new OpenRouterSandbox(),
  lambda: () => new LambdaSandbox(),
  snowflake: () => new SnowflakeSandbox(),
  aws: () => new AwsSandbox(),
  vercel: () => new VercelSandbox(),
  receiver: () => new ReceiverSandbox(),
};

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
