// Adding an integration (ARCHITECTURE.md, "Adding an integration"), walked through with a made-up one,
// Acme (tests/fixtures/acme: keys, spec, component, probe). Appended to the registry's specs, it is read,
// validated, composed, output and probed by the same code as every real integration: none of those
// consumers names a service, so a new integration touches only the registry and Pulumi.yaml outside its
// own files.
import * as fs from "node:fs";
import * as path from "node:path";
import { checkIntegrations } from "../../cli/integrations";
import { ConfigError, loadStackConfig } from "../../config";
import { composeProgram } from "../../integrations/program";
import { REGISTRY } from "../../integrations/registry";
import { ACME } from "../fixtures/acme/keys";
import { acme } from "../fixtures/acme/spec";
import { installMocks, type Registered, settle } from "../helpers/mocks";

const registered: Registered[] = installMocks();
const SPECS = [...REGISTRY, acme];
const ROOT = path.resolve(__dirname, "../..");

/** A stack with only Acme on (Airbyte, on by default, turned off). */
function source(values: Record<string, string>, secrets: string[] = []) {
  const all: Record<string, string> = { airbyteEnabled: "false", ...values };
  return {
    name: "sophia-ai",
    get: (k: string) => all[k],
    isSecret: (full: string) => secrets.includes(full.replace(/^sophia-ai:/, "")),
  };
}

describe("a made-up integration added to the registry", () => {
  it("is read from the stack config with its keys' defaults and rules", () => {
    const config = loadStackConfig(
      source({ acmeEnabled: "true", acmeWorkspace: "sales", acmeApiKey: "k" }, ["acmeApiKey"]),
      "unit",
      SPECS,
    );
    expect((config as Record<string, unknown>).acme).toEqual({
      namePrefix: "sophia-unit",
      workspace: "sales",
      seats: 5,
    });
    expect(Object.keys(config.ciCredentials)).toEqual(["ACME_API_KEY"]);
  });

  it("stays off, reading nothing, unless enabled", () => {
    const config = loadStackConfig(source({}), "unit", SPECS);
    expect((config as Record<string, unknown>).acme).toBeUndefined();
  });

  it("fails the preview naming each bad key, before anything is declared", () => {
    let err: unknown;
    try {
      loadStackConfig(
        source({ acmeEnabled: "true", acmeWorkspace: "Sales!", acmeSeats: "0", acmeApiKey: "k" }),
        "unit",
        SPECS,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      "sophia-ai:acmeApiKey must be stored as a secret (pulumi config set --secret acmeApiKey ...)",
      'sophia-ai:acmeWorkspace must be lower-case letters, digits and dashes; got "Sales!"',
      'sophia-ai:acmeSeats must be an integer from 1 to 500; got "0"',
    ]);
  });

  it("is composed by the program, and its outputs are the stack's", async () => {
    registered.length = 0;
    const config = loadStackConfig(
      source({ acmeEnabled: "true", acmeWorkspace: "sales", acmeApiKey: "k" }, ["acmeApiKey"]),
      "unit",
      SPECS,
    );
    const outputs = composeProgram(config, SPECS);
    expect((await settle(outputs.acmeWorkspaceId)).value).toBe("acme-workspace-id");
    expect(registered.map((r) => r.type)).toEqual([
      "sophia:integrations:Acme",
      "pulumi-nodejs:dynamic/acme:Workspace",
    ]);
    expect(registered[1].inputs).toMatchObject({ name: "sophia-unit-sales", seats: 5 });
  });

  it("is probed by sophia check, with its requirements from its key definitions", async () => {
    const check = checkIntegrations(SPECS).find((i) => i.name === "acme");
    expect(check?.requires).toEqual([
      { key: "acmeApiUrl", default: "https://api.acme.example/v2" },
      { key: "acmeWorkspace" },
      { key: "acmeApiKey", secret: true },
    ]);
    const values = new Map([[ACME.acmeEnabled.name, { value: "true", secret: false }]]);
    expect(check?.enabled(values)).toBe(true);
    expect(check?.enabled(new Map())).toBe(false);
    const got = await check?.probe?.(
      (k) => ({ acmeApiUrl: "https://acme.test", acmeWorkspace: "sales" })[k] ?? "",
      new AbortController().signal,
      "unit",
    );
    expect(got).toBe("would call https://acme.test for sales");
  });
});

describe("the registry's consumers name no integration", () => {
  // Code only: a comment may say what an integration is for.
  const code = (file: string) =>
    fs
      .readFileSync(path.join(ROOT, file), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/(^|[^:])\/\/.*$/gm, "$1");
  const names = REGISTRY.map((s) => s.name);

  it.each([
    "index.ts",
    "config.ts",
    "integrations/program.ts",
    "cli/integrations.ts",
    "cli/check.ts",
    "sandbox/ports.ts",
    "sandbox/index.ts",
    "scripts/sandboxUrls.ts",
  ])("%s", (file) => {
    const text = code(file);
    expect(names.filter((n) => new RegExp(`\\b${n}\\b`, "i").test(text))).toEqual([]);
  });
});
