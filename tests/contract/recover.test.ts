// `sophia recover`'s logic against a stand-in for the stack (the engine's answers as the Automation API gives
// them): which locks it clears and which it refuses, what each step reports, its exit codes. The real
// engine, a killed `pulumi up` and the vendor's objects are in tests/e2e/recover.e2e.test.ts.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { hostname } from "node:os";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { EXIT } from "../../cli/exit";
import {
  holderState,
  type LockHolder,
  lockHolders,
  processCommand,
  type RecoverTarget,
  recover,
  stepLine,
} from "../../cli/recover";

const URN = (name: string, type = "pulumi-nodejs:dynamic/airbyte:Source") =>
  `urn:pulumi:s::sophia-ai::sophia:integrations:Airbyte$${type}::${name}`;

/** A failed engine command as the Automation API throws it: its output in commandResult. */
const engineError = (stderr: string) =>
  Object.assign(new Error(`Command failed with exit code 255: pulumi refresh\n${stderr}`), {
    commandResult: { stdout: "", stderr, code: 255 },
  });

const lockedBy = (holders: { host: string; pid: number }[]) =>
  engineError(
    `error: the stack is currently locked by ${holders.length} lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.\n` +
      holders
        .map(
          (h, i) =>
            `  file:///tmp/state/.pulumi/locks/organization/sophia-ai/s/lock-${i}.json: created by ops@${h.host} (pid ${h.pid}) at 2025-01-02T03:04:05Z`,
        )
        .join("\n"),
  );

const pre = (op: OpType, name: string): EngineEvent => ({
  sequence: 0,
  timestamp: 0,
  resourcePreEvent: {
    metadata: { op, urn: URN(name), type: "pulumi-nodejs:dynamic/airbyte:Source", provider: "" },
  },
});

/** A stack whose engine answers as scripted; `calls` records what recovery asked of it. */
function fakeStack(script: {
  refresh?: unknown[];
  pending?: { type: string; resource: { urn: string } }[][];
  events?: EngineEvent[];
  fail?: { preview?: unknown; up?: unknown };
}) {
  const calls: string[] = [];
  const refreshes = [...(script.refresh ?? [])];
  const pendings = [...(script.pending ?? [])];
  const emit = (o: { onEvent?: (e: EngineEvent) => void }) => {
    for (const e of script.events ?? []) o.onEvent?.(e);
  };
  const summary = (op: string) => ({ [op]: (script.events ?? []).length, same: 4 });
  const stack: RecoverTarget = {
    name: "s",
    exportStack: async () => {
      calls.push("export");
      return { deployment: { pending_operations: pendings.shift() ?? [] } };
    },
    refresh: async (o) => {
      calls.push(`refresh${o.clearPendingCreates ? " --clear-pending-creates" : ""}`);
      const err = refreshes.shift();
      if (err) throw err;
      return { summary: { resourceChanges: { same: 6 } } };
    },
    cancel: async () => {
      calls.push("cancel");
    },
    preview: async (o) => {
      calls.push("preview");
      if (script.fail?.preview) throw script.fail.preview;
      emit(o);
      return { changeSummary: (script.events ?? []).length ? summary("create") : { same: 6 } };
    },
    up: async (o) => {
      calls.push("up");
      if (script.fail?.up) throw script.fail.up;
      emit(o);
      return { summary: { resourceChanges: summary("create") } };
    },
  };
  return { stack, calls };
}

/** A process that has exited (its pid is free), and one that runs as `pulumi` until killed. */
function deadPid(): number {
  const r = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
  return Number(r.stdout.trim());
}
let fakePulumi: ChildProcess;
beforeAll(() => {
  process.env.SOPHIA_QUIET = "1";
  fakePulumi = spawn("sleep", ["600"], { argv0: "pulumi", stdio: "ignore" });
});
afterAll(() => {
  fakePulumi.kill("SIGKILL");
});

describe("the lock", () => {
  test("the holders are read from the engine's refusal; another error is not a lock", () => {
    expect(lockHolders(lockedBy([{ host: "ci-7", pid: 4242 }]))).toEqual([
      {
        lock: "file:///tmp/state/.pulumi/locks/organization/sophia-ai/s/lock-0.json",
        user: "ops",
        host: "ci-7",
        pid: 4242,
        since: "2025-01-02T03:04:05Z",
      },
    ]);
    expect(lockHolders(engineError("error: 401 Unauthorized"))).toBeUndefined();
  });

  test("a holder is dead when its pid is gone or is another program; running only when pulumi runs it", () => {
    const h: LockHolder = { lock: "l", user: "ops", host: "here", pid: 7, since: "t" };
    const state = (cmd: string[] | null | undefined, host = "here") =>
      holderState({ ...h, host }, "here", () => cmd).state;
    expect(state(undefined)).toBe("dead");
    expect(state(["/usr/bin/node", "server.js"])).toBe("dead");
    expect(state(["/opt/engine/pulumi", "up", "--yes"])).toBe("running");
    expect(state(null)).toBe("unknown");
    expect(state(["/opt/engine/pulumi", "up"], "ci-7")).toBe("unknown");
    expect(holderState({ ...h, host: "ci-7" }, "here").why).toBe(
      "pid 7 on ci-7 (ops), since t: another machine, not checked from here",
    );
  });

  test("processCommand reads this machine's processes", () => {
    expect(processCommand(process.pid)?.[0]).toMatch(/node/);
    expect(processCommand(deadPid())).toBeUndefined();
    expect(processCommand(fakePulumi.pid as number)).toEqual(["pulumi", "600"]);
  });
  test("a lock a dead update left: cleared with pulumi cancel, then the refresh runs again", async () => {
    const pid = deadPid();
    const { stack, calls } = fakeStack({
      refresh: [lockedBy([{ host: hostname(), pid }])],
      pending: [[{ type: "creating", resource: { urn: URN("airbyte-gong") } }], []],
      events: [pre("create", "airbyte-gong"), pre("same", "airbyte-redis")],
    });
    const r = await recover(stack, {});
    expect(calls).toEqual([
      "export",
      "refresh --clear-pending-creates",
      "cancel",
      "refresh --clear-pending-creates",
      "export",
      "preview",
    ]);
    expect(r.steps.map(stepLine)).toEqual([
      `lock: cleared 1 lock(s) a dead update left: pid ${pid} on ${hostname()} (ops), since 2025-01-02T03:04:05Z: that process is gone`,
      "refresh: cleared 1 pending operation(s): creating airbyte-gong; read every resource from its vendor (same 6)",
      "preview: the next `up` has changes (create 2, same 4): run `pulumi up` (or `sophia recover --up`) to converge",
    ]);
    expect(r.changes).toEqual([
      {
        op: "create",
        name: "airbyte-gong",
        type: "pulumi-nodejs:dynamic/airbyte:Source",
        urn: URN("airbyte-gong"),
        interruptedCreate: true,
      },
    ]);
    expect([r.code, r.consistent, r.converged, r.error]).toEqual([EXIT.ok, true, false, null]);
  });
});

describe("recover: the lock step", () => {
  test("a lock a running pulumi holds is never cleared, not even with --yes: exit 9, nothing changed", async () => {
    const { stack, calls } = fakeStack({
      refresh: [lockedBy([{ host: hostname(), pid: fakePulumi.pid as number }])],
    });
    const r = await recover(stack, { yes: true, up: true });
    expect(calls).toEqual(["export", "refresh --clear-pending-creates"]);
    expect(r.code).toBe(EXIT.recoverLocked);
    expect(r.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      "lock:failed",
      "refresh:skipped",
      "up:skipped",
    ]);
    expect(r.error).toMatch(
      /^lock: held by a running update: pid \d+ .*: still running \(pulumi 600\); wait for it to end$/,
    );
    expect(r.consistent).toBe(false);
  });

  test("a lock held on another machine: refused (exit 9) unless --yes", async () => {
    const locked = () => fakeStack({ refresh: [lockedBy([{ host: "ci-runner-7", pid: 31 }])] });
    const refused = await recover(locked().stack, {});
    expect([refused.code, refused.error]).toEqual([
      EXIT.recoverLocked,
      "lock: held by pid 31 on ci-runner-7 (ops), since 2025-01-02T03:04:05Z: another machine, not checked from here; if no update of this stack is running there, rerun with --yes",
    ]);
    const { stack, calls } = locked();
    const cleared = await recover(stack, { yes: true });
    expect(calls).toContain("cancel");
    expect(cleared.code).toBe(EXIT.ok);
    expect(cleared.steps[0].detail).toMatch(/another machine, not checked from here \(--yes\)$/);
  });

  test("Pulumi Cloud's update in progress: cancelled only with --yes", async () => {
    const busy = () =>
      fakeStack({
        refresh: [engineError("error: [409] Conflict: Another update is currently in progress.")],
      });
    const refused = await recover(busy().stack, {});
    expect(refused.code).toBe(EXIT.recoverLocked);
    expect(refused.error).toMatch(
      /^lock: Pulumi Cloud reports an update in progress; .* rerun with --yes to cancel it$/,
    );
    const cancelled = await recover(busy().stack, { yes: true });
    expect([cancelled.code, cancelled.steps[0].detail]).toEqual([
      EXIT.ok,
      "cancelled the update Pulumi Cloud had in progress (--yes)",
    ]);
  });
});

describe("recover: the steps", () => {
  test("a failed refresh stops recovery naming the step, in one line: exit 10", async () => {
    const { stack, calls } = fakeStack({
      refresh: [
        engineError("error: Airbyte API GET /sources/1 failed with 500: injected\n  and a wall of output\n"),
      ],
    });
    const r = await recover(stack, {});
    expect(calls).not.toContain("preview");
    expect([r.code, r.error]).toEqual([
      EXIT.recoverFailed,
      "refresh: Airbyte API GET /sources/1 failed with 500: injected",
    ]);
    expect(r.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      "lock:ok",
      "refresh:failed",
      "preview:skipped",
    ]);
  });

  test("pending operations the refresh did not clear fail the refresh step", async () => {
    const left = [{ type: "deleting", resource: { urn: URN("airbyte-old") } }];
    const r = await recover(fakeStack({ pending: [left, left] }).stack, {});
    expect([r.code, r.error]).toEqual([
      EXIT.recoverFailed,
      "refresh: 1 pending operation(s) remain: deleting airbyte-old",
    ]);
  });

  test("--up runs the update instead of the preview and reports it; a failed up is exit 10", async () => {
    const { stack, calls } = fakeStack({ events: [pre("create", "airbyte-gong")] });
    const r = await recover(stack, { up: true });
    expect(calls).toEqual(["export", "refresh --clear-pending-creates", "export", "up"]);
    expect(r.steps.map(stepLine)).toEqual([
      "lock: none held",
      "refresh: no pending operations; read every resource from its vendor (same 6)",
      "up: converged (create 1, same 4)",
    ]);
    expect([r.code, r.converged, r.changes.map((c) => `${c.op} ${c.name} ${c.interruptedCreate}`)]).toEqual([
      EXIT.ok,
      true,
      ["create airbyte-gong false"],
    ]);

    const failed = await recover(
      fakeStack({ fail: { up: engineError("error: update failed\nerror: quota exceeded") } }).stack,
      {
        up: true,
      },
    );
    expect([failed.code, failed.error, failed.consistent]).toEqual([
      EXIT.recoverFailed,
      "up: quota exceeded",
      false,
    ]);
  });

  test("a healthy stack: nothing cleared, nothing to change", async () => {
    const r = await recover(fakeStack({}).stack, {});
    expect(r.steps.map((s) => `${s.step}:${s.status}`)).toEqual(["lock:ok", "refresh:ok", "preview:ok"]);
    expect([r.code, r.consistent, r.converged, r.changes]).toEqual([EXIT.ok, true, true, []]);
  });
});
