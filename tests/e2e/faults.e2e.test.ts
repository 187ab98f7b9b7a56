// End to end on the real engine under a flaky network: every stand-in of a stack with Airbyte, Gong,
// Portkey, OpenRouter and Lambda answers a fifth of the requests with a 429 (Retry-After), a 5xx, or drops
// the connection before or after carrying the request out, and Airbyte's tokens live five seconds. An
// `up` from empty still succeeds, the next `up` changes nothing, and what the vendors hold is exactly
// what the state says: every object once, under the id the state records.
import type { Fault } from "../../sandbox/core";
import {
  closeE2eStack,
  type E2eStack,
  openE2eStack,
  SAAS_SECRETS,
  SAAS_SERVICES,
  saasConfig,
  setStackConfig,
} from "../helpers/e2eStack";
import { budget, formatStepTimings, step } from "../helpers/steps";

// Measured on a busy machine (two full test runs beside it), × 3 or more.
const BUDGET = { up: 300_000, noop: 90_000, compare: 30_000, destroy: 240_000 };
jest.setTimeout(budget(BUDGET));

/** Each failure's share of all requests: a fifth of them fail, in five ways. */
const SHARES: [Omit<Fault, "rate" | "seed">, number][] = [
  [{ status: 429, retryAfter: 1 }, 0.05],
  [{ status: 500 }, 0.025],
  [{ status: 503 }, 0.025],
  [{ drop: true }, 0.05],
  [{ dropAfter: true }, 0.05],
];

/**
 * The faults that give those shares: each is tried only on the requests the ones before it spared, so its
 * rate is its share of what is left. Seeded, so one order of requests meets the same failures on every
 * run (the engine's parallelism still varies the order). Before them, the stand-in's first request is
 * carried out and its answer lost, so that a stand-in asked only a few times meets a failure too.
 */
function flaky(seed: number): Fault[] {
  let left = 1;
  const shares = SHARES.map(([effect, share], i): Fault => {
    const rate = share / left;
    left -= share;
    return { route: "*", ...effect, rate, seed: seed * 10 + i };
  });
  return [{ route: "*", dropAfter: true, count: 1 }, ...shares];
}

/** Where each dynamic resource type's objects live in the stand-ins, and the field the state's id is. */
const REMOTE: Record<string, { service: string; kind: string; id: string }> = {
  "airbyte:Source": { service: "airbyte", kind: "sources", id: "sourceId" },
  "airbyte:Destination": { service: "airbyte", kind: "destinations", id: "destinationId" },
  "airbyte:Connection": { service: "airbyte", kind: "connections", id: "connectionId" },
  "gong:PermissionProfile": { service: "gong", kind: "profiles", id: "id" },
  "gong:CrmIntegration": { service: "gong", kind: "crmIntegrations", id: "integrationId" },
  "portkey:Integration": { service: "portkey", kind: "integrations", id: "slug" },
  "portkey:Provider": { service: "portkey", kind: "providers", id: "slug" },
  "portkey:Config": { service: "portkey", kind: "configs", id: "slug" },
  "openrouter:ApiKey": { service: "openrouter", kind: "keys", id: "hash" },
  "lambda:SshKey": { service: "lambda", kind: "sshKeys", id: "id" },
  "lambda:FileSystem": { service: "lambda", kind: "filesystems", id: "id" },
};
/** Dynamic resources with no object of their own at the vendor (a check against the model catalogue). */
const LOCAL_ONLY = ["openrouter:ModelPolicy"];

let e: E2eStack;

beforeAll(async () => {
  e = await openE2eStack("e2e-faults", SAAS_SERVICES);
  const config = saasConfig(e.sb, "https://hooks.sophia-ai.example/api/webhooks/gong");
  await setStackConfig(e, config, SAAS_SECRETS);
  await e.sb.admin("airbyte").settings({ tokenLifetimeSeconds: 5 });
  await e.sb.admin("gong").settings({ crmDeletePendingPolls: 1 });
  for (const [i, s] of SAAS_SERVICES.entries()) for (const f of flaky(i + 1)) await e.sb.admin(s).fault(f);
});

afterAll(async () => {
  console.log(formatStepTimings("faults.e2e"));
  expect(await closeE2eStack(e)).toEqual([]);
});

/** Per stand-in: how many requests it saw, and how many of them failed by injection (or were dropped). */
async function faultTally(): Promise<Record<string, { requests: number; failed: number }>> {
  const tally: Record<string, { requests: number; failed: number }> = {};
  for (const s of SAAS_SERVICES) {
    const log = await e.sb.admin(s).requests();
    const failed = log.filter((r) => [0, 429, 500, 503].includes(r.status)).length;
    tally[s] = { requests: log.length, failed };
  }
  return tally;
}

/** The state's dynamic resources by type (without the dynamic provider's prefix): their ids. */
async function stateIds(): Promise<Record<string, string[]>> {
  const { deployment } = await e.stack.exportStack();
  const ids: Record<string, string[]> = {};
  for (const r of deployment.resources as { type: string; id?: string }[]) {
    const type = r.type.replace(/^pulumi-nodejs:dynamic\//, "");
    if (type !== r.type && r.id) ids[type] = [...(ids[type] ?? []), r.id].sort();
  }
  return ids;
}

/** The stand-ins' objects of every type in REMOTE, as ids of the state's kind, and their names. */
async function remoteObjects() {
  const ids: Record<string, string[]> = {};
  const names: Record<string, string[]> = {};
  for (const [type, { service, kind, id }] of Object.entries(REMOTE)) {
    const objects: Record<string, unknown>[] = await e.sb.admin(service).objects(kind);
    ids[type] = objects.map((o) => String(o[id])).sort();
    names[type] = objects.map((o) => String(o.name)).sort();
  }
  return { ids, names };
}

test("up from empty under a fifth of requests failing, a no-op up, and the vendors hold what the state says", async () => {
  const up = await step("up from empty, under faults", () => e.stack.up(), BUDGET.up);
  expect(up.summary.result).toBe("succeeded");
  const tally = await faultTally();
  console.log(`requests and injected failures per stand-in during up: ${JSON.stringify(tally)}`);
  // the faults did strike: every stand-in failed some of its requests
  for (const [s, t] of Object.entries(tally)) expect([s, t.failed > 0]).toEqual([s, true]);

  const noop = await step("no-op up, under faults", () => e.stack.up({ expectNoChanges: true }), BUDGET.noop);
  expect(Object.keys(noop.summary.resourceChanges ?? {})).toEqual(["same"]);

  await step(
    "compare the stand-ins with the state",
    async () => {
      const state = await stateIds();
      const remote = await remoteObjects();
      const managed = Object.keys(state).filter((t) => !LOCAL_ONLY.includes(t));
      expect(managed.sort()).toEqual(Object.keys(REMOTE).sort());
      // every object once: the same ids on both sides, and no name twice at a vendor
      for (const type of managed) expect([type, remote.ids[type]]).toEqual([type, state[type]]);
      for (const [type, names] of Object.entries(remote.names))
        expect([type, names]).toEqual([type, [...new Set(names)]]);
    },
    BUDGET.compare,
  );

  const destroy = await step("destroy, under faults", () => e.stack.destroy(), BUDGET.destroy);
  expect(destroy.summary.result).toBe("succeeded");
  const left = await remoteObjects();
  // Gong has no delete for a permission profile: it stays, and the run says so
  expect(Object.entries(left.ids).filter(([, ids]) => ids.length)).toEqual([
    ["gong:PermissionProfile", expect.any(Array)],
  ]);
  expect(destroy.stdout + destroy.stderr).toMatch(/permission profile/i);
});
