// Where `npm run sandbox` serves each stand-in, and the sandbox stack's URL keys that follow those ports.
// No imports of the stand-ins themselves: scripts/sandbox.ts reads this before deciding to start them.

/** Default loopback port per stand-in; `SANDBOX_PORT_<NAME>` (e.g. SANDBOX_PORT_GONG) overrides one. */
export const DEFAULT_PORTS = {
  airbyte: 18001,
  github: 18002,
  slack: 18003,
  gong: 18004,
  estuary: 18005,
  portkey: 18006,
  openrouter: 18007,
  lambda: 18008,
  snowflake: 18009,
  aws: 18010,
  vercel: 18011,
  /** Sophia's own Gong webhook receiver, the consumer of the rotated gong secret */
  receiver: 18012,
} as const;

export type StandIn = keyof typeof DEFAULT_PORTS;
export const STAND_INS = Object.keys(DEFAULT_PORTS) as StandIn[];

export const portVariable = (name: StandIn) => `SANDBOX_PORT_${name.toUpperCase()}`;

/** The port of each stand-in in this environment; a malformed SANDBOX_PORT_* is an error naming it. */
export function sandboxPorts(env: NodeJS.ProcessEnv = process.env): Record<StandIn, number> {
  const ports = {} as Record<StandIn, number>;
  for (const name of STAND_INS) {
    const raw = env[portVariable(name)];
    const port = raw === undefined || raw === "" ? DEFAULT_PORTS[name] : Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${portVariable(name)} must be a port number (1-65535); got "${raw}"`);
    ports[name] = port;
  }
  const seen = new Map<number, StandIn>();
  for (const name of STAND_INS) {
    const other = seen.get(ports[name]);
    if (other)
      throw new Error(`${portVariable(name)} and ${portVariable(other)} both use port ${ports[name]}`);
    seen.set(ports[name], name);
  }
  return ports;
}

/** The sandbox stack's keys that point at a stand-in, for the given ports (Pulumi.sandbox.yaml holds the defaults). */
export function sandboxUrls(ports: Record<StandIn, number>): Record<string, string> {
  const at = (name: StandIn, suffix = "") => `http://127.0.0.1:${ports[name]}${suffix}`;
  return {
    airbyteApiUrl: at("airbyte", "/v1"),
    gongApiUrl: at("gong"),
    estuaryApiUrl: at("estuary", "/rest/v1"),
    estuaryConfigEncryptionUrl: at("estuary"),
    // the sandbox capture's HTTP-ingest endpoint (prefix sophia-ai/sandbox/), where `secrets rotate` checks a
    // new webhook token; the stand-in takes the capture and its path as one encoded segment each
    estuaryIngestUrl: at("estuary", "/ingest/sophia-ai%2Fsandbox%2Fgong-webhook/gong%2Fcalls"),
    portkeyApiUrl: at("portkey", "/v1"),
    openrouterApiUrl: at("openrouter", "/api/v1"),
    lambdaApiUrl: at("lambda"),
    gongWebhookUrl: at("receiver", "/api/webhooks/gong"),
  };
}
