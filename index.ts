// The Sophia AI integrations program: reads the typed stack configuration and composes one component per
// enabled integration, in registry order (integrations/registry.ts). Nothing else belongs here: what an
// integration reads, builds and outputs is its spec's business (integrations/<name>/spec.ts).
import { loadStackConfig } from "./config";
import { composeProgram } from "./integrations/program";
import { REGISTRY } from "./integrations/registry";

export = composeProgram(loadStackConfig(), REGISTRY);
