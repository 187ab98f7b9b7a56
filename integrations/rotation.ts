// Credential rotation with two slots (blue/green), built on @pulumi/random with keepers.
//
// Each rotated credential has slots "a" and "b". A per-service rotation epoch (stack config) decides
// which slot is current: odd epochs regenerate and promote slot a, even epochs slot b. Moving the epoch by
// one therefore replaces exactly one slot — the older one — while the other (now "previous") keeps
// working, so consumers switch to the new value without downtime and the old value is retired only at
// the next rotation.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export type RotationStatus = "ok" | "due" | "overdue";

export interface RotationState {
  /** Moves by one per rotation; starts at 0. */
  epoch: number;
  /** When the current slot was rotated in (ISO 8601), recorded by `sophia secrets rotate`. */
  rotatedAt?: string;
}

export interface RotatedCredentialArgs {
  /** Service the credential belongs to: the rotation epoch is per service. */
  service: string;
  rotation: RotationState;
  /** Credentials older than this are overdue (default 90). */
  maxAgeDays: number;
  /** Warn this many days before the maximum age (default 14). */
  dueWithinDays?: number;
  length?: number;
  /** Allow punctuation (off for credentials that travel in URLs or headers). */
  special?: boolean;
  /**
   * At least one upper-case letter, lower-case letter and digit, for consumers with a password policy
   * (Snowflake's default refuses a password without each). Changing it replaces both slots at once.
   */
  mixedCase?: boolean;
  /** The current time, for the age check (injected so tests are deterministic). */
  now?: Date;
}

/** Slot keepers for an epoch: slot a changes on odd epochs, slot b on even ones. */
export function slotGenerations(epoch: number): { a: number; b: number; current: "a" | "b" } {
  return { a: Math.ceil(epoch / 2), b: Math.floor(epoch / 2), current: epoch % 2 === 1 ? "a" : "b" };
}

export function rotationStatus(
  rotatedAt: string | undefined,
  maxAgeDays: number,
  dueWithinDays: number,
  now: Date,
): { status: RotationStatus; ageDays?: number } {
  if (!rotatedAt) return { status: "due" };
  const ageDays = Math.floor((now.getTime() - Date.parse(rotatedAt)) / 86_400_000);
  if (ageDays > maxAgeDays) return { status: "overdue", ageDays };
  if (ageDays > maxAgeDays - dueWithinDays) return { status: "due", ageDays };
  return { status: "ok", ageDays };
}

export class RotatedCredential extends pulumi.ComponentResource {
  readonly slotA: random.RandomPassword;
  readonly slotB: random.RandomPassword;
  /** The value consumers should use now (secret). */
  readonly current: pulumi.Output<string>;
  /** The value rotated out last time, still valid until the next rotation (secret). */
  readonly previous: pulumi.Output<string>;
  readonly currentSlot: "a" | "b";
  readonly epoch: number;
  readonly rotatedAt?: string;
  readonly status: RotationStatus;
  readonly ageDays?: number;
  readonly maxAgeDays: number;

  constructor(name: string, args: RotatedCredentialArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:rotation:RotatedCredential", name, {}, opts);
    const gen = slotGenerations(args.rotation.epoch);
    const slot = (s: "a" | "b", generation: number) =>
      new random.RandomPassword(
        `${name}-${s}`,
        {
          length: args.length ?? 40,
          special: args.special ?? false,
          ...(args.mixedCase ? { minUpper: 1, minLower: 1, minNumeric: 1 } : {}),
          keepers: { service: args.service, slot: s, generation: String(generation) },
        },
        { parent: this },
      );
    this.slotA = slot("a", gen.a);
    this.slotB = slot("b", gen.b);
    this.currentSlot = gen.current;
    const [cur, prev] = gen.current === "a" ? [this.slotA, this.slotB] : [this.slotB, this.slotA];
    this.current = pulumi.secret(cur.result);
    this.previous = pulumi.secret(prev.result);
    this.epoch = args.rotation.epoch;
    this.rotatedAt = args.rotation.rotatedAt;
    this.maxAgeDays = args.maxAgeDays;
    const s = rotationStatus(
      args.rotation.rotatedAt,
      args.maxAgeDays,
      args.dueWithinDays ?? 14,
      args.now ?? new Date(),
    );
    this.status = s.status;
    this.ageDays = s.ageDays;
    if (s.status !== "ok") {
      pulumi.log.warn(
        `${args.service} credential ${name} is ${s.status}: ${
          s.ageDays === undefined
            ? "no rotation time recorded"
            : `${s.ageDays} days old, maximum ${args.maxAgeDays}`
        }; rotate with \`sophia secrets rotate --service ${args.service}\``,
        this,
      );
    }
    this.registerOutputs({
      currentSlot: this.currentSlot,
      epoch: this.epoch,
      rotatedAt: this.rotatedAt,
      status: this.status,
    });
  }

  /** What the stack exports for auditing: never the values. */
  audit() {
    return {
      epoch: this.epoch,
      currentSlot: this.currentSlot,
      rotatedAt: this.rotatedAt ?? null,
      ageDays: this.ageDays ?? null,
      maxAgeDays: this.maxAgeDays,
      status: this.status,
    };
  }
}
