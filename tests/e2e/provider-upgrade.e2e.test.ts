// A stack written before the state held provider references keeps working with today's code. The whole
// program (Airbyte, Gong, Portkey, OpenRouter, Lambda against their stand-ins) is created with every
// provider serialized by value into the state, as the project did until references
// (SOPHIA_PROVIDERS_BY_VALUE=1); then, with references: refresh, the one `up` that rewrites each provider
// as a reference (an update without any API request), a refresh with one read per object, a real update,
// and destroy. Real engine, a stack of its own on a file backend.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { holdsProviderCode } from "../../providers/kit";
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

// measured alone on 2 cores: up ~60 s, refresh ~20 s, preview ~20 s, up ~30 s, destroy ~30 s; x3 margin
const STEPS = {
  create: 240_000,
  refresh: 120_000,
  preview: 120_000,
  upgrade: 180_000,
  update: 180_000,
  destroy: 180_000,
};
jest.setTimeout(budget({ ...STEPS, refresh2: STEPS.refresh }, 120_000));

/** What providers/reference.ts writes for a type declared in a module of providers/. */
const REFERENCE_LINE =
  /^exports\.handler = \(\) => require\("@sophia-ai\/providers"\)\.provider\("providers\/[a-z]+\/[A-Za-z]+\.ts", "[a-z]+:[A-Za-z]+"\);\n$/;
let e: E2eStack;

beforeAll(async () => {
  e = await openE2eStack("e2e-upgrade", SAAS_SERVICES);
  await setStackConfig(
    e,
    saasConfig(e.sb, "https://hooks.sophia-ai.example/api/webhooks/gong"),
    SAAS_SECRETS,
  );
});

afterAll(async () => {
  delete process.env.SOPHIA_PROVIDERS_BY_VALUE;
  console.log(formatStepTimings("provider-upgrade.e2e"));
  expect(await closeE2eStack(e)).toEqual([]);
});

interface StateResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** Each dynamic resource of the state: its type, its bytes in the state and whether it holds a reference. */
async function dynamicResources(): Promise<{ type: string; bytes: number; reference: boolean }[]> {
  const { deployment } = await e.stack.exportStack();
  return ((deployment.resources ?? []) as StateResource[])
    .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))
    .map((r) => ({
      type: r.type,
      bytes: Buffer.byteLength(JSON.stringify(r)),
      // the one line providers/reference.ts writes, which the kit does not take for code (a provider
      // serialized by value holds the kit, which names the package too)
      reference: [r.inputs, r.outputs].every(
        (o) => REFERENCE_LINE.test(String(o?.__provider)) && !holdsProviderCode(o ?? {}),
      ),
    }));
}

/** Requests the stand-ins heard since the last call, by method, e.g. {GET: 9}. */
async function heard(): Promise<Record<string, number>> {
  const by: Record<string, number> = {};
  for (const s of SAAS_SERVICES) {
    for (const r of await e.sb.admin(s).requests()) by[r.method] = (by[r.method] ?? 0) + 1;
    await e.sb.admin(s).reset();
  }
  return by;
}

/** The operations of a preview or an update, counted, from the engine's events. */
function operations(events: EngineEvent[]): Record<string, number> {
  const ops: Record<string, number> = {};
  for (const ev of events) {
    const m = ev.resourcePreEvent?.metadata;
    if (m && m.op !== "same" && m.type.startsWith("pulumi-nodejs:dynamic/")) ops[m.op] = (ops[m.op] ?? 0) + 1;
  }
  return ops;
}

test("a stack whose state holds each provider's code is refreshed, upgraded, updated and destroyed", async () => {
  process.env.SOPHIA_PROVIDERS_BY_VALUE = "1";
  await step("create (providers by value)", () => e.stack.up(), STEPS.create);
  delete process.env.SOPHIA_PROVIDERS_BY_VALUE;
  const before = await dynamicResources();
  expect(before.length).toBeGreaterThanOrEqual(10);
  // what the issue measured: tens of KB per resource, the provider's code stored twice
  for (const r of before)
    expect({ type: r.type, reference: r.reference, over16KiB: r.bytes > 16_384 }).toEqual({
      type: r.type,
      reference: false,
      over16KiB: true,
    });
  await heard();

  // refresh runs the code each resource holds: the objects are all there, nothing changes
  const refreshed = await step("refresh (old state)", () => e.stack.refresh(), STEPS.refresh);
  expect(refreshed.summary.resourceChanges?.delete ?? 0).toBe(0);
  await heard();

  // the upgrade: each dynamic resource is updated in place, no replace, and no API request at all
  const previewEvents: EngineEvent[] = [];
  await step(
    "preview upgrade",
    () => e.stack.preview({ onEvent: (ev) => previewEvents.push(ev) }),
    STEPS.preview,
  );
  expect(operations(previewEvents)).toEqual({ update: before.length });
  const upEvents: EngineEvent[] = [];
  await step("up (upgrade)", () => e.stack.up({ onEvent: (ev) => upEvents.push(ev) }), STEPS.upgrade);
  expect(operations(upEvents)).toEqual({ update: before.length });
  expect(await heard()).toEqual({});
  const after = await dynamicResources();
  console.log(
    `state bytes per dynamic resource: ${after.map((r) => `${r.type.split("/")[1]} ${r.bytes}`).join(", ")}`,
  );
  expect(after.map((r) => r.type).sort()).toEqual(before.map((r) => r.type).sort());
  for (const r of after)
    expect({ type: r.type, reference: r.reference, under4KiB: r.bytes <= 4096 }).toEqual({
      type: r.type,
      reference: true,
      under4KiB: true,
    });
  await e.stack.preview({ expectNoChanges: true });

  // refresh through the references: reads only, and the state keeps its references
  await step("refresh (references)", () => e.stack.refresh(), STEPS.refresh);
  const reads = await heard();
  expect(Object.keys(reads).filter((m) => m !== "GET" && m !== "POST")).toEqual([]);
  expect((await dynamicResources()).every((r) => r.reference)).toBe(true);

  // a real change goes through the new code: the OpenRouter key's limit
  const config = saasConfig(e.sb, "https://hooks.sophia-ai.example/api/webhooks/gong");
  await setStackConfig(
    e,
    {
      ...config,
      openrouterKeys: [
        { name: "app", limit: 30, limitReset: "monthly" },
        { name: "portkey", limit: 10 },
      ],
    },
    SAAS_SECRETS,
  );
  const updated = await step("up (a real update)", () => e.stack.up(), STEPS.update);
  expect(updated.summary.resourceChanges).toMatchObject({ update: 1 });
  const keys = (await e.sb.admin("openrouter").objects("keys")) as { name: string; limit: number }[];
  expect(keys.map((k) => k.limit).sort()).toEqual([10, 30]);

  await step("destroy", () => e.stack.destroy(), STEPS.destroy);
  expect(await dynamicResources()).toEqual([]);
  expect(await e.sb.admin("openrouter").objects("keys")).toEqual([]);
});
