// A SIGKILLed `pulumi up` takes the processes it started with it: the language host, the program's node
// process and the dynamic-provider process. Survivors would go on creating vendor objects that the state never
// records (issue "Hardening"). The program here is a temporary project whose one dynamic resource's create
// writes a file, then sleeps; the kill comes once that file exists.
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ensureEngine, ROOT, SANDBOX_PASSPHRASE } from "../../scripts/lib";
import { runProcess } from "../helpers/cli";

jest.setTimeout(180_000);

const ENGINE = ensureEngine({ quiet: true });
/**
 * These guards are in our engine build (tools/langhost, tools/dynamic-provider; its language host carries
 * engine.sh's .source stamp). An installed upstream Pulumi, which engine.sh uses as is, is not ours to change.
 */
const testOurEngine = existsSync(path.join(ENGINE, "pulumi-language-nodejs.source")) ? test : test.skip;

const stackName = `crash-${process.pid}`;
/** Set in the environment of `pulumi up`, which every process it starts inherits: how we find them. */
const MARKER_NAME = "SOPHIA_E2E_CRASH_RUN";
const MARKER_VALUE = `${process.pid}-${Date.now()}`;
/** How long the dynamic resource's create sleeps once it has started. */
const CREATE_SLEEP_MS = 8_000;

let work: string;
let program: string;
/** Written by the create when it starts, and when it finishes (which it must not, here). */
let startedFile: string;
let createdFile: string;

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const provider = {
  async create(inputs) {
    const fs = require("fs");
    fs.writeFileSync(inputs.startedFile, String(process.pid));
    await new Promise((resolve) => setTimeout(resolve, inputs.sleepMs));
    fs.writeFileSync(inputs.createdFile, "a vendor object the state never records");
    return { id: "slow-1", outs: inputs };
  },
};
new pulumi.dynamic.Resource(provider, "slow", {
  startedFile: process.env.CRASH_STARTED_FILE,
  createdFile: process.env.CRASH_CREATED_FILE,
  sleepMs: ${CREATE_SLEEP_MS},
});
`;

const env = () => ({
  PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
  PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  PULUMI_SKIP_UPDATE_CHECK: "true",
  CRASH_STARTED_FILE: startedFile,
  CRASH_CREATED_FILE: createdFile,
});

/** Every live process whose environment carries the marker, with its command line. */
function runProcesses(): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (
        !readFileSync(`/proc/${d}/environ`, "utf8").split("\0").includes(`${MARKER_NAME}=${MARKER_VALUE}`)
      ) {
        continue;
      }
      found.push({
        pid: Number(d),
        cmd: readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").join(" ").trim(),
      });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Polls `done` until it holds; a timeout names `step`, and adds what `detail` says then. */
async function waitFor(step: string, ms: number, done: () => boolean, detail = () => ""): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms / 1000}s waiting for ${step}${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "sophia-crash-"));
  startedFile = path.join(work, "create-started");
  createdFile = path.join(work, "create-finished");
  program = path.join(work, "program");
  mkdirSync(program);
  // the project resolves @pulumi/pulumi (and the language host its cmd scripts) through the repository's
  // modules; its stack file (Pulumi.<stack>.yaml) goes here too, and with it
  symlinkSync(path.join(ROOT, "node_modules"), path.join(program, "node_modules"), "dir");
  writeFileSync(
    path.join(program, "Pulumi.yaml"),
    "name: crash-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
  );
  writeFileSync(path.join(program, "index.js"), PROGRAM);
  mkdirSync(path.join(work, "state"));
  const init = await runProcess("pulumi", ["stack", "init", stackName, "--non-interactive"], {
    cwd: program,
    env: env(),
  });
  expect([init.code, init.stderr.trim()]).toEqual([0, `Created stack '${stackName}'`]);
});

afterAll(() => {
  // a failed run must not leave its survivors behind
  for (const p of work ? runProcesses() : []) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

testOurEngine(
  "SIGKILL of `pulumi up` mid-create: the language host, the program and the dynamic provider exit too",
  async () => {
    const log = path.join(work, "up.log");
    const out = openSync(log, "w");
    // Output goes to a file, not a pipe: processes that outlive pulumi would hold a pipe open.
    const up = spawn("pulumi", ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stackName], {
      cwd: program,
      env: { ...process.env, ...env(), [MARKER_NAME]: MARKER_VALUE },
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    const upLog = () => `\n--- pulumi up output:\n${readFileSync(log, "utf8")}`;

    await waitFor("the dynamic resource's create to start", 60_000, () => existsSync(startedFile), upLog);
    const started = Date.now();
    // the run's processes at the kill: the language host, the program and the dynamic provider
    expect(runProcesses().map((p) => p.cmd)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/pulumi-language-nodejs/),
        expect.stringMatching(/@pulumi\/pulumi\/cmd\/run\b/),
        expect.stringMatching(/@pulumi\/pulumi\/cmd\/dynamic-provider\b/),
      ]),
    );

    up.kill("SIGKILL");
    await waitFor("pulumi to exit after SIGKILL", 5_000, () => up.signalCode !== null);
    expect(up.signalCode).toBe("SIGKILL");

    await waitFor(
      "the processes pulumi started to exit after it was killed",
      15_000,
      () => runProcesses().length === 0,
      () =>
        `; still running:\n${runProcesses()
          .map((p) => `  ${p.pid} ${p.cmd}`)
          .join("\n")}`,
    );

    // and the create they were running never completes: wait past its sleep
    await new Promise((r) => setTimeout(r, Math.max(0, started + CREATE_SLEEP_MS + 2_000 - Date.now())));
    expect(existsSync(createdFile)).toBe(false);
  },
);
