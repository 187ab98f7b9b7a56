// Entry point behind bin/sophia: runs the TypeScript CLI without a build step.
const path = require("node:path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
const args = process.argv.slice(2);
if (args[0] === "--") args.shift();
require("../cli/main")
  .main(args)
  .then((code) => process.exit(code));
