// `sophia restore` end to end: real engine, a stack of its own (OpenRouter keys against the stand-in, so the
// state holds secrets and objects named after the stack), backed up and restored into fresh file backends.
// A backup goes back into the stack it was taken from; under another name it is refused before anything
// exists, and a restore that fails after creating its stack leaves neither the stack nor its config file.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { OPENROUTER_SANDBOX } from "../../sandbox/openrouter";
import { ensureEngine, localStack, ROOT, SANDBOX_PASSPHRASE } from "../../scripts/lib";
import { type CliRun, fileBackend, runSophia } from "../helpers/cli";
import { type Admin, startTestSandbox, type TestSandbox } from "../helpers/sandbox";

jest.setTimeout(300_000);

let sb: TestSandbox;
let openrouter: Admin;
let stack: Stack;
let work: string;
let backup: string;
const stackName = `restore-${process.pid}`;
const otherName = `restore-other-${process.pid}`;
const configFile = (name: string) => path.join(ROOT, `Pulumi.${name}.yaml`);

/** Runs the CLI as a user would, on the backend `backendDir`, asynchronously (the stand-in lives here). */
function sophia(args: string[], backendDir: string, extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runSophia(args, { cwd: work, env: { ...fileBackend(backendDir), ...extraEnv } });
}

const freshBackend = (name: string) => {
  const dir = path.join(work, name);
  mkdirSync(dir);
  return dir;
};

const engineEnv = (backendDir: string) => ({
  PULUMI_BACKEND_URL: `file://${backendDir}`,
  PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  PULUMI_SKIP_UPDATE_CHECK: "true",
});

/** The stacks of this project in a backend. */
async function stacksIn(backendDir: string): Promise<string[]> {
  const ws = await LocalWorkspace.create({ workDir: ROOT, envVars: engineEnv(backendDir) });
  return (await ws.listStacks()).map((s) => s.name);
}

beforeAll(async () => {
  ensureEngine({ quiet: true });
  sb = await startTestSandbox(["openrouter"]);
  openrouter = sb.admin("openrouter");
  work = mkdtempSync(path.join(tmpdir(), "sophia-restore-"));
  stack = await localStack({ stackName, backendDir: path.join(work, "state") });
  await stack.setAllConfig({
    airbyteEnabled: { value: "false" },
    redisEnabled: { value: "false" },
    openrouterEnabled: { value: "true" },
    openrouterApiUrl: { value: sb.url("openrouter") },
    openrouterManagementKey: { value: OPENROUTER_SANDBOX.managementKey, secret: true },
  });
  // A list goes into the stack file as YAML, the way an operator writes it.
  const doc = parseYaml(readFileSync(configFile(stackName), "utf8"));
  doc.config["sophia-ai:openrouterKeys"] = [{ name: "app", limit: 5 }];
  writeFileSync(configFile(stackName), stringifyYaml(doc));
  expect((await stack.up()).summary.result).toBe("succeeded");

  backup = path.join(work, "backup.json");
  expect(
    await sophia(["backup", "--stack", stackName, "--file", backup], path.join(work, "state")),
  ).toMatchObject({ code: 0 });
  const text = readFileSync(backup, "utf8");
  expect(text).toContain('"ciphertext"'); // the key's value, encrypted with the stack's passphrase
  expect(text).toContain(`sophia-${stackName}-app`); // an object named after the stack
});

afterAll(async () => {
  try {
    if (stack) await stack.workspace.removeStack(stackName, { force: true });
  } finally {
    rmSync(configFile(stackName), { force: true });
    rmSync(configFile(otherName), { force: true });
    if (work) rmSync(work, { recursive: true, force: true });
    if (sb) await sb.close();
  }
});

test("a backup of another stack is refused before anything is created, with one error saying what to do", async () => {
  const fresh = freshBackend("other");
  const r = await sophia(["restore", "--stack", otherName, "--file", backup], fresh);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    new RegExp(
      `^error: .*holds the state of stack "${stackName}", not "${otherName}": restore it with --stack ${stackName}\\.`,
    ),
  );
  expect(lines[0]).toContain(`pulumi stack rename ${otherName} --stack ${stackName}`);
  expect(r.stderr).not.toContain("is from a different stack");
  // Nothing at all: no stack, not even the backend's metadata, and no config file.
  expect(readdirSync(fresh)).toEqual([]);
  expect(existsSync(configFile(otherName))).toBe(false);
});

test("a restore that fails leaves no stack behind and the config file as it was", async () => {
  const fresh = freshBackend("failing");
  const wrong = { PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" };

  // The stack's config file exists (its salt): creating the stack itself fails.
  const before = readFileSync(configFile(stackName));
  const withFile = await sophia(["restore", "--stack", stackName, "--file", backup], fresh, wrong);
  expect(withFile.code).toBe(1);
  expect(withFile.stderr.trim().split("\n")).toEqual([
    `error: could not restore ${backup} into ${stackName}: could not create secrets manager for new stack: incorrect passphrase`,
  ]);
  expect(await stacksIn(fresh)).toEqual([]);
  expect(readFileSync(configFile(stackName)).equals(before)).toBe(true);

  // Without a config file the stack is created (with a new salt), then the import cannot decrypt the
  // backup's secrets: the stack is removed again and the config file it wrote is gone.
  const aside = path.join(work, "config-aside.yaml");
  renameSync(configFile(stackName), aside);
  try {
    const created = await sophia(["restore", "--stack", stackName, "--file", backup], fresh, wrong);
    expect(created.code).toBe(1);
    expect(created.stderr.trim().split("\n")).toHaveLength(1);
    expect(created.stderr).toMatch(
      new RegExp(
        `^error: could not restore .* into ${stackName}: could not deserialize deployment: failed to decrypt: incorrect passphrase`,
      ),
    );
    expect(await stacksIn(fresh)).toEqual([]);
    expect(existsSync(configFile(stackName))).toBe(false);
  } finally {
    renameSync(aside, configFile(stackName));
  }
});

test("restored as its own stack, then renamed as the refusal says: the renamed stack previews without changes", async () => {
  const fresh = freshBackend("restored");
  const r = await sophia(["restore", "--stack", stackName, "--file", backup], fresh);
  expect(r).toMatchObject({ code: 0, stderr: "" });
  expect(r.stdout).toContain(`into ${stackName}`);

  // What the error message says to do for another name: pin the name prefix, then `pulumi stack rename`
  // (which rewrites every URN and the root stack's name, and moves Pulumi.<stack>.yaml).
  await stack.setConfig("namePrefix", { value: `sophia-${stackName}` });
  execFileSync("pulumi", ["stack", "rename", otherName, "--stack", stackName, "--non-interactive"], {
    cwd: ROOT,
    env: { ...process.env, ...engineEnv(fresh) },
    stdio: "pipe",
  });
  expect(existsSync(configFile(otherName))).toBe(true);
  expect(await stacksIn(fresh)).toEqual([otherName]);

  const renamed = await LocalWorkspace.selectStack(
    { stackName: otherName, workDir: ROOT },
    { envVars: engineEnv(fresh) },
  );
  const urns: string[] = (await renamed.exportStack()).deployment.resources.map((x: any) => x.urn);
  expect(urns.every((u) => u.startsWith(`urn:pulumi:${otherName}::sophia-ai::`))).toBe(true);
  expect(urns).toContain(`urn:pulumi:${otherName}::sophia-ai::pulumi:pulumi:Stack::sophia-ai-${otherName}`);
  await openrouter.reset();
  const preview = await renamed.preview({ expectNoChanges: true });
  expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
  expect((await openrouter.requests()).filter((q) => q.method !== "GET")).toEqual([]);
});
