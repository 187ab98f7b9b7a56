// Every dynamic provider serializes the way pulumi.dynamic serializes it into the state (the real closure
// serializer; the unit suite mocks it). What a provider captures must serialize: a captured object with a
// string `default` property, for one, makes Pulumi's serializer fail ("Cannot use 'in' operator").
import { readdirSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

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
