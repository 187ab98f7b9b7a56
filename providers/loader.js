// Run in the dynamic-provider process, required by name (`@sophia-ai/providers`, a link the project's
// package.json makes in node_modules) from the reference a resource's state holds (reference.ts): it loads
// the module that declares the resource class from this checkout, where the kit registers the type's
// provider, and answers that provider. Plain JavaScript, so that it loads before any TypeScript hook;
// bin/ts-hook.js is registered here unless one is (jest, ts-node).
const path = require("node:path");

// this file's real path (node resolves the link), so the root of the checkout it belongs to
const ROOT = path.resolve(__dirname, "..");

/** The provider of `type`, declared in `file` (a path from the project's root). */
function provider(file, type) {
  const registered = () => globalThis.__sophiaProviders?.get(type);
  if (registered()) return registered();
  if (!require.extensions[".ts"]) require(path.join(ROOT, "bin", "ts-hook.js"));
  require(path.join(ROOT, file));
  const found = registered();
  if (!found) throw new Error(`${file} declares no dynamic resource of type ${type}`);
  return found;
}

module.exports = { provider, ROOT };
