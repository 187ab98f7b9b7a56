import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { ensureEngine, localStack, ROOT } from "../../scripts/lib";
import { type CliRun, fileBackend, runSophia } from "../helpers/cli";

jest.setTimeout(300_000);

let work: string;
const stacks: Stack[] = [];
const undeployed = `rotate-${process.pid}`;
const deployed = `rotate-dep-${process.pid}`;
const GONG = { epoch: 4, rotatedAt: "2026-01-01T00:00:00Z" };

function sophia(args: string[]): Promise<CliRun> {
  return runSophia(args, { cwd: work, env: fileBackend(path.join(work, "state")) });
}

async function newStack(stackName: string): Promise<Stack> {
  const stack = await localStack({ stackName, backendDir: path.join(work, "state") });
  stacks.push(stack);
  await stack.setAllConfig({ airbyteEnabled: { value: "false" }, redisEnabled: { value: "false" } });
  await stack.setConfig("rotation.gong.epoch", { value: String(GONG.epoch) }, true);
  await stack.setConfig("rotation.gong.rotatedAt", { value: GONG.rotatedAt }, true);
  return stack;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const rotationOf = async (stack: Stack) => JSON.parse((await stack.getConfig("rotation")).value);

/**
 * The state of a stack deployed where the random plugin exists: the root stack, the provider, and the gong
 * webhook secret's RotatedCredential with its two slots at epoch 4 (integrations/rotation.ts).
 */
function deployedState(stackName: string) {
  const urn = (type: string, name: string) => `urn:pulumi:${stackName}::sophia-ai::${type}::${name}`;
  const root = urn("pulumi:pulumi:Stack", `sophia-ai-${stackName}`);
  const provider = urn("pulumi:providers:random", "default_4_21_2");
  const providerId = "2b1f4d3c-0a9e-4e52-9a53-6f1c2f7d8e90";
  const credential = urn("sophia:rotation:RotatedCredential", "gong-webhook-secret");
  const slot = (slot: "a" | "b") => {
    const inputs = { keepers: { service: "gong", slot, generation: "2" }, length: 40, special: false };
    return {
      urn: urn(
        "sophia:rotation:RotatedCredential$random:index/randomPassword:RandomPassword",
        `gong-webhook-secret-${slot}`,
      ),
      custom: true,
      id: "none",
      type: "random:index/randomPassword:RandomPassword",
      inputs,
      outputs: { ...inputs, id: "none" },
      parent: credential,
      provider: `${provider}::${providerId}`,
    };
  };
  const version = "v3.248.0";
  return {
    version: 3,
    deployment: {
      manifest: { time: new Date().toISOString(), magic: sha256(version), version },
      resources: [
        { urn: root, custom: false, type: "pulumi:pulumi:Stack" },
        {
          urn: provider,
          custom: true,
          id: providerId,
          type: "pulumi:providers:random",
          inputs: { version: "4.21.2" },
          outputs: { version: "4.21.2" },
        },
        { urn: credential, custom: false, type: "sophia:rotation:RotatedCredential", parent: root },
        slot("a"),
        slot("b"),
      ],
    },
  };
}

beforeAll(async () => {
  ensureEngine({ quiet: true });
  work = mkdtempSync(path.join(tmpdir(), "sophia-rotate-"));
  await newStack(undeployed);
  // This stack's program declares the gong webhook secret (Gong's webhook rule uses it), as a real one would.
  const stack = await newStack(deployed);
  await stack.setAllConfig({
    gongEnabled: { value: "true" },
    gongApiUrl: { value: "http://127.0.0.1:9" },
    gongWorkspaceId: { value: "1234567890" },
    gongWebhookUrl: { value: "https://hooks.sophia-ai.example/api/webhooks/gong" },
    gongAccessKey: { value: "rotate-e2e-access-key", secret: true },
    gongAccessKeySecret: { value: "rotate-e2e-access-key-secret", secret: true },
  });
  await stack.importStack(deployedState(deployed));
});

afterAll(async () => {
  try {
    for (const s of stacks) await s.workspace.removeStack(s.name, { force: true });
  } finally {
    for (const s of stacks) rmSync(path.join(ROOT, `Pulumi.${s.name}.yaml`), { force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  }
});

test("a service the stack holds no credential of: exit 7, one JSON document with the error, nothing recorded", async () => {
  const r = await sophia(["secrets", "rotate", "--service", "gong", "--json", "--stack", undeployed]);
  expect(r.code).toBe(7);
  expect(JSON.parse(r.stdout)).toEqual({
    stack: undeployed,
    due: false,
    dryRun: false,
    outcomes: [
      {
        service: "gong",
        fromEpoch: 4,
        toEpoch: 4,
        status: "failed",
        detail: "nothing was changed",
        error: "the stack has no credential for gong: deploy it first",
      },
    ],
    error: "gong: the stack has no credential for gong: deploy it first",
  });
  expect(await rotationOf(stacks[0])).toEqual({ gong: GONG });

  const text = await sophia(["secrets", "rotate", "--service", "gong", "--stack", undeployed]);
  expect(text.code).toBe(7);
  expect(text.stdout).toContain(
    "gong: FAILED, not rotated: the stack has no credential for gong: deploy it first",
  );

  // `all` reports every service; none is deployed, so there is nothing to do.
  const all = await sophia(["secrets", "rotate", "--service", "all", "--json", "--stack", undeployed]);
  expect(all.code).toBe(0);
  const doc = JSON.parse(all.stdout);
  expect(doc.error).toBeNull();
  expect(doc.outcomes.map((o: any) => `${o.service}:${o.status}`)).toEqual([
    "snowflake:skipped-not-deployed",
    "estuary:skipped-not-deployed",
    "gong:skipped-not-deployed",
  ]);
  expect(await rotationOf(stacks[0])).toEqual({ gong: GONG });
});

test("errors before any service still print one JSON document, with the exit code of the error", async () => {
  for (const [args, code, error] of [
    [["--service", "nosuch"], 2, '--service must be one of snowflake, estuary, gong or all; got "nosuch"'],
    [[], 2, "say which credentials to rotate: --service <name>, --service all, or --due"],
  ] as const) {
    const r = await sophia(["secrets", "rotate", ...args, "--json", "--stack", undeployed]);
    expect(r.code).toBe(code);
    expect(JSON.parse(r.stdout)).toEqual({
      stack: undeployed,
      due: false,
      dryRun: false,
      outcomes: [],
      error,
    });
  }
  const missing = await sophia([
    "secrets",
    "rotate",
    "--service",
    "all",
    "--json",
    "--stack",
    "nosuch-stack",
  ]);
  expect(missing.code).toBe(1);
  expect(JSON.parse(missing.stdout).error).toBe(
    'stack "nosuch-stack" does not exist in this backend (create it with `pulumi stack init nosuch-stack`)',
  );
});

test("an apply that fails in the engine: every service reported, gong's rotation config put back exactly", async () => {
  const stack = stacks[1];
  // Another update holds the stack's lock (CI applying, say): every `up` fails until it ends.
  const locks = path.join(work, "state", ".pulumi", "locks", "organization", "sophia-ai", deployed);
  mkdirSync(locks, { recursive: true });
  const lock = { pid: 4242, username: "ci", hostname: "runner-7", timestamp: new Date().toISOString() };
  writeFileSync(path.join(locks, "0c9a6f1e-ci-update.json"), JSON.stringify(lock));
  let r: Awaited<ReturnType<typeof sophia>>;
  try {
    r = await sophia(["secrets", "rotate", "--service", "all", "--json", "--stack", deployed]);
  } finally {
    rmSync(path.join(locks, "0c9a6f1e-ci-update.json"));
  }
  const doc = JSON.parse(r.stdout);
  expect({
    code: r.code,
    outcomes: doc.outcomes.map((o: any) => `${o.service}:${o.status}:${o.toEpoch}`),
  }).toEqual({
    code: 7,
    outcomes: ["snowflake:skipped-not-deployed:0", "estuary:skipped-not-deployed:0", "gong:failed:4"],
  });
  const gong = doc.outcomes[2];
  // One line from the engine, not its whole output.
  expect(gong.error).toMatch(/^the stack is currently locked by 1 lock\(s\)/);
  expect(gong.error).not.toContain("\n");
  expect(gong.error.length).toBeLessThan(400);
  expect(gong.detail).toMatch(
    /^the rotation config is as it was \(epoch 4\), but applying it again failed too \(the stack is currently locked .*\): once no other update is running \(a killed one leaves its lock behind\), run `pulumi cancel`, `pulumi refresh --clear-pending-creates`, then rotate again$/,
  );
  expect(doc.error).toBe(`gong: ${gong.error}`);
  // Epoch and rotatedAt as they were: the rotation did not happen, so audit does not say "ok, age 0".
  expect(await rotationOf(stack)).toEqual({ gong: GONG });

  // --due --dry-run: gong is overdue, so it would be rotated; nothing is written.
  const dry = await sophia(["secrets", "rotate", "--due", "--dry-run", "--json", "--stack", deployed]);
  expect(dry.code).toBe(0);
  expect(JSON.parse(dry.stdout).outcomes.map((o: any) => `${o.service}:${o.status}`)).toEqual([
    "snowflake:skipped-not-deployed",
    "estuary:skipped-not-deployed",
    "gong:would-rotate",
  ]);
  expect(await rotationOf(stack)).toEqual({ gong: GONG });
});
