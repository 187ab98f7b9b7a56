// The sandbox's stand-in of Sophia's Gong webhook receiver (the consumer of the rotated gong secret): it
// accepts exactly the key of its stack's current gongWebhookSetup output, read on every call, so a rotation
// applied to the stack is what it accepts next; a stack it cannot read is a 503, never an accept.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { type RunningService, serve } from "../../sandbox/core";
import { ReceiverSandbox } from "../../sandbox/receiver";
import { ensureEngine, SANDBOX_PASSPHRASE } from "../../scripts/lib";

jest.setTimeout(180_000);

let dir: string;
let stack: Stack;
let receiver: RunningService & { service: ReceiverSandbox };
let key = "first-key-0a1b";
const stackName = `receiver-${process.pid}`;

const post = (k: string) =>
  fetch(`${receiver.url}/api/webhooks/gong?key=${encodeURIComponent(k)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "call.created" }),
  }).then((r) => r.status);

beforeAll(async () => {
  ensureEngine({ quiet: true });
  dir = mkdtempSync(path.join(tmpdir(), "sophia-receiver-"));
  stack = await LocalWorkspace.createOrSelectStack(
    {
      stackName,
      projectName: "sophia-ai",
      program: async () => ({
        gongWebhookSetup: pulumi.secret({ webhookUrl: `https://hooks.example/api/webhooks/gong?key=${key}` }),
      }),
    },
    { envVars: { PULUMI_BACKEND_URL: `file://${dir}`, PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE } },
  );
  await stack.up();
  const service = new ReceiverSandbox();
  service.load(undefined);
  service.settings = { stack: stackName, backendUrl: `file://${dir}` };
  receiver = { ...(await serve(service, 0)), service };
});

afterAll(async () => {
  await receiver?.close();
  await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

test("accepts the stack's current key only, and follows the stack when the key rotates", async () => {
  expect([await post("first-key-0a1b"), await post("not-the-key")]).toEqual([200, 401]);
  key = "second-key-9f8e";
  await stack.up();
  expect([await post("second-key-9f8e"), await post("first-key-0a1b")]).toEqual([200, 401]);
  expect(Object.values(receiver.service.state.received).map((r) => r.accepted)).toEqual([
    true,
    false,
    true,
    false,
  ]);
  const violations = await fetch(`${receiver.url}/__admin/violations`).then((r) => r.json());
  expect(violations).toEqual([]);
});

test("a stack it cannot read is a 503, not an accept", async () => {
  receiver.service.settings = { stack: "no-such-stack", backendUrl: `file://${dir}` };
  try {
    expect(await post("second-key-9f8e")).toBe(503);
  } finally {
    receiver.service.settings = { stack: stackName, backendUrl: `file://${dir}` };
  }
});
