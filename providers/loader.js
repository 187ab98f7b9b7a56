// Run in the dynamic-provider process, required by name (`@sophia-ai/providers`, a link the project's
// package.json makes in node_modules) from the reference a resource's state holds (reference.ts): it loads
// the module that declares the resource class from this checkout, where the kit registers the type's
// provider, and answers that provider. Plain JavaScript, so that it loads before any TypeScript hook;
// bin/ts-hook.js is registered here unless a .ts hook is (jest's, for one).
const fs = require("node:fs");
const path = require("node:path");

// this file's real path (node resolves the link), so the root of the checkout it belongs to
const ROOT = path.resolve(__dirname, "..");

const registered = (type) => globalThis.__sophiaProviders?.get(type);

/** The modules under providers/ that may declare a resource class (not declarations or tests). */
function providerModules(dir = __dirname) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === "node_modules" ? [] : providerModules(p);
    return /\.ts$/.test(d.name) && !/\.(d|test)\.ts$/.test(d.name) ? [p] : [];
  });
}

/**
 * The provider of `type`, declared in `file` (a path from the project's root). A state keeps the file its
 * resource was created with: when the type has moved to another module since, every provider module is
 * loaded and the one that registers the type answers, so refresh and destroy keep working.
 */
function provider(file, type) {
  if (registered(type)) return registered(type);
  if (!require.extensions[".ts"]) require(path.join(ROOT, "bin", "ts-hook.js"));
  const declared = path.join(ROOT, file);
  if (fs.existsSync(declared)) require(declared);
  if (registered(type)) return registered(type);
  const failed = [];
  for (const m of providerModules()) {
    try {
      require(m);
    } catch (err) {
      failed.push(`${path.relative(ROOT, m)}: ${err instanceof Error ? err.message : err}`);
    }
    if (registered(type)) return registered(type);
  }
  throw new Error(
    `No module of ${ROOT} declares the dynamic resource type ${type} (its state says ${file}): ` +
      `a type that was renamed or removed needs its old name back until its resources are gone` +
      (failed.length ? `; these modules failed to load: ${failed.join("; ")}` : ""),
  );
}

module.exports = { provider, ROOT };
