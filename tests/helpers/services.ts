// The real PostgreSQL and Redis servers of scripts/services.sh (started, or reused, on first use) and the
// settings it prints as KEY=VALUE lines.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "../../scripts/lib";

/** Starts (or reuses) the servers; their settings by name (a value may hold "=": a URL's query). */
export function testServices(): Record<string, string> {
  const out = execFileSync("bash", [path.join(ROOT, "scripts", "services.sh")], { encoding: "utf8" });
  return Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}
