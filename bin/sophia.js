// Entry point behind bin/sophia: runs the TypeScript CLI without a build step. Sucrase strips the types as
// each module loads (a few milliseconds, no type-checking: `npm run typecheck` does that), where ts-node
// took about a second just to start; cli/main.ts loads each command's code only when the command runs.
require("sucrase/register/ts");
const args = process.argv.slice(2);
if (args[0] === "--") args.shift();
require("../cli/main")
  .main(args)
  .then((code) => process.exit(code));
