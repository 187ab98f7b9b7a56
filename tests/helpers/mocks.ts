// Pulumi mocks: every resource the program registers is recorded with its inputs, so a test can run the
// program (or one component) without an engine and assert what would be created.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

export interface Registered {
  type: string;
  name: string;
  /** Inputs as the engine would receive them (secrets unwrapped). */
  inputs: Record<string, any>;
  protect?: boolean;
}

const ROOT = path.resolve(__dirname, "..", "..");

/** What a provider would compute, for the properties the program reads back. */
function computed(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const id = `${name}-id`;
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      // Like the real provider: a new value exactly when the keepers change.
      return {
        result: createHash("sha256")
          .update(`${name}|${JSON.stringify(inputs.keepers ?? {})}`)
          .digest("hex")
          .slice(0, typeof inputs.length === "number" ? inputs.length : 40),
      };
    case "aws:s3/bucket:Bucket":
      return { arn: `arn:aws:s3:::${inputs.bucket}` };
    case "aws:iam/accessKey:AccessKey":
      return { secret: `secret-of-${name}` };
    case "pulumi-nodejs:dynamic/openrouter:ApiKey":
      // returned once, on create, by OpenRouter
      return {
        key: `sk-or-v1-mock-${createHash("sha256").update(name).digest("hex").slice(0, 24)}`,
        hash: id,
      };
    default:
      return { actorId: id, connectionId: id };
  }
}

export function installMocks(): Registered[] {
  const registered: Registered[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, ...computed(args.type, args.name, args.inputs) },
        };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    "sophia-ai",
    "unit",
    false,
  );
  recorder.__sophiaRegistered = registered;
  return registered;
}

/** What recordOptions adds to the list: a registration's options, told apart by having no inputs. */
interface OptionsRecord {
  type: string;
  name: string;
  inputs: undefined;
  protect: boolean;
}

/** Where recordOptions finds the list installMocks records to (a global: it may run in another module registry). */
const recorder = globalThis as typeof globalThis & { __sophiaRegistered?: (Registered | OptionsRecord)[] };

type RegisterResource = typeof import("@pulumi/pulumi/runtime/resource").registerResource;

/** What a registration asked for beyond its inputs (mocks see only the inputs). */
export interface Registration {
  type: string;
  name: string;
  opts: pulumi.CustomResourceOptions | undefined;
}

/**
 * Calls `listener` with every registration's type, name and options, then registers it as before. Wraps
 * the SDK copy `require` finds now: call it inside jest.isolateModules before requiring a program that
 * runs in that registry.
 */
export function onRegister(listener: (r: Registration) => void): void {
  const runtimeResource: { registerResource: RegisterResource } = require("@pulumi/pulumi/runtime/resource");
  const original = runtimeResource.registerResource;
  runtimeResource.registerResource = (...args: Parameters<RegisterResource>) => {
    const [, , type, name, , , , , opts] = args;
    listener({ type, name, opts });
    return original(...args);
  };
}

/**
 * Records the resource options the program passed (mocks do not see them). Call inside
 * jest.isolateModules, before requiring the program, so it wraps the SDK copy the program will use.
 */
export function recordOptions(): void {
  onRegister(({ type, name, opts }) => {
    recorder.__sophiaRegistered?.push({ type, name, inputs: undefined, protect: Boolean(opts?.protect) });
  });
}

/** Mocks keep secrets in the inputs they record, wrapped in Pulumi's secret signature. */
export function isSecretValue(v: unknown): boolean {
  return (
    (v as Record<string, unknown> | undefined)?.["4dabf18193072939515e22adb298388d"] ===
    "1b47061264138c4ac30d75fd1eb44270"
  );
}

/** A recorded input with its secret wrapper (if any) removed. */
export function plain(v: any): any {
  return isSecretValue(v) ? v.value : v;
}

/**
 * The config the engine would hand the program for `stack`: Pulumi.yaml's declared defaults, overlaid
 * with Pulumi.<stack>.yaml, overlaid with `extra`; structured values as JSON, like the engine.
 */
export function stackConfigValues(stack: string, extra: Record<string, string> = {}): Record<string, string> {
  const project = parseYaml(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
  const out: Record<string, string> = {};
  const str = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  for (const [k, decl] of Object.entries<unknown>(project.config ?? {})) {
    if (decl && typeof decl === "object" && "default" in decl) out[k] = str(decl.default);
  }
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  const stackFile = parseYaml(readFileSync(file, "utf8"));
  for (const [k, v] of Object.entries(stackFile.config ?? {})) {
    if (v && typeof v === "object" && "secure" in (v as object)) continue;
    const [ns, key] = k.split(":");
    if (ns === "sophia-ai") out[key] = str(v);
  }
  return { ...out, ...extra };
}

/** Sets the stack config the way the engine hands it to a program: values by full key, and the secret keys. */
export function setConfig(values: Record<string, string>, secrets: Record<string, string> = {}): void {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...values, ...secrets })) all[`sophia-ai:${k}`] = v;
  pulumi.runtime.setAllConfig(
    all,
    Object.keys(secrets).map((k) => `sophia-ai:${k}`),
  );
}

/** Resolves an Output (or plain value) to its value and whether it is secret. */
export function settle<T>(
  o: pulumi.Input<T> | undefined,
): Promise<{ value: T | undefined; secret: boolean }> {
  // promise() is Output's own (not in its public type): it resolves even when the value is unknown.
  const out = pulumi.output(o as pulumi.Input<T>) as pulumi.Output<T> & { promise(): Promise<T | undefined> };
  return new Promise((resolve) => {
    Promise.all([out.promise(), pulumi.isSecret(out)]).then(([value, secret]) => resolve({ value, secret }));
  });
}
