import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { webhookUrlWithKey } from "../../integrations/gong";
import { ESTUARY_SANDBOX } from "../../sandbox/estuary";
import { GONG_SANDBOX } from "../../sandbox/gong";
import { ensureEngine, localStack, ROOT, SANDBOX_PASSPHRASE } from "../../scripts/lib";
import { type CliRun, runProcess, runSophia } from "../helpers/cli";
import { type Admin, startTestSandbox, type TestSandbox } from "../helpers/sandbox";

jest.setTimeout(300_000);

let sb: TestSandbox;
let estuary: Admin;
let work: string;
let stack: Stack;
let receiver: http.Server;
const stackName = `rotation-real-${process.pid}`;
const capture = `sophia-ai/${stackName}/gong-webhook`;
let ingestUrl: string;
/** Sophia's Gong webhook receiver (gongWebhookUrl). */
let receiverUrl: string;
/** What Sophia's webhook receiver was asked, and answered (the Gong rotation's consumer). */
const received: number[] = [];

const SLOT = "random:index/randomPassword:RandomPassword";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const reveal = (v: any) => (v && typeof v === "object" && SECRET_SIG in v ? JSON.parse(v.plaintext) : v);
/** A value's fingerprint: what a failing assertion may print instead of the value. */
const fp = (v: string | undefined) => (v ? createHash("sha256").update(v).digest("hex").slice(0, 12) : "-");

const backendEnv = () => ({
  PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
  PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  PULUMI_SKIP_UPDATE_CHECK: "true",
});

/**
 * The stack's state: its minted slots by "service-slot" (values in memory only), the slots replaced but not
 * yet deleted (an update that stopped half-way), the pending operations, and every resource.
 */
async function state() {
  const d = (await stack.exportStack()).deployment;
  const resources = d.resources as any[];
  const slots: Record<string, string> = {};
  const leftovers: string[] = [];
  for (const r of resources.filter((r) => r.type === SLOT)) {
    const name = `${r.inputs.keepers.service}-${r.inputs.keepers.slot}`;
    if (r.delete) leftovers.push(name);
    else {
      expect([name, name in slots]).toEqual([name, false]); // one live resource per slot
      slots[name] = reveal(r.outputs.result);
    }
  }
  return { slots, leftovers, resources, pending: (d.pending_operations ?? []) as any[] };
}

/** How many resources the stack's first `up` created (the engine's count, as a targeted update's "same"). */
let created = 0;

/** Which slots differ between two states: by name, never by value. */
const changed = (a: Record<string, string>, b: Record<string, string>) =>
  [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();

const rotationOf = async () => JSON.parse((await stack.getConfig("rotation")).value);

/** The last update's resource changes, as the engine summarised it. */
const lastUpdate = async () => (await stack.history(1))[0];

const post = (token: string) =>
  fetch(ingestUrl, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "call_completed", data: { id: "c-1" } }),
  }).then((r) => r.status);

/** Runs the CLI as a user would; `onStart` gets the child's pid. */
function sophia(args: string[], onStart?: (pid: number) => void): Promise<CliRun> {
  return runSophia([...args, "--stack", stackName], { cwd: work, env: backendEnv(), onStart });
}

/**
 * `pulumi <args>` on the test's stack and backend, as an operator runs it; asynchronously, since the
 * stand-ins it may reach serve from this process.
 */
async function pulumi(args: string[]): Promise<{ code: number | null; out: string }> {
  const r = await runProcess("pulumi", [...args, "--stack", stackName, "--non-interactive"], {
    cwd: ROOT,
    env: backendEnv(),
  });
  return { code: r.code, out: r.stdout + r.stderr };
}

/** The stack's lock files in the file backend. */
function locks(): string[] {
  try {
    return readdirSync(
      path.join(work, "state", ".pulumi", "locks", "organization", "sophia-ai", stackName),
    ).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
}

/** The processes below `pid` (this test started every one of them), from /proc. */
function descendants(pid: number): { pid: number; cmd: string[] }[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: { pid: number; cmd: string[] }[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      let cmd: string[] = [];
      try {
        cmd = readFileSync(`/proc/${c}/cmdline`, "utf8").split("\0").filter(Boolean);
      } catch {
        // gone meanwhile
      }
      out.push({ pid: c, cmd });
      walk(c);
    }
  };
  walk(pid);
  return out;
}

beforeAll(async () => {
  ensureEngine({ quiet: true });
  sb = await startTestSandbox(["gong", "estuary"]);
  estuary = sb.admin("estuary");
  // Sophia's Gong webhook receiver. The app gets the secret from its carriers (GitHub Actions secret and
  // Vercel variable GONG_WEBHOOK_SECRET), which the program sets to the current slot, as it sets the
  // gongWebhookSetup output; their plugins cannot be built here, so this receiver reads that output on
  // every call, and accepts only the key it finds there.
  receiver = http.createServer(async (req, res) => {
    req.resume();
    const key = new URL(req.url ?? "/", "http://x").searchParams.get("key");
    const setup = (await stack.outputs()).gongWebhookSetup?.value;
    const expected = setup && new URL(setup.webhookUrl).searchParams.get("key");
    res.statusCode = key && key === expected ? 200 : 401;
    received.push(res.statusCode);
    res.end();
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/gong`;
  work = mkdtempSync(path.join(tmpdir(), "sophia-rotation-real-"));
  stack = await localStack({ stackName, backendDir: path.join(work, "state") });
  // the capture's HTTP-ingest endpoint (the stand-in takes the capture and its path as one segment each)
  ingestUrl = `${sb.url("estuary")}/ingest/${encodeURIComponent(capture)}/${encodeURIComponent("gong/calls")}`;
  const plain = {
    airbyteEnabled: "false",
    postgresHost: "127.0.0.1",
    postgresUser: "sophia",
    redisHost: "127.0.0.1",
    gongEnabled: "true",
    gongApiUrl: sb.url("gong"),
    gongWorkspaceId: GONG_SANDBOX.workspaceId,
    gongWebhookUrl: receiverUrl,
    estuaryEnabled: "true",
    estuaryApiUrl: `${sb.url("estuary")}${ESTUARY_SANDBOX.restPath}`,
    estuaryConfigEncryptionUrl: sb.url("estuary"),
    estuaryIngestUrl: ingestUrl,
  };
  const secrets = {
    gongAccessKey: GONG_SANDBOX.accessKey,
    gongAccessKeySecret: GONG_SANDBOX.accessKeySecret,
    estuaryRefreshToken: ESTUARY_SANDBOX.refreshToken,
    postgresPassword: "rotation-real-postgres-7d1c",
    redisPassword: "rotation-real-redis-3e9a",
  };
  await stack.setAllConfig({
    ...Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, { value: v }])),
    ...Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, { value: v, secret: true }])),
  });
  const up = await stack.up();
  expect(up.summary.result).toBe("succeeded");
  created = up.summary.resourceChanges?.create ?? 0;
  expect(created).toBeGreaterThan(10);
});

afterAll(async () => {
  const violations = sb
    ? (await Promise.all(["gong", "estuary"].map((s) => sb.admin(s).violations()))).flat()
    : [];
  try {
    if (stack) {
      if (locks().length) await pulumi(["cancel", "--yes"]); // left by a failed test's killed update
      await stack.workspace.removeStack(stackName, { force: true });
    }
  } finally {
    rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    if (work) rmSync(work, { recursive: true, force: true });
    if (sb) await sb.close();
    receiver?.closeAllConnections();
    receiver?.close();
  }
  expect(violations).toEqual([]);
});

test("rotate estuary: one RandomPassword replaced, the capture's token follows, audit and preview agree", async () => {
  const before = await state();
  // epoch 0: slot b is current (slotGenerations); the capture takes it
  expect(await post(before.slots["estuary-b"])).toBe(200);

  const r = await sophia(["secrets", "rotate", "--service", "estuary", "--json"]);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).outcomes).toEqual([
    {
      service: "estuary",
      fromEpoch: 0,
      toEpoch: 1,
      status: "rotated",
      detail: "the Estuary capture accepts the new credential (200) and refuses a wrong one (401)",
    },
  ]);

  // Exactly one RandomPassword replaced — the older slot, a — and the capture updated to it; nothing else.
  const after = await state();
  expect(changed(before.slots, after.slots)).toEqual(["estuary-a"]);
  const update = await lastUpdate();
  expect([update.kind, update.result]).toEqual(["update", "succeeded"]);
  expect(update.resourceChanges).toEqual({ replace: 1, update: 1, same: created - 2 });
  const ids = (s: typeof before) =>
    Object.fromEntries(s.resources.filter((x) => x.type !== SLOT).map((x) => [x.urn, x.id ?? null]));
  expect(ids(after)).toEqual(ids(before));
  expect(after.pending).toEqual([]);

  // The stand-in's ingest takes the new token and refuses a wrong one; it holds one token, so the previous
  // slot (still in the state, unchanged) is refused there from now on.
  expect(await post(after.slots["estuary-a"])).toBe(200);
  expect(await post("not-the-token")).toBe(401);
  expect(after.slots["estuary-b"] === before.slots["estuary-b"]).toBe(true);
  expect(await post(after.slots["estuary-b"])).toBe(401);

  // audit: the new epoch, rotated today
  const audit = await sophia(["secrets", "audit", "--json"]);
  const row = JSON.parse(audit.stdout).credentials.find((c: any) => c.service === "estuary");
  expect(row).toMatchObject({ epoch: 1, ageDays: 0, status: "ok" });
  expect(Date.now() - Date.parse(row.rotatedAt)).toBeLessThan(10 * 60_000);
  expect((await stack.outputs()).credentialRotation.value.estuary).toMatchObject({
    epoch: 1,
    currentSlot: "a",
    ageDays: 0,
    status: "ok",
  });

  // the program and the state agree: a full preview changes nothing
  const preview = await stack.preview({ expectNoChanges: true });
  expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});

test("a capture that refuses the new token: the previous slot is current again, no rotation recorded, exit 6", async () => {
  const rotation = await rotationOf();
  expect(rotation.estuary.epoch).toBe(1);
  const before = await state();
  // the ingest endpoint refuses the next call (the rotation's check of the new token) with a 401
  await estuary.fault({ route: "POST /ingest/{capture}/{path}", status: 401, count: 1 });

  const r = await sophia(["secrets", "rotate", "--service", "estuary", "--json"]);
  expect(r.code).toBe(6);
  expect(JSON.parse(r.stdout).outcomes).toEqual([
    {
      service: "estuary",
      fromEpoch: 1,
      toEpoch: 1,
      status: "reverted",
      detail: "the Estuary capture refused the new credential (401); the previous one stays current",
    },
  ]);
  expect(await rotationOf()).toEqual(rotation); // epoch and rotatedAt as they were

  // The slot that was current (a) is untouched and the capture takes it again; the slot the rotation
  // regenerated (b) was regenerated once more on the way back rather than kept.
  const after = await state();
  expect(changed(before.slots, after.slots)).toEqual(["estuary-b"]);
  expect(await post(after.slots["estuary-a"])).toBe(200);
  expect(await post(after.slots["estuary-b"])).toBe(401);
  const [back, forth] = await stack.history(2);
  for (const u of [back, forth]) expect(u.resourceChanges).toMatchObject({ replace: 1, update: 1 });

  const audit = JSON.parse((await sophia(["secrets", "audit", "--json"])).stdout).credentials;
  expect(audit.find((c: any) => c.service === "estuary")).toMatchObject({
    epoch: 1,
    rotatedAt: rotation.estuary.rotatedAt,
  });
  await stack.preview({ expectNoChanges: true });
});

test("rotate gong: only its slot is replaced and gongWebhookSetup follows; the receiver takes the new key", async () => {
  const before = await state();
  const setupKey = async () =>
    new URL((await stack.outputs()).gongWebhookSetup.value.webhookUrl).searchParams.get("key") ?? "";
  expect((await setupKey()) === before.slots["gong-b"]).toBe(true);
  received.length = 0;

  const r = await sophia(["secrets", "rotate", "--service", "gong", "--json"]);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).outcomes).toEqual([
    {
      service: "gong",
      fromEpoch: 0,
      toEpoch: 1,
      status: "rotated",
      detail: "the Gong webhook receiver accepts the new credential (200) and refuses a wrong one (401)",
    },
  ]);
  // the CLI's check reached the receiver: the new key accepted, a wrong one refused
  expect(received).toEqual([200, 401]);

  const after = await state();
  expect(changed(before.slots, after.slots)).toEqual(["gong-a"]);
  // no resource of this stack consumes the gong secret (its carriers are GitHub and Vercel): one replace
  expect((await lastUpdate()).resourceChanges).toEqual({ replace: 1, same: created - 1 });
  expect(fp(await setupKey())).toBe(fp(after.slots["gong-a"]));
  // a Gong webhook call as Gong's rule will make it once an admin pastes the new gongWebhookSetup
  const call = (key: string) =>
    fetch(webhookUrlWithKey(receiverUrl, key), { method: "POST", body: "{}" }).then((x) => x.status);
  expect(await call(after.slots["gong-a"])).toBe(200);
  // the rule Gong holds until then carries the previous key, which the receiver (one value) refuses
  expect(await call(after.slots["gong-b"])).toBe(401);
  await stack.preview({ expectNoChanges: true });
});

test("pulumi killed mid-rotation: exit 7, config put back; after the documented recovery a rerun converges", async () => {
  const rotation = await rotationOf();
  expect(rotation.estuary.epoch).toBe(1);
  const before = await state();
  // The capture's update waits at Estuary's config-encryption service (nothing is staged at Estuary yet);
  // meanwhile the targeted `up` is killed with everything it started, as when a CI runner dies.
  const encrypted = async () => (await estuary.counts())["POST /v1/encrypt-config"] ?? 0;
  const calls = await encrypted();
  await estuary.fault({ route: "POST /v1/encrypt-config", delayMs: 15_000, count: 1 });
  let killed: string[] = [];
  const r = await sophia(["secrets", "rotate", "--service", "estuary", "--json"], (pid) => {
    const poll = setInterval(async () => {
      if ((await encrypted()) === calls) return;
      const up = descendants(pid).find(
        (p) => path.basename(p.cmd[0] ?? "") === "pulumi" && p.cmd.includes("up"),
      );
      if (!up) return;
      clearInterval(poll);
      const victims = [up, ...descendants(up.pid)];
      killed = victims.map((v) => path.basename(v.cmd[0] ?? "?"));
      for (const v of victims) {
        try {
          process.kill(v.pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
    }, 200);
  });
  await estuary.clearFaults();
  expect(killed).toEqual(expect.arrayContaining(["pulumi", "pulumi-resource-random"]));

  // sophia: the apply failed, the rotation config is put back exactly, and applying it again is refused
  // by the lock the killed update left: exit 7, with what to do.
  expect(r.code).toBe(7);
  const [outcome] = JSON.parse(r.stdout).outcomes;
  expect(outcome).toEqual({
    service: "estuary",
    fromEpoch: 1,
    toEpoch: 1,
    status: "failed",
    error: "pulumi was killed (SIGKILL) before the update finished",
    detail: expect.stringMatching(
      /^the rotation config is as it was \(epoch 1\), but applying it again failed too \(the stack is currently locked by 1 lock\(s\)\. .*\): once no other update is running \(a killed one leaves its lock behind\), run `pulumi cancel`, `pulumi refresh --clear-pending-creates`, then rotate again$/,
    ),
  });
  expect(await rotationOf()).toEqual(rotation);

  // What the kill left: the lock; the older slot (b) replaced but its old resource not deleted; the
  // capture's update pending. The previous slot (a) is untouched, and the capture still takes it.
  expect(locks()).toHaveLength(1);
  const killedState = await state();
  expect(killedState.leftovers).toEqual(["estuary-b"]);
  expect(changed(before.slots, killedState.slots)).toEqual(["estuary-b"]);
  expect(killedState.pending.map((p) => `${p.type} ${String(p.resource.urn).split("::").pop()}`)).toEqual([
    "updating estuary-gong-webhook",
  ]);
  expect(await post(killedState.slots["estuary-a"])).toBe(200);

  // The recovery README documents, on this engine and file backend: `pulumi cancel` removes the killed
  // update's lock; `pulumi refresh --clear-pending-creates` reads every resource as its vendor holds it and
  // clears the pending operations.
  const cancel = await pulumi(["cancel", "--yes"]);
  expect([cancel.code, locks()]).toEqual([0, []]);
  const refresh = await pulumi(["refresh", "--yes", "--clear-pending-creates"]);
  expect([refresh.code, refresh.out.match(/^\s*error: .*$/m)?.[0] ?? null]).toEqual([0, null]);
  expect((await state()).pending).toEqual([]);

  // The rerun converges: slot b current and accepted by the capture, slot a (previous) exactly as before
  // the killed attempt, no leftover resource, nothing pending, a clean preview.
  const again = await sophia(["secrets", "rotate", "--service", "estuary", "--json"]);
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout).outcomes).toMatchObject([
    { service: "estuary", fromEpoch: 1, toEpoch: 2, status: "rotated" },
  ]);
  const after = await state();
  expect([after.leftovers, after.pending]).toEqual([[], []]);
  expect(changed(before.slots, after.slots)).toEqual(["estuary-b"]);
  expect(await post(after.slots["estuary-b"])).toBe(200);
  expect(await post(after.slots["estuary-a"])).toBe(401); // the capture holds one token
  expect((await rotationOf()).estuary.epoch).toBe(2);
  await stack.preview({ expectNoChanges: true });
});

test("--due: --dry-run lists the overdue credential and changes nothing; without it, rotates only that one", async () => {
  // estuary's last rotation recorded long ago (an old stack's config); gong's is recent (the test above)
  await stack.setConfig("rotation.estuary.rotatedAt", { value: "2020-01-01T00:00:00Z" }, true);
  const rotation = await rotationOf();
  const before = await state();
  const updates = (await stack.history()).length;

  const dry = await sophia(["secrets", "rotate", "--due", "--dry-run", "--json"]);
  expect(dry.code).toBe(0);
  const plan = JSON.parse(dry.stdout);
  expect([plan.due, plan.dryRun, plan.error]).toEqual([true, true, null]);
  expect(plan.outcomes.map((o: any) => [o.service, o.status, o.detail])).toEqual([
    ["snowflake", "skipped-not-deployed", "the stack holds no snowflake credential"],
    ["estuary", "would-rotate", expect.stringMatching(/^would move epoch 2 → 3 \(overdue, \d+ days old\)$/)],
    ["gong", "skipped-not-due", "0 days old; due from day 77, maximum 90"],
  ]);
  expect(await rotationOf()).toEqual(rotation);
  expect(changed(before.slots, (await state()).slots)).toEqual([]);
  expect((await stack.history()).length).toBe(updates);

  const due = await sophia(["secrets", "rotate", "--due", "--json"]);
  expect(due.code).toBe(0);
  expect(JSON.parse(due.stdout).outcomes.map((o: any) => `${o.service}:${o.status}:${o.toEpoch}`)).toEqual([
    "snowflake:skipped-not-deployed:0",
    "estuary:rotated:3",
    "gong:skipped-not-due:1",
  ]);
  const after = await state();
  expect(changed(before.slots, after.slots)).toEqual(["estuary-a"]);
  expect(await post(after.slots["estuary-a"])).toBe(200);
  const audit = JSON.parse((await sophia(["secrets", "audit", "--json"])).stdout).credentials;
  expect(audit.find((c: any) => c.service === "estuary")).toMatchObject({
    epoch: 3,
    ageDays: 0,
    status: "ok",
  });
  expect((await rotationOf()).gong).toEqual(rotation.gong);
});
