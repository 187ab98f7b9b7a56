// What a new user meets first, on the real engine: a preview with missing config fails with the list of
// problems printed once as a plain error, and `sophia check --stack sandbox` finds the sandbox's PostgreSQL
// and Redis (scripts/services.sh) where the sandbox stack says they are.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ensureEngine, localStack, ROOT, SANDBOX_PASSPHRASE } from "../../scripts/lib";

jest.setTimeout(240_000);

let backendDir: string;
const stackName = `first-hour-${process.pid}`;

beforeAll(() => {
  ensureEngine({ quiet: true });
  backendDir = mkdtempSync(path.join(tmpdir(), "sophia-first-hour-"));
  execFileSync("bash", [path.join(ROOT, "scripts", "services.sh")], { stdio: "ignore" });
});

afterAll(async () => {
  const stack = await localStack({ stackName, backendDir });
  await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
  rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
  rmSync(backendDir, { recursive: true, force: true });
});

test("a preview with missing config prints each problem once, as a plain error, and fails", async () => {
  const stack = await localStack({ stackName, backendDir });
  let output = "";
  await expect(
    stack.preview({ onOutput: (s) => (output += s) }).catch((err) => {
      output += `${err.stdout ?? ""}${err.stderr ?? ""}`;
      throw err;
    }),
  ).rejects.toThrow();
  const count = (s: string) => output.split(s).length - 1;
  expect(count("- sophia-ai:postgresHost is required: the PostgreSQL host name")).toBe(1);
  expect(count("- sophia-ai:airbyteClientSecret is required: a secret")).toBe(1);
  expect(output).toContain("error: invalid stack configuration:");
  expect(output).not.toMatch(/unhandled exception/);
  expect(output).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  expect(output).not.toContain("\u001b["); // no colour codes
});

test("`sophia check --stack sandbox` passes PostgreSQL and Redis out of the box", async () => {
  await localStack({ stackName: "sandbox", backendDir });
  const r = spawnSync(
    "bash",
    [path.join(ROOT, "bin", "sophia"), "check", "--stack", "sandbox", "--only", "postgres,redis", "--json"],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
        SOPHIA_QUIET: "1",
      },
      timeout: 120_000,
    },
  );
  expect(r.stderr).toBe("");
  const report = JSON.parse(r.stdout);
  expect(report.checks.map((c: any) => [c.integration, c.status, c.error ?? null])).toEqual([
    ["postgres", "pass", null],
    ["redis", "pass", null],
  ]);
  expect(r.status).toBe(0);
});
