// `npm run sandbox:serve`: runs the stand-ins in the foreground until interrupted.
import * as path from "node:path";
import { startSandbox } from "./index";

async function main() {
  const dataDir = process.env.SANDBOX_DATA_DIR ?? path.resolve(__dirname, "..", ".sandbox-data");
  const sb = await startSandbox({ dataDir, instance: process.env.SANDBOX_INSTANCE ?? dataDir });
  const urls = Object.fromEntries(Object.entries(sb.services).map(([n, s]) => [n, s.url]));
  console.log(JSON.stringify({ pid: process.pid, dataDir, urls }));
  const stop = async () => {
    await sb.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error(`sandbox: ${err.message}`);
  process.exit(1);
});
