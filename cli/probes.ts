// The integrations `sophia check` knows. Each says when it applies, which config it needs, and how to probe
// the live service: reachable (network), authenticated (credentials), permitted (rights). The probes live
// with their integrations (integrations/<name>/probe.ts), the helpers they share in ./probeKit, and the
// list is built from the registry (./integrations); this module keeps the names `sophia check` and the
// tests import.
import { checkIntegrations } from "./integrations";
import type { Integration } from "./probeKit";

export * from "./probeKit";

export const INTEGRATIONS: Integration[] = checkIntegrations();
