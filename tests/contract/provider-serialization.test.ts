// What pulumi.dynamic serializes into the state for each resource type (the real closure serializer; the
// unit suite mocks it): a reference to its provider (providers/reference.ts), small, and working in a
// provider process of its own — node started in the project's directory with no TypeScript hook, as the
// engine starts the dynamic-provider host. Every provider also still serializes by value, the form of
// states written before references (the upgrade e2e test writes one): a captured object with a string
// `default` property, for one, makes the serializer fail ("Cannot use 'in' operator").
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { declaredTypes } from "../../providers/kit";
import { providerReference } from "../../providers/reference";

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, "..", "..");
const providerModules = readdirSync(path.join(ROOT, "providers"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "http")
  .flatMap((d) =>
    readdirSync(path.join(ROOT, "providers", d.name))
      .filter((f) => f.endsWith(".ts") && f !== "client.ts")
      .map((f) => `providers/${d.name}/${f}`),
  );

const isProvider = (v: unknown): v is pulumi.dynamic.ResourceProvider =>
  typeof v === "object" && v !== null && typeof (v as { create?: unknown }).create === "function";

// a provider object exported as such, or made by an exported factory taking no argument or a kind
const made = (name: string, v: unknown): [string, unknown][] => {
  if (isProvider(v)) return [[name, v]];
  if (typeof v !== "function" || !/^[a-z]\w*Provider$/.test(name)) return [];
  if (v.length === 0) return [[`${name}()`, v()]];
  return ["source", "destination"].map((kind) => [`${name}("${kind}")`, v(kind)]);
};
const providers = providerModules.flatMap((file) =>
  Object.entries(require(path.join(ROOT, file)) as Record<string, unknown>)
    .flatMap(([name, v]) => made(name, v))
    .filter(([, v]) => isProvider(v))
    .map(([name, v]) => [`${file}:${name}`, v] as [string, pulumi.dynamic.ResourceProvider]),
);

test("finds the providers", () => {
  expect(providers.length).toBeGreaterThanOrEqual(15);
});

test.each(providers)("%s serializes", async (_name, provider) => {
  const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
  expect(text.length).toBeGreaterThan(0);
});

describe("the reference stored in the state", () => {
  const types = () => declaredTypes();

  test("every resource class registered its type and module", () => {
    expect(types().length).toBe(15); // 14 modules; airbyte/actor.ts declares Source and Destination
    for (const { file } of types()) expect(file).toMatch(/^providers\/[a-z]+\/[A-Za-z]+\.ts$/);
  });

  test("is one short line per type, and answers the type's provider in a provider process", () => {
    const refs = types().map(({ type, file }) => ({ type, text: providerReference(file, type) }));
    for (const { type, text } of refs)
      expect({ type, under256: Buffer.byteLength(text) < 256 }).toEqual({ type, under256: true });
    // the host's way: require-from-string, handler(), configure, then the methods; a check with no
    // inputs fails naming properties (the type's own rules ran, loaded from this checkout)
    const dir = mkdtempSync(path.join(tmpdir(), "provider-ref-"));
    const list = path.join(dir, "refs.json");
    writeFileSync(list, JSON.stringify(refs));
    const script = `
      const requireFromString = require("require-from-string");
      (async () => {
        const out = {};
        for (const { type, text } of require(${JSON.stringify(list)})) {
          const p = requireFromString(text).handler();
          await p.configure({ config: { get: () => undefined } });
          const methods = ["check", "diff", "create", "read", "update", "delete"].filter((k) => typeof p[k] === "function");
          const { failures } = await p.check({}, {});
          out[type] = { methods: methods.length, failures: failures.length > 0 };
        }
        console.log(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 90_000 });
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout) as Record<string, { methods: number; failures: boolean }>;
    for (const { type } of types())
      expect({ type, ...out[type] }).toEqual({ type, methods: 6, failures: true });
  });

  test("finds a type whose module moved since its state was written", () => {
    const text = providerReference("providers/moved/away.ts", "portkey:Config");
    const script = `const p = require("require-from-string")(${JSON.stringify(text)}).handler();
      console.log(typeof p.read + " " + typeof p.delete)`;
    const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect({ stderr: run.stderr, stdout: run.stdout.trim() }).toEqual({
      stderr: "",
      stdout: "function function",
    });
  });

  test("names the type and the module its state names when no module declares the type", () => {
    const text = providerReference("providers/gone/away.ts", "gone:Away");
    const script = `require("require-from-string")(${JSON.stringify(text)}).handler()`;
    const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      "declares the dynamic resource type gone:Away (its state says providers/gone/away.ts)",
    );
    expect(run.stderr).not.toContain("failed to load");
  });
});
