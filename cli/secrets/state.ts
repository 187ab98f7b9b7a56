// The exported state (a deployment, secrets revealed in memory only) as rotation reads it: which
// RandomPassword slots hold a service's minted credential. Pure and small, so `secrets rotate` can use it
// without loading the live checks (./rotationChecks) until it verifies.
import type { RotatedService } from "../../integrations/credentials";

/** A resource of an exported deployment, as far as rotation reads it. */
export interface StateResource {
  type?: string;
  urn?: string;
  inputs?: { keepers?: Record<string, unknown> };
  outputs?: Record<string, unknown>;
}

/** An exported deployment (`stack.exportStack()`'s `deployment`), as far as rotation reads it. */
export type StateDeployment = { resources?: StateResource[] } | undefined;

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** The RandomPassword slots (a and b) that hold a service's credential in a deployment. */
export function credentialSlots(deployment: StateDeployment, service: RotatedService): StateResource[] {
  return (deployment?.resources ?? []).filter(
    (r) => r.type === RANDOM_PASSWORD && r.inputs?.keepers?.service === service,
  );
}
