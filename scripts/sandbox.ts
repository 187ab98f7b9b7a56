// `npm run sandbox`        deploy the sandbox stack against the local stand-ins and print a summary
// `npm run sandbox -- down` destroy the sandbox stack's resources and stop the stand-ins
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SERVICES } from "../sandbox/index";
import { ensureEngine, localStack, ROOT } from "./lib";

const DATA_DIR = path.join(ROOT, ".sandbox-data");
const PID_FILE = path.join(DATA_DIR, "sandbox.pid");
const LOG_FILE = path.join(DATA_DIR, "sandbox.log");
const step = (msg: string) => console.log(`\n▶ ${msg}`);

async function healthy(): Promise<boolean> {
  try {
    const port = SERVICES.airbyte.defaultPort;
    const res = await fetch(`http://127.0.0.1:${port}/v1/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function startStandIns(): Promise<void> {
  if (await healthy()) {
    console.log("  stand-ins already running");
    return;
  }
  const { mkdirSync } = await import("node:fs");
  mkdirSync(DATA_DIR, { recursive: true });
  const log = openSync(LOG_FILE, "a");
  const child = spawn(
    process.execPath,
    [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "sandbox", "main.ts")],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", log, log],
    },
  );
  child.unref();
  closeSync(log);
  writeFileSync(PID_FILE, String(child.pid));
  for (let i = 0; i < 100; i++) {
    if (await healthy()) {
      console.log(
        `  stand-ins running (pid ${child.pid}, data in ${path.relative(ROOT, DATA_DIR)}/, log ${path.relative(ROOT, LOG_FILE)})`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the stand-ins did not start; see ${LOG_FILE}`);
}

function stopStandIns(): void {
  if (!existsSync(PID_FILE)) return;
  const pid = Number(readFileSync(PID_FILE, "utf8"));
  try {
    process.kill(pid, "SIGTERM");
    console.log(`  stopped the stand-ins (pid ${pid})`);
  } catch {
    // already gone
  }
  rmSync(PID_FILE, { force: true });
}

async function up(): Promise<void> {
  step("Pulumi engine");
  ensureEngine();
  step("Local stand-ins of the SaaS APIs");
  await startStandIns();
  step("pulumi up --stack sandbox");
  const stack = await localStack({ stackName: "sandbox" });
  const result = await stack.up({ onOutput: (s) => process.stdout.write(s) });
  const outputs = await stack.outputs();
  const changes = result.summary.resourceChanges ?? {};
  step("Summary");
  console.log(
    `  result:    ${result.summary.result} (${Object.entries(changes)
      .map(([k, v]) => `${v} ${k}`)
      .join(", ")})`,
  );
  console.log("  outputs:");
  for (const [k, v] of Object.entries(outputs))
    console.log(`    ${k} = ${v.secret ? "[secret]" : JSON.stringify(v.value)}`);
  console.log(`  state:     ${path.join(ROOT, ".pulumi-state")} (file backend; passphrase in README)`);
  console.log(
    `  stand-ins: ${Object.entries(SERVICES)
      .map(([n, s]) => `${n} http://127.0.0.1:${s.defaultPort}`)
      .join(", ")}`,
  );
  console.log("  tear down: npm run sandbox -- down");
}

async function down(): Promise<void> {
  step("Pulumi engine");
  ensureEngine();
  step("Local stand-ins of the SaaS APIs");
  await startStandIns();
  step("pulumi destroy --stack sandbox");
  const stack = await localStack({ stackName: "sandbox" });
  await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
  step("Stopping the stand-ins");
  stopStandIns();
  console.log(
    "\nThe sandbox stack is empty; its state stays in .pulumi-state/ (delete the folder to forget it).",
  );
}

const cmd = process.argv[2] ?? "up";
(cmd === "down"
  ? down()
  : cmd === "up"
    ? up()
    : Promise.reject(new Error(`unknown command "${cmd}" (up | down)`))
).catch((err) => {
  console.error(`\nsandbox: ${err.message ?? err}`);
  process.exit(1);
});
