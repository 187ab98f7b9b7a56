// The sandbox stack's keys that point at a stand-in, for the given ports (Pulumi.sandbox.yaml holds the
// defaults): each integration's `sandboxUrls` (integrations/<name>/spec.ts), put together.
import { REGISTRY } from "../integrations/registry";
import type { AnySpec } from "../integrations/spec";
import type { StandIn } from "../sandbox/ports";

export function sandboxUrls(
  ports: Record<StandIn, number>,
  specs: readonly AnySpec[] = REGISTRY,
): Record<string, string> {
  const at = (name: StandIn, suffix = "") => {
    if (ports[name] === undefined) throw new Error(`no stand-in named ${name} (sandbox/${name}/standIn.ts)`);
    return `http://127.0.0.1:${ports[name]}${suffix}`;
  };
  return Object.assign({}, ...specs.map((s) => s.sandboxUrls?.(at) ?? {}));
}
