// The sandbox harness: serves one stand-in service per loopback port (server.ts), keeps each service's
// objects on disk (service.ts), validates every exchange against the vendor's OpenAPI description
// (routing.ts), injects faults on request (faults.ts), and offers an admin API for tests under /__admin on
// every port (admin.ts). Stand-ins import it as `../core`.
export { ADMIN, type LogEntry } from "./admin";
export type { Fault } from "./faults";
export type { Body } from "./routing";
export { type RunningService, serve } from "./server";
export { type Ctx, type Handler, newId, type Reply, Service } from "./service";
export { assignDefined, clone, deepMerge, isPlainObject, sortedDeep } from "./util";
