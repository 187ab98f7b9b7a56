// Run by `npm run bench -- state` in a process of its own (Pulumi's mocks take over the process's
// runtime): every resource class in providers/<service>/*.ts is declared once under mocks, and for each
// dynamic one (type pulumi-nodejs:dynamic/...; the kit registers them as CustomResources) the
// `__provider` input it registers (a reference to its provider, providers/reference.ts, which the state
// keeps in the inputs and again in the outputs of every resource of that type) is measured. Prints one JSON array on stdout.
import { readdirSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const PROVIDERS = path.resolve(__dirname, "..", "providers");

interface Measured {
  file: string;
  exportName: string;
  type: string;
  providerBytes: number;
}

type ResourceClass = new (name: string, args: object) => pulumi.CustomResource;

const isResourceClass = (v: unknown): v is ResourceClass =>
  typeof v === "function" && v.prototype instanceof pulumi.CustomResource;

/** Every exported resource class of providers/<service>/*.ts, with the file it comes from. */
function resourceClasses(): { file: string; exportName: string; cls: ResourceClass }[] {
  const out: { file: string; exportName: string; cls: ResourceClass }[] = [];
  for (const service of readdirSync(PROVIDERS, { withFileTypes: true })) {
    if (!service.isDirectory()) continue;
    for (const f of readdirSync(path.join(PROVIDERS, service.name))) {
      if (!f.endsWith(".ts") || f.endsWith(".d.ts")) continue;
      const mod: Record<string, unknown> = require(path.join(PROVIDERS, service.name, f));
      for (const [exportName, v] of Object.entries(mod))
        if (isResourceClass(v)) out.push({ file: `providers/${service.name}/${f}`, exportName, cls: v });
    }
  }
  return out;
}

async function main() {
  const registered = new Map<string, { type: string; provider: string }>();
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const provider = args.inputs.__provider;
        registered.set(args.name, {
          type: args.type,
          provider: typeof provider === "string" ? provider : JSON.stringify(provider ?? ""),
        });
        return { id: `${args.name}-id`, state: {} };
      },
      call: () => ({}),
    },
    "sophia-ai",
    "bench",
    false,
  );
  const out: Measured[] = [];
  for (const { file, exportName, cls } of resourceClasses()) {
    const name = `${path.basename(file, ".ts")}-${exportName}`;
    new cls(name, {});
    // registration is asynchronous; the mock hears the resource once its inputs are resolved
    for (let i = 0; i < 600 && !registered.has(name); i++) await new Promise((r) => setTimeout(r, 50));
    const r = registered.get(name);
    if (!r) throw new Error(`${file} ${exportName}: not registered within 30 s`);
    if (!r.type.startsWith("pulumi-nodejs:dynamic")) continue;
    out.push({
      file,
      exportName,
      type: r.type,
      providerBytes: Buffer.byteLength(r.provider),
    });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
