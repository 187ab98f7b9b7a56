// Entry point behind bin/sophia: runs the TypeScript CLI without a build step (bin/ts-hook.js: types
// stripped by sucrase, cached by content), where ts-node took about a second just to start; cli/main.ts
// loads each command's code only when the command runs.
require("./ts-hook");
const args = process.argv.slice(2);
if (args[0] === "--") args.shift();
require("../cli/main")
  .main(args)
  .then((code) => process.exit(code));
