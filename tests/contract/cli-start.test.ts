// The first thing a new user runs: `npx sophia --help`, `sophia --version`, `sophia help secrets`. Each must
// work through npm's bin link, exit 0, and start without loading what only a command's action needs.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const VERSION = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
let work: string;
let linked: string;

beforeAll(() => {
  // the layout npm gives an installed package: node_modules/.bin/sophia -> the package's bin/sophia
  work = mkdtempSync(path.join(tmpdir(), "sophia-start-"));
  mkdirSync(path.join(work, "node_modules", ".bin"), { recursive: true });
  linked = path.join(work, "node_modules", ".bin", "sophia");
  symlinkSync(path.join(ROOT, "bin", "sophia"), linked);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(cmd, args, {
    cwd: work,
    encoding: "utf8",
    env: { ...process.env, ...env, SOPHIA_QUIET: "" },
    timeout: 60_000,
  });

test("through npm's bin link: --version prints the package's version, --help the commands", () => {
  const v = run(linked, ["--version"]);
  expect([v.status, v.stdout.trim(), v.stderr]).toEqual([0, VERSION, ""]);
  const h = run(linked, ["--help"]);
  expect(h.status).toBe(0);
  for (const c of ["drift", "backup", "restore", "check", "secrets", "help"])
    expect(h.stdout).toContain(`  ${c}`);
});

test("`sophia help secrets` shows the secrets commands and exits 0; a bare group or a typo is a usage error", () => {
  const h = run(linked, ["help", "secrets"]);
  expect(h.status).toBe(0);
  for (const c of ["import-env", "export-env", "sync-github", "audit", "rotate"])
    expect(h.stdout).toContain(c);
  expect(run(linked, ["secrets"]).status).toBe(2);
  const typo = run(linked, ["chek"]);
  expect(typo.status).toBe(2);
  expect(typo.stderr).toContain("unknown command 'chek'");
});

test("--quiet (before or after the command) silences progress; without it progress goes to stderr", () => {
  const env = { PULUMI_BACKEND_URL: `file://${work}`, PULUMI_CONFIG_PASSPHRASE: "x" };
  const loud = run(linked, ["check", "--stack", "nowhere"], env);
  expect(loud.stderr).toContain("… reading the config of nowhere");
  for (const args of [
    ["--quiet", "check", "--stack", "nowhere"],
    ["check", "--stack", "nowhere", "--quiet"],
  ]) {
    const quiet = run(linked, args, env);
    expect([quiet.status, quiet.stderr.trim()]).toEqual([
      1,
      'error: stack "nowhere" does not exist in this backend (create it with `pulumi stack init nowhere`)',
    ]);
  }
});

test("--help loads neither the Pulumi SDK nor any command's implementation", () => {
  const probe = `
    require(${JSON.stringify(path.join(ROOT, "bin", "ts-hook.js"))});
    const out = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true;
    require(${JSON.stringify(path.join(ROOT, "cli", "main"))}).main(["--help"]).then((code) => {
      const loaded = Object.keys(require.cache).filter((f) => !f.includes("node_modules/sucrase") && !f.includes("node_modules/commander"));
      out(JSON.stringify({ code, loaded: loaded.map((f) => require("node:path").relative(${JSON.stringify(ROOT)}, f)) }));
    });`;
  const r = spawnSync(process.execPath, ["-e", probe], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  const { code, loaded } = JSON.parse(r.stdout);
  expect(code).toBe(0);
  const ours = loaded.filter((f: string) => !f.startsWith("node_modules/")).sort();
  expect(ours).toEqual(["bin/ts-hook.js", "cli/exit.ts", "cli/main.ts", "integrations/credentials.ts"]);
  const heavy =
    /node_modules\/(@pulumi|@aws-sdk|pg|ioredis|snowflake-sdk|libsodium-wrappers|ts-node|typescript)\//;
  expect(loaded.filter((f: string) => heavy.test(f))).toEqual([]);
});

test("a backend nobody logged in to is one line that says how to log in, not the engine's output", () => {
  const r = run(linked, ["check", "--stack", "development"], {
    PULUMI_HOME: work, // no credentials there
    PULUMI_BACKEND_URL: "",
    PULUMI_ACCESS_TOKEN: "",
  });
  expect(r.status).toBe(1);
  expect(
    r.stderr
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("…")),
  ).toEqual([
    'error: not logged in to a state backend: run `pulumi login` (Pulumi Cloud, s3://..., postgres://...) or set PULUMI_BACKEND_URL (README, "Pointing a stack at real accounts")',
  ]);
});
