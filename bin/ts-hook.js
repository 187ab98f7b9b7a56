// Loads this project's TypeScript without a build step: sucrase strips the types (no type-checking; `npm run
// typecheck` does that), and the result is cached by content in ~/.cache/sophia-ai/ts (SOPHIA_TS_CACHE), so
// a command whose modules are unchanged never loads sucrase at all. Used by bin/sophia, `npm run sandbox`
// and `npm run bench`, by the program (Pulumi.yaml's nodeargs) and by its dynamic-provider process
// (providers/loader.js registers it there).
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const os = require("node:os");
const path = require("node:path");

const CACHE =
  process.env.SOPHIA_TS_CACHE ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "sophia-ai", "ts");
const SUCRASE_VERSION = require("sucrase/package.json").version;
let transform;

function compiled(source, filename) {
  const key = crypto.createHash("sha256").update(`${SUCRASE_VERSION}\0${filename}\0${source}`).digest("hex");
  const cached = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    transform ??= require("sucrase").transform;
    const { code } = transform(source, { transforms: ["imports", "typescript"], filePath: filename });
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached); // atomic: a concurrent reader sees the old state or the whole file
    } catch {
      // a read-only cache only costs speed
    }
    return code;
  }
}

const loadJs = Module._extensions[".js"];
Module._extensions[".ts"] = function loadTs(module, filename) {
  if (filename.includes(`${path.sep}node_modules${path.sep}`)) return loadJs(module, filename);
  module._compile(compiled(fs.readFileSync(filename, "utf8"), filename), filename);
};
