// Composes the program from the typed stack config and the registry's specs: mints the rotated
// credentials something uses or carries, then builds each enabled integration's component in registry
// order, collecting its outputs. index.ts calls it with the registry; tests call it with more specs.
import type { StackConfig } from "../config";
import type { RotatedService } from "./credentials";
import { RotatedCredential } from "./rotation";
import type { AnySpec, ComposeContext } from "./spec";

/** Mints the credential of each service the config says the stack mints. */
function mintCredentials(
  config: StackConfig,
  specs: readonly AnySpec[],
): Map<RotatedService, RotatedCredential> {
  const credentials = new Map<RotatedService, RotatedCredential>();
  for (const spec of specs) {
    const m = spec.mints;
    if (!m || !config.minted.includes(m.service)) continue;
    credentials.set(
      m.service,
      new RotatedCredential(m.resource, {
        service: m.service,
        rotation: config.rotation.services[m.service],
        maxAgeDays: config.rotation.maxAgeDays,
        mixedCase: m.mixedCase ?? false,
      }),
    );
  }
  return credentials;
}

/** The stack outputs: only what the enabled integrations produce (no undefined outputs). */
export function composeProgram(config: StackConfig, specs: readonly AnySpec[]): Record<string, unknown> {
  const configs: Record<string, unknown> = config;
  const credentials = mintCredentials(config, specs);
  const built = new Map<AnySpec, unknown>();
  const ctx: ComposeContext = {
    stack: config.stack,
    namePrefix: config.namePrefix,
    protect: config.protect,
    ciCredentials: config.ciCredentials,
    built: (spec) => built.get(spec) as never,
    configOf: (spec) => configs[spec.name] as never,
    credential: (service) => credentials.get(service),
    carried: () =>
      Object.assign(
        {},
        ...specs.map((s) => {
          const credential = s.mints && credentials.get(s.mints.service);
          return credential && s.carries ? s.carries(built.get(s), credential) : {};
        }),
      ),
  };
  const outputs: Record<string, unknown> = {};
  for (const spec of specs) {
    if (configs[spec.name] === undefined || !spec.compose) continue;
    const component = spec.compose(configs[spec.name], ctx);
    built.set(spec, component);
    Object.assign(outputs, spec.outputs?.(component, configs[spec.name]));
  }
  // Rotation state of every minted credential, for audits: epochs, slots, times and status, never values.
  if (credentials.size) {
    outputs.credentialRotation = Object.fromEntries(
      [...credentials].map(([service, c]) => [service, c.audit()]),
    );
  }
  return outputs;
}
