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
import { SlackSandbox } from "./slack";
import { SnowflakeSandbox } from "./snowflake";
import { VercelSandbox } from "./vercel";

export const SERVICES: Record<string, { make: () => Service; defaultPort: number }> = {
  airbyte: { make: () => new AirbyteSandbox(), defaultPort: 18001 },
  github: { make: () => new GithubSandbox(), defaultPort: 18002 },
  slack: { make: () => new SlackSandbox(), defaultPort: 18003 },
  gong: { make: () => new GongSandbox(), defaultPort: 18004 },
  estuary: { make: () => new EstuarySandbox(), defaultPort: 18005 },
  portkey: { make: () => new PortkeySandbox(), defaultPort: 18006 },
  openrouter: { make: () => new OpenRouterSandbox(), defaultPort: 18007 },
  lambda: { make: () => new LambdaSandbox(), defaultPort: 18008 },
  snowflake: { make: () => new SnowflakeSandbox(), defaultPort: 18009 },
  aws: { make: () => new AwsSandbox(), defaultPort: 18010 },
  vercel: { make: () => new VercelSandbox(), defaultPort: 18011 },
};

export interface Sandbox {
  services: Record<string, RunningService & { service: Service }>;
  close(): Promise<void>;
}

export async function startSandbox(
  opts: { dataDir?: string; ephemeral?: boolean; only?: string[] } = {},
): Promise<Sandbox> {
  const services: Sandbox["services"] = {};
  await sodium.ready;
  for (const name of opts.only ?? []) {
    if (!(name in SERVICES))
      throw new Error(`no sandbox service ${name} (${Object.keys(SERVICES).join(", ")})`);
  }
  try {
    for (const [name, def] of Object.entries(SERVICES)) {
      if (opts.only && !opts.only.includes(name)) continue;
      const service = def.make();
      service.load(opts.dataDir);
      const port = opts.ephemeral
        ? 0
        : Number(process.env[`SANDBOX_PORT_${name.toUpperCase()}`] ?? def.defaultPort);
      services[name] = { ...(await serve(service, port)), service };
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
