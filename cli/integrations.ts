// The integrations `sophia check` knows, built from the registry (integrations/registry.ts): each spec's
// `enabled` (the same function the program uses, on the stack's raw values) and its probe, loaded on first
// use. A new integration adds a spec with a probe; neither this file nor the command changes.
import { REGISTRY } from "../integrations/registry";
import type { AnySpec, Flags, Probe } from "../integrations/spec";
import type { Integration, Values } from "./probeKit";

/** The enabled flags as the stack's values set them (a key's declared default when unset). */
export function flagsOf(v: Values, specs: readonly AnySpec[]): Flags {
  const flags: Flags = {
    flag: (k) => (v.get(k.name)?.value ?? String(k.defaultValue === true)) === "true",
    isOn: (name) => specs.find((s) => s.name === name)?.enabled(flags) ?? false,
  };
  return flags;
}

export function checkIntegrations(specs: readonly AnySpec[] = REGISTRY): Integration[] {
  return specs.flatMap((spec): Integration[] => {
    const loadProbe = spec.probe;
    if (!loadProbe) return [];
    let probe: Probe | undefined;
    const load = () => {
      probe ??= loadProbe();
      return probe;
    };
    return [
      {
        name: spec.name,
        enabled: (v) => spec.enabled(flagsOf(v, specs)),
        get requires() {
          return load().requires;
        },
        probe: (get, signal, stack) => load().run(get, signal, stack),
      },
    ];
  });
}
