// A preview shows what `up` does. Changing the PostgreSQL destination's settings updates that destination;
// the Airbyte connection that uses its id must not preview as a replace. It did while the sdk's
// dynamic-provider host left previews to the engine, which then took every output of the updated
// destination for unknown (tools/dynamic-provider/dynamic-preview.js). Real engine, a stack of its own
// against the Airbyte stand-in.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { closeE2eStack, type E2eStack, openE2eStack, setStackConfig } from "../helpers/e2eStack";

// measured: up ~40 s, preview ~15 s, up ~25 s alone on 2 cores; ×3 for a busy machine
jest.setTimeout(360_000);

let e: E2eStack;

beforeAll(async () => {
  e = await openE2eStack("e2e-preview", ["airbyte"]);
  await setStackConfig(
    e,
    {
      airbyteApiUrl: e.sb.url("airbyte"),
      airbyteClientId: AIRBYTE_SANDBOX.clientId,
      airbyteWorkspaceId: AIRBYTE_SANDBOX.workspaceId,
      postgresHost: "127.0.0.1",
      postgresUser: "sophia",
      postgresSslMode: "disable",
      redisEnabled: "false",
    },
    {
      airbyteClientSecret: AIRBYTE_SANDBOX.clientSecret,
      gongAccessKey: "k",
      gongAccessKeySecret: "s",
      postgresPassword: "p",
    },
  );
});

afterAll(async () => {
  expect(await closeE2eStack(e)).toEqual([]);
});

/** The operation on each resource (by type and name) in a preview or an update, from the engine's events. */
function operations(events: EngineEvent[]): Record<string, string> {
  const ops: Record<string, string> = {};
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (m && m.op !== "same") ops[m.urn.split("::").slice(-2).join("::")] = m.op;
  }
  return ops;
}

test("changing the destination's settings previews and applies one update, no replace", async () => {
  expect((await e.stack.up()).summary.result).toBe("succeeded");
  await e.stack.setConfig("postgresSchema", { value: "gong_v2" });

  const previewEvents: EngineEvent[] = [];
  await e.stack.preview({ onEvent: (ev) => previewEvents.push(ev) });
  const upEvents: EngineEvent[] = [];
  const up = await e.stack.up({ onEvent: (ev) => upEvents.push(ev) });

  // the destination is updated; the connection on its id is not touched; the default dynamic provider is
  // updated because the stack's config (which configure() hands it) changed
  expect(operations(previewEvents)).toEqual({
    "sophia:integrations:Airbyte$pulumi-nodejs:dynamic/airbyte:Destination::airbyte-postgres": "update",
    "pulumi:providers:pulumi-nodejs::default": "update",
  });
  expect(operations(upEvents)).toEqual(operations(previewEvents));
  expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
  expect(await e.stack.preview({ expectNoChanges: true })).toBeDefined();
});
