// End to end on the real engine: after a whole operator's flow on one stack (up, `sophia secrets rotate`,
// `pulumi stack export` to a file, `sophia backup`), no secret value the run used is anywhere it wrote:
// the backend's files, the export, the backup, the stack's config file, every command's output and this
// test's own log. The secrets are the config secrets (distinctive values where the stand-in lets the test
// choose), the webhook credentials the stack minted (before and after the rotation) and the keys the
// vendors returned; the test reads those from the stack in memory only, and names a leak by its label.
import { randomBytes } from "node:crypto";
import { appendFileSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { ROOT } from "../../scripts/lib";
import { type CliRun, runProcess, runSophia } from "../helpers/cli";
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
const BUDGET = { up: 240_000, rotate: 240_000, export: 60_000, backup: 60_000, scan: 30_000 };
jest.setTimeout(budget(BUDGET));

const tag = randomBytes(6).toString("hex");
/** The config secrets; those no stand-in checks, and Airbyte's (the stand-in takes it), are distinctive. */
const SECRETS = {
  ...SAAS_SECRETS,
  airbyteClientSecret: `scan-airbyte-secret-${tag}`,
  postgresPassword: `scan-postgres-password-${tag}`,
  redisPassword: `scan-redis-password-${tag}`,
};
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SLOT = "random:index/randomPassword:RandomPassword";

let e: E2eStack;
/** Everything the commands printed, by command. */
const outputs: { command: string; text: string }[] = [];
let logFile: string;

beforeAll(async () => {
  e = await openE2eStack("e2e-scan", [...SAAS_SERVICES, "receiver"]);
  logFile = path.join(e.work, "test.log");
  // the Gong rotation's consumer: the receiver stand-in reads this stack's gongWebhookSetup
  await e.sb.admin("receiver").settings({ stack: e.name, backendUrl: `file://${e.backendDir}` });
  await e.sb.admin("airbyte").edit("applications", AIRBYTE_SANDBOX.clientId, {
    clientSecret: SECRETS.airbyteClientSecret,
  });
  await setStackConfig(e, saasConfig(e.sb, `${e.sb.url("receiver")}/api/webhooks/gong`), SECRETS);
});

afterAll(async () => {
  console.log(formatStepTimings("secrets-scan.e2e"));
  expect(await closeE2eStack(e)).toEqual([]);
});

/** Keeps a command's output for the scan, in memory and in the test's log file (which is scanned too). */
function keep(command: string, out: { stdout: string; stderr: string }): void {
  const text = `${out.stdout}\n${out.stderr}`;
  outputs.push({ command, text });
  appendFileSync(logFile, `$ ${command}\n${text}\n`);
}

/** `bin/sophia <args> --stack <stack>` on the test's backend, its output kept. */
async function sophia(args: string[]): Promise<CliRun> {
  const run = await runSophia([...args, "--stack", e.name], { cwd: e.work, env: e.env });
  keep(`sophia ${args.join(" ")}`, run);
  return run;
}

/** A secret's plaintext in an export with secrets shown, as its JSON value. */
function reveal(v: unknown): unknown {
  if (v && typeof v === "object" && SECRET_SIG in v && "plaintext" in v) {
    return JSON.parse(String((v as { plaintext: unknown }).plaintext));
  }
  return v;
}

/** The stack's minted webhook credentials by "service-slot", read from the state in memory. */
async function mintedSlots(): Promise<Record<string, string>> {
  const { deployment } = await e.stack.exportStack(); // the Automation API shows secrets: memory only
  const slots: Record<string, string> = {};
  type Slot = {
    type: string;
    inputs: { keepers: { service: string; slot: string } };
    outputs: { result: unknown };
  };
  for (const r of (deployment.resources as Slot[]).filter((r) => r.type === SLOT)) {
    slots[`${r.inputs.keepers.service}-${r.inputs.keepers.slot}`] = String(reveal(r.outputs.result));
  }
  return slots;
}

/** The vendors' keys among the stack's secret outputs (OpenRouter's key strings, Lambda's private keys). */
async function returnedKeys(): Promise<Record<string, string>> {
  const out = await e.stack.outputs(); // shown in memory only
  const keys: Record<string, string> = {};
  for (const name of ["openrouterKeys", "lambdaPrivateKeys"]) {
    expect([name, out[name]?.secret]).toEqual([name, true]);
    for (const [k, v] of Object.entries<string>(out[name].value)) keys[`${name}.${k}`] = v;
  }
  return keys;
}

/** The ways a value may be written down: as is, JSON-escaped, and (multi-line values) each long line. */
function forms(value: string): string[] {
  const lines = value.includes("\n") ? value.split("\n").filter((l) => l.trim().length >= 24) : [];
  return [...new Set([value, JSON.stringify(value).slice(1, -1), ...lines])];
}

/** Every file below `dir`, by its path. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test("no secret the run used is in the state, the export, the backup, any command's output or the log", async () => {
  const up = await step("up", () => e.stack.up(), BUDGET.up);
  keep("pulumi up", up);
  expect(up.summary.result).toBe("succeeded");
  const before = await mintedSlots();

  const rotate = await step(
    "sophia secrets rotate --service gong",
    () => sophia(["secrets", "rotate", "--service", "gong", "--json"]),
    BUDGET.rotate,
  );
  expect([rotate.code, JSON.parse(rotate.stdout).outcomes[0]?.status]).toEqual([0, "rotated"]);
  const after = await mintedSlots();
  expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual(["gong-a"]);

  const exportFile = path.join(e.work, "export.json");
  const exported = await step(
    "pulumi stack export --file",
    () =>
      runProcess(
        "pulumi",
        ["stack", "export", "--file", exportFile, "--stack", e.name, "--non-interactive"],
        {
          cwd: ROOT,
          env: e.env,
        },
      ),
    BUDGET.export,
  );
  keep("pulumi stack export", exported);
  expect(exported.code).toBe(0);
  const backupFile = path.join(e.work, "backup.json");
  const backup = await step("sophia backup", () => sophia(["backup", "--file", backupFile]), BUDGET.backup);
  expect(backup.code).toBe(0);

  await step(
    "scan for every secret",
    async () => {
      const secrets: Record<string, string> = {
        ...Object.fromEntries(Object.entries(SECRETS).map(([k, v]) => [`config ${k}`, v])),
        ...Object.fromEntries(Object.entries(before).map(([k, v]) => [`minted ${k} before rotation`, v])),
        ...Object.fromEntries(Object.entries(after).map(([k, v]) => [`minted ${k} after rotation`, v])),
        ...(await returnedKeys()),
      };
      // 8 config secrets, 2 slots × 2 states, 2 OpenRouter keys and 1 Lambda private key
      expect(Object.keys(secrets)).toHaveLength(8 + 4 + 3);
      const places: [string, string][] = [
        ...filesUnder(e.backendDir).map((f): [string, string] => [
          path.relative(e.work, f),
          readFileSync(f, "utf8"),
        ]),
        ["export file", readFileSync(exportFile, "utf8")],
        ["backup file", readFileSync(backupFile, "utf8")],
        [`Pulumi.${e.name}.yaml`, readFileSync(path.join(ROOT, `Pulumi.${e.name}.yaml`), "utf8")],
        ["test log", readFileSync(logFile, "utf8")],
        ...outputs.map((o): [string, string] => [`output of ${o.command}`, o.text]),
      ];
      expect(places.filter(([p]) => p.includes(`stacks${path.sep}sophia-ai`)).length).toBeGreaterThan(0);
      const found = (text: string) =>
        Object.keys(secrets).filter((label) => forms(secrets[label]).some((f) => text.includes(f)));
      // the scan finds what is there: the state with its secrets shown holds every minted and returned value
      const shown = JSON.stringify(await e.stack.exportStack());
      const held = Object.keys(secrets).filter(
        (l) => !l.startsWith("config ") && l !== "minted gong-a before rotation", // replaced by the rotation
      );
      expect(found(shown).filter((l) => !l.startsWith("config "))).toEqual(held);
      const leaks = places.flatMap(([place, text]) => found(text).map((label) => `${label} in ${place}`));
      console.log(`scanned ${places.length} places for ${Object.keys(secrets).length} secrets`);
      expect(leaks).toEqual([]);
    },
    BUDGET.scan,
  );
});
