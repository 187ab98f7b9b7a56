// `sophia secrets rotate` against a RotationDriver double: a rotation is recorded only when it happened,
// whatever fails puts the service's rotation config back exactly as it was, `--service all` reports every
// service, and `--due` rotates only what audit calls due or overdue.

import {
  NotApplied,
  type RotationDriver,
  type RotationEntry,
  rotateService,
  rotateServices,
} from "../../cli/secrets";
import type { RotatedService } from "../../integrations/credentials";

const NOW = new Date("2026-11-25T00:00:00Z");
const STAMP = NOW.toISOString();

interface Double extends RotationDriver {
  state: Record<string, RotationEntry>;
  calls: string[];
}

/**
 * An in-memory stack: `state` is the rotation config (an undefined epoch or rotatedAt removes that key,
 * both the whole entry, as the real driver does); `fail` makes a step throw, by name and call number.
 */
function double(
  state: Record<string, RotationEntry>,
  o: {
    deployed?: RotatedService[];
    apply?: (service: RotatedService, n: number) => void;
    verify?: (service: RotatedService) => string;
    setRotation?: (n: number) => void;
  } = {},
): Double {
  let applies = 0;
  let sets = 0;
  const d: Double = {
    state: structuredClone(state),
    calls: [],
    async rotation() {
      return structuredClone(d.state);
    },
    async setRotation(s, epoch, rotatedAt) {
      d.calls.push(`set ${s} ${epoch} ${rotatedAt}`);
      o.setRotation?.(++sets);
      const entry: RotationEntry = { ...d.state[s] };
      if (epoch === undefined) delete entry.epoch;
      else entry.epoch = epoch;
      if (rotatedAt === undefined) delete entry.rotatedAt;
      else entry.rotatedAt = rotatedAt;
      if (epoch === undefined && rotatedAt === undefined) delete d.state[s];
      else d.state[s] = entry;
    },
    async applyService(s) {
      d.calls.push(`apply ${s}`);
      o.apply?.(s, ++applies);
    },
    async verify(s) {
      d.calls.push(`verify ${s}`);
      return o.verify ? o.verify(s) : `${s} accepted the new credential`;
    },
  };
  if (o.deployed) {
    const deployed = o.deployed;
    d.deployed = async (s) => deployed.includes(s);
  }
  return d;
}

const GONG = { gong: { epoch: 4, rotatedAt: "2026-01-01T00:00:00Z" } };

describe("rotateService records a rotation only when it happened", () => {
  it("an apply that changed nothing: the config is put back exactly (epoch and rotatedAt), failed with the reason", async () => {
    const d = double(GONG, {
      apply: () => {
        throw new NotApplied("the stack has no credential for gong: deploy it first");
      },
    });
    const out = await rotateService(d, "gong", NOW);
    expect(out).toEqual({
      service: "gong",
      fromEpoch: 4,
      toEpoch: 4,
      status: "failed",
      error: "the stack has no credential for gong: deploy it first",
      detail: "nothing applied: the rotation config is as it was (epoch 4)",
    });
    expect(d.state).toEqual(GONG);
    expect(d.calls).toEqual([`set gong 5 ${STAMP}`, "apply gong", "set gong 4 2026-01-01T00:00:00Z"]);
  });

  it("an apply that failed part-way: the config is put back and applied again, so the stack matches it", async () => {
    const d = double(GONG, {
      apply: (_s, n) => {
        if (n === 1) throw new Error("Gong answered 503 while updating the webhook secret");
      },
    });
    const out = await rotateService(d, "gong", NOW);
    expect(out).toMatchObject({
      status: "failed",
      toEpoch: 4,
      error: "Gong answered 503 while updating the webhook secret",
      detail: "put back: epoch 4 is current again and applied",
    });
    expect(d.state).toEqual(GONG);
    expect(d.calls).toEqual([
      `set gong 5 ${STAMP}`,
      "apply gong",
      "set gong 4 2026-01-01T00:00:00Z",
      "apply gong",
    ]);
  });

  it("a service never rotated before has no rotation entry afterwards either", async () => {
    const before = { estuary: { epoch: 1, rotatedAt: "2026-10-01T00:00:00Z" } };
    const d = double(before, {
      apply: () => {
        throw new NotApplied("no credential");
      },
    });
    expect(await rotateService(d, "gong", NOW)).toMatchObject({ status: "failed", fromEpoch: 0, toEpoch: 0 });
    expect(d.state).toEqual(before);
    expect(d.calls).toEqual([`set gong 1 ${STAMP}`, "apply gong", "set gong undefined undefined"]);
  });

  it("an entry with an epoch but no rotatedAt keeps no rotatedAt", async () => {
    const before = { gong: { epoch: 2 } };
    const d = double(before, {
      apply: () => {
        throw new NotApplied("no credential");
      },
    });
    await rotateService(d, "gong", NOW);
    expect(d.state).toEqual(before);
  });

  it("a failed write of the new epoch is put back, and nothing is applied", async () => {
    const d = double(GONG, {
      setRotation: (n) => {
        if (n === 1) throw new Error("the backend is locked");
      },
    });
    const out = await rotateService(d, "gong", NOW);
    expect(out).toMatchObject({ status: "failed", error: "the backend is locked", toEpoch: 4 });
    expect(d.calls).toEqual([`set gong 5 ${STAMP}`, "set gong 4 2026-01-01T00:00:00Z"]);
    expect(d.state).toEqual(GONG);
  });

  it("a failed check whose revert cannot be applied: failed, the config back as it was, and what to run", async () => {
    const d = double(GONG, {
      verify: () => {
        throw new Error("login refused");
      },
      apply: (_s, n) => {
        if (n === 2) throw new Error("GitHub answered 502");
      },
    });
    const out = await rotateService(d, "gong", NOW);
    expect(out).toEqual({
      service: "gong",
      fromEpoch: 4,
      toEpoch: 4,
      status: "failed",
      error: "the new credential failed its check (login refused)",
      detail:
        "the rotation config is back at epoch 4, but applying it failed (GitHub answered 502): run `pulumi up`",
    });
    expect(d.state).toEqual(GONG);
  });

  it("a failed check whose epoch cannot be moved back: failed, says where the config was left and how to fix it", async () => {
    const d = double(GONG, {
      verify: () => {
        throw new Error("login refused");
      },
      setRotation: (n) => {
        if (n === 2) throw new Error("the backend is locked");
      },
    });
    const out = await rotateService(d, "gong", NOW);
    expect(out).toMatchObject({ status: "failed", fromEpoch: 4, toEpoch: 5 });
    expect(out.detail).toBe(
      'and moving the epoch back failed (the backend is locked): set rotation.gong back to {"epoch":4,"rotatedAt":"2026-01-01T00:00:00Z"} and run `pulumi up`',
    );
  });

  it("an epoch that is not a whole number is refused before anything is written", async () => {
    const d = double({ gong: { epoch: "4" as unknown as number } });
    expect(await rotateService(d, "gong", NOW)).toMatchObject({
      status: "failed",
      error: 'rotation.gong.epoch is "4", not a whole number',
    });
    expect(d.calls).toEqual([]);
  });
});

describe("rotateServices reports every service", () => {
  it("--service all goes on after a failure: rotated, failed, skipped-not-deployed", async () => {
    const d = double(
      { ...GONG, estuary: { epoch: 7, rotatedAt: "2026-02-01T00:00:00Z" } },
      {
        deployed: ["estuary", "gong"],
        apply: (s) => {
          if (s === "estuary") throw new Error("Estuary answered 500");
        },
      },
    );
    const out = await rotateServices(d, ["snowflake", "estuary", "gong"], { now: NOW });
    expect(out.map((r) => [r.service, r.status, r.toEpoch])).toEqual([
      ["snowflake", "skipped-not-deployed", 0],
      ["estuary", "failed", 7],
      ["gong", "rotated", 5],
    ]);
    expect(out[1].error).toBe("Estuary answered 500");
    expect(d.state).toEqual({
      estuary: { epoch: 7, rotatedAt: "2026-02-01T00:00:00Z" },
      gong: { epoch: 5, rotatedAt: STAMP },
    });
  });

  it("a named service the stack does not hold fails without writing anything", async () => {
    const d = double(GONG, { deployed: [] });
    const out = await rotateServices(d, ["gong"], { named: true, now: NOW });
    expect(out).toEqual([
      {
        service: "gong",
        fromEpoch: 4,
        toEpoch: 4,
        status: "failed",
        detail: "nothing was changed",
        error: "the stack has no credential for gong: deploy it first",
      },
    ]);
    expect(d.calls).toEqual([]);
  });

  it("--due rotates what audit calls due or overdue (never recorded included) and skips the rest", async () => {
    const state = {
      snowflake: { epoch: 2, rotatedAt: "2026-11-01T00:00:00Z" }, // 24 days: ok
      estuary: { epoch: 1 }, // never recorded: due
      gong: { epoch: 4, rotatedAt: "2026-08-01T00:00:00Z" }, // 116 days: overdue
    };
    const dry = double(state);
    const plan = await rotateServices(dry, ["snowflake", "estuary", "gong"], {
      due: { maxAgeDays: 90 },
      dryRun: true,
      now: NOW,
    });
    expect(plan.map((r) => [r.service, r.status, r.detail])).toEqual([
      ["snowflake", "skipped-not-due", "24 days old; due from day 77, maximum 90"],
      ["estuary", "would-rotate", "would move epoch 1 → 2 (due, never recorded)"],
      ["gong", "would-rotate", "would move epoch 4 → 5 (overdue, 116 days old)"],
    ]);
    expect(dry.calls).toEqual([]);

    const d = double(state);
    const out = await rotateServices(d, ["snowflake", "estuary", "gong"], {
      due: { maxAgeDays: 90 },
      now: NOW,
    });
    expect(out.map((r) => `${r.service}:${r.status}`)).toEqual([
      "snowflake:skipped-not-due",
      "estuary:rotated",
      "gong:rotated",
    ]);
    expect(d.state.snowflake).toEqual(state.snowflake);
    expect(d.state.gong).toEqual({ epoch: 5, rotatedAt: STAMP });
  });
});
