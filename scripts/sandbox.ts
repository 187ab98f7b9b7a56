// `npm run sandbox`        deploy the sandbox stack against the local stand-ins and print a summary
// `npm run sandbox -- down` destroy the sandbox stack's resources and stop the stand-ins
// `npm run sandbox -- stop` stop the stand-ins only (the stack keeps its resources)
//
// The sandbox stack's state is in .pulumi-state/ (a file backend) unless PULUMI_BACKEND_URL names another
// backend, e.g. a team's PostgreSQL (README, "Teams: where the state lives").
//
// The stand-ins listen on the ports of sandbox/ports.ts (SANDBOX_PORT_<NAME> moves one), and the sandbox
// stack's URL keys are set to follow them. Each stand-in answers /__admin/identity with the data directory
// of the checkout that started it, so a checkout reuses only its own stand-ins and never deploys against
// another checkout's.
import { execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { portVariable, STAND_IN_DEFS, STAND_INS, type StandIn, sandboxPorts } from "../sandbox/ports";
import { describeBackend, redactCredentials } from "./backend";
import { ensureEngine, localBackendUrl, localStack, ROOT } from "./lib";
import { sandboxUrls } from "./sandboxUrls";

const DATA_DIR = path.join(ROOT, ".sandbox-data");
const PID_FILE = path.join(DATA_DIR, "sandbox.pid");
/** The ports this checkout's running stand-ins were started on. */
const PORTS_FILE = path.join(DATA_DIR, "ports.json");
const LOG_FILE = path.join(DATA_DIR, "sandbox.log");
const step = (msg: string) => console.log(`\n▶ ${msg}`);

/** Who answers on a port: nobody, our stand-in, another checkout's stand-in, or some other program. */
export type PortOwner =
  | { kind: "free" }
  | { kind: "ours" }
  | { kind: "other-sandbox"; instance: string }
  | { kind: "foreign" };

async function portOwner(port: number, instance: string): Promise<PortOwner> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/__admin/identity`, {
      signal: AbortSignal.timeout(1500),
    });
    const body = (res.ok ? await res.json().catch(() => undefined) : undefined) as
      | { service?: unknown; instance?: unknown }
      | undefined;
    if (body && typeof body.service === "string")
      return body.instance === instance
        ? { kind: "ours" }
        : { kind: "other-sandbox", instance: String(body.instance) };
    return { kind: "foreign" };
  } catch {
    // nothing answered HTTP: free, unless something else holds the port
    return (await portTaken(port)) ? { kind: "foreign" } : { kind: "free" };
  }
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(true));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(false)));
  });
}

/**
 * Decides whether this checkout's stand-ins are running ("running"), can be started ("start"), or throws
 * naming each port that belongs to someone else and the variable that moves it.
 */
export async function inspectPorts(
  ports: Record<StandIn, number>,
  instance: string,
): Promise<"running" | "start"> {
  const owners = await Promise.all(
    STAND_INS.map(async (n) => [n, await portOwner(ports[n], instance)] as const),
  );
  const problems = owners.flatMap(([n, o]) => {
    const where = `port ${ports[n]} (${n})`;
    if (o.kind === "other-sandbox")
      return [
        `${where} is served by the stand-ins of another checkout (${o.instance}); set ${portVariable(n)} to a free port`,
      ];
    if (o.kind === "foreign")
      return [`${where} is taken by another program; set ${portVariable(n)} to a free port`];
    return [];
  });
  const ours = owners.filter(([, o]) => o.kind === "ours").length;
  if (ours > 0 && ours < owners.length)
    problems.push(
      `only ${ours} of this checkout's ${owners.length} stand-ins answer: run \`npm run sandbox -- down\`, then try again`,
    );
  if (problems.length) throw new Error(`the stand-ins cannot start:\n  - ${problems.join("\n  - ")}`);
  return ours === owners.length ? "running" : "start";
}

/** The data directory's real path: the identity our stand-ins answer with. */
function instanceId(): string {
  mkdirSync(DATA_DIR, { recursive: true });
  return realpathSync(DATA_DIR);
}

async function startStandIns(ports: Record<StandIn, number>): Promise<void> {
  const instance = instanceId();
  if ((await inspectPorts(ports, instance)) === "running") {
    console.log("  this checkout's stand-ins are already running");
    return;
  }
  const log = openSync(LOG_FILE, "a");
  const child = spawn(
    process.execPath,
    ["-r", path.join(ROOT, "bin", "ts-hook.js"), path.join(ROOT, "sandbox", "main.ts")],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...process.env, SANDBOX_DATA_DIR: DATA_DIR, SANDBOX_INSTANCE: instance },
    },
  );
  child.unref();
  closeSync(log);
  writeFileSync(PID_FILE, String(child.pid));
  writeFileSync(PORTS_FILE, JSON.stringify(ports));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (
      (await portOwner(ports.airbyte, instance)).kind === "ours" &&
      (await inspectPorts(ports, instance)) === "running"
    ) {
      console.log(
        `  stand-ins running (pid ${child.pid}, data in ${path.relative(ROOT, DATA_DIR)}/, log ${path.relative(ROOT, LOG_FILE)})`,
      );
      return;
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the stand-ins did not start within 60 s; see ${LOG_FILE}`);
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
  rmSync(PORTS_FILE, { force: true });
}

/** The subset of a stack this script uses to point the sandbox stack's URL keys at the stand-ins. */
export interface ConfigurableStack {
  getAllConfig(): Promise<Record<string, { value: string; secret?: boolean }>>;
  setAllConfig(config: Record<string, { value: string; secret?: boolean }>): Promise<void>;
}

/** Each stand-in's URL on the ports in use and its made-up login (sandbox/<name>/standIn.ts). */
export function loginsTable(ports: Record<StandIn, number>): string[] {
  return STAND_INS.map((n) => `${n} http://127.0.0.1:${ports[n]}: ${STAND_IN_DEFS[n].login()}`);
}

/** Sets the stack's stand-in URLs to the ports in use; returns the keys it changed. */
export async function followPorts(
  stack: ConfigurableStack,
  ports: Record<StandIn, number>,
): Promise<string[]> {
  const current = await stack.getAllConfig();
  const wanted = sandboxUrls(ports);
  const changed = Object.keys(wanted).filter((k) => current[`sophia-ai:${k}`]?.value !== wanted[k]);
  if (changed.length)
    await stack.setAllConfig(
      Object.fromEntries(changed.map((k) => [`sophia-ai:${k}`, { value: wanted[k] }])),
    );
  return changed;
}

/** PostgreSQL and Redis for `sophia check --stack sandbox` (scripts/services.sh); optional for the deploy. */
function startDatabases(): void {
  try {
    execFileSync("bash", [path.join(ROOT, "scripts", "services.sh")], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    console.log("  PostgreSQL on 127.0.0.1:55432 and Redis on 127.0.0.1:56379 (scripts/services.sh)");
  } catch {
    console.log(
      "  PostgreSQL and Redis did not start (see above); the deploy does not need them, `sophia check --stack sandbox` does",
    );
  }
}

/** The ports of this checkout's stand-ins when they are running (wherever SANDBOX_PORT_* put them then). */
async function runningPorts(): Promise<Record<StandIn, number> | undefined> {
  if (!existsSync(PORTS_FILE)) return undefined;
  const ports = JSON.parse(readFileSync(PORTS_FILE, "utf8")) as Record<StandIn, number>;
  return (await portOwner(ports.airbyte, instanceId())).kind === "ours" ? ports : undefined;
}

/**
 * The ports to use: SANDBOX_PORT_* as now set. When this checkout's stand-ins already run elsewhere, says
 * which stand-in is where and how to move it, instead of starting a second set.
 */
export function portMoves(running: Record<StandIn, number>, wanted: Record<StandIn, number>): string[] {
  return STAND_INS.filter((n) => running[n] !== wanted[n]).map(
    (n) => `${n} runs on ${running[n]}, ${portVariable(n)} asks for ${wanted[n]}`,
  );
}

async function up(): Promise<void> {
  const ports = sandboxPorts();
  const running = await runningPorts();
  const moves = running ? portMoves(running, ports) : [];
  if (moves.length)
    throw new Error(
      `this checkout's stand-ins are running on other ports (${moves.join("; ")}): \`npm run sandbox -- stop\` stops them (the stack keeps its resources), then run \`npm run sandbox\` again`,
    );
  step("Pulumi engine");
  ensureEngine();
  step("Local stand-ins of the SaaS APIs");
  await startStandIns(ports);
  startDatabases();
  step("pulumi up --stack sandbox");
  const stack = await localStack({ stackName: "sandbox" });
  const moved = await followPorts(stack, ports);
  if (moved.length)
    console.log(`  pointed ${moved.join(", ")} at the stand-ins' ports (Pulumi.sandbox.yaml)`);
  const result = await stack.up({ onOutput: (s) => process.stdout.write(redactCredentials(s)) });
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
  console.log(
    `  state:     ${describeBackend(localBackendUrl({ stackName: "sandbox" }))} (passphrase in README)`,
  );
  console.log("  stand-ins and their logins (again: npm run sandbox -- logins):");
  for (const line of loginsTable(ports)) console.log(`    ${line}`);
  console.log("  tear down: npm run sandbox -- down");
}

async function down(): Promise<void> {
  // this checkout's running stand-ins, wherever they are; otherwise start them where SANDBOX_PORT_* say
  const ports = (await runningPorts()) ?? sandboxPorts();
  step("Pulumi engine");
  ensureEngine();
  step("Local stand-ins of the SaaS APIs");
  await startStandIns(ports);
  step("pulumi destroy --stack sandbox");
  const stack = await localStack({ stackName: "sandbox" });
  await followPorts(stack, ports);
  await stack.destroy({ onOutput: (s) => process.stdout.write(redactCredentials(s)) });
  step("Stopping the stand-ins");
  stopStandIns();
  const url = localBackendUrl({ stackName: "sandbox" });
  console.log(
    url.startsWith("file://")
      ? "\nThe sandbox stack is empty; its state stays in .pulumi-state/ (delete the folder to forget it)."
      : `\nThe sandbox stack is empty; its state stays in ${describeBackend(url)} (\`pulumi stack rm sandbox\` forgets it).`,
  );
}

if (require.main === module) {
  const cmd = process.argv[2] ?? "up";
  (cmd === "down"
    ? down()
    : cmd === "stop"
      ? Promise.resolve(stopStandIns())
      : cmd === "up"
        ? up()
        : cmd === "logins"
          ? Promise.resolve(console.log(loginsTable(sandboxPorts()).join("\n")))
          : Promise.reject(new Error(`unknown command "${cmd}" (up | down | stop | logins)`))
  ).catch((err) => {
    // the engine's errors may repeat the backend's URL, password included
    console.error(`\nsandbox: ${redactCredentials(String(err.message ?? err))}`);
    process.exit(1);
  });
}
