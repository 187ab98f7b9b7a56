// Where `npm run sandbox` serves each stand-in. A stand-in is a folder sandbox/<name>/ with a standIn.ts
// (its default port and how to create it, the service loading only then): this module finds them, so a new
// stand-in touches no shared file. The sandbox stack's URL keys that follow the ports are each
// integration's (integrations/<name>/spec.ts, `sandboxUrls`; scripts/sandboxUrls.ts puts them together).
import { readdirSync } from "node:fs";
import * as path from "node:path";
import type { Service } from "./core";

export interface StandInDef {
  /** Default loopback port; `SANDBOX_PORT_<NAME>` (e.g. SANDBOX_PORT_GONG) overrides it. */
  port: number;
  create(): Service;
  /** Its made-up login, for trying the CLI by hand (`npm run sandbox -- logins` prints every one). */
  login(): string;
}

/** The stand-ins, by name (their folder), in the order of their default ports. */
export const STAND_IN_DEFS: Record<string, StandInDef> = Object.fromEntries(
  readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const file = readdirSync(path.join(__dirname, d.name)).find((f) => /^standIn\.(ts|js)$/.test(f));
      if (!file) return [];
      const { STAND_IN } = require(path.join(__dirname, d.name, file)) as { STAND_IN: StandInDef };
      return [[d.name, STAND_IN] as const];
    })
    .sort(([, a], [, b]) => a.port - b.port),
);

/** Default loopback port per stand-in. */
export const DEFAULT_PORTS: Record<string, number> = Object.fromEntries(
  Object.entries(STAND_IN_DEFS).map(([name, def]) => [name, def.port]),
);

export type StandIn = string;
export const STAND_INS: StandIn[] = Object.keys(DEFAULT_PORTS);

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
