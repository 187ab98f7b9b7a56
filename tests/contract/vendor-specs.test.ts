// The vendor descriptions the stand-ins validate against live in the repository (sandbox/specs/vendor), so
// a clone needs nothing beside it. Every file is the recorded copy (SHA256SUMS), every file is recorded,
// and where the reference set (shared/vendor-specs) lies beside the checkout, the copies match it.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { vendorSpecDir } from "../../sandbox/openapi";

const DIR = path.resolve(__dirname, "..", "..", "sandbox", "specs", "vendor");
const REFERENCE = path.resolve(__dirname, "..", "..", "..", "shared", "vendor-specs");
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

function files(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((n) =>
    statSync(path.join(dir, n)).isDirectory()
      ? files(path.join(dir, n), `${prefix}${n}/`)
      : [`${prefix}${n}`],
  );
}

const recorded = new Map(
  readFileSync(path.join(DIR, "SHA256SUMS"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const [hash, name] = l.split(/\s+/);
      return [name, hash] as const;
    }),
);

test("the stand-ins read the descriptions from the repository, not from beside it", () => {
  const saved = process.env.SOPHIA_VENDOR_SPECS;
  delete process.env.SOPHIA_VENDOR_SPECS;
  try {
    expect(vendorSpecDir()).toBe(DIR);
  } finally {
    if (saved !== undefined) process.env.SOPHIA_VENDOR_SPECS = saved;
  }
});

test("every description, licence and note is recorded in SHA256SUMS and matches it", () => {
  const present = files(DIR).filter((f) => f !== "SHA256SUMS" && f !== "README.md");
  expect(present.sort()).toEqual([...recorded.keys()].sort());
  for (const f of present)
    expect({ file: f, sha256: sha256(path.join(DIR, f)) }).toEqual({ file: f, sha256: recorded.get(f) });
  // each service folder that holds a description also says under which licence it is kept
  const readme = readFileSync(path.join(DIR, "README.md"), "utf8");
  for (const service of new Set(present.map((f) => f.split("/")[0])))
    expect(readme).toMatch(new RegExp(`\\| ${service}/`));
});

test("the copies are the reference set's files, byte for byte, where it lies beside the checkout", () => {
  // In a lone clone there is nothing to compare with; SHA256SUMS above is then the whole check.
  const reference = existsSync(REFERENCE) ? files(REFERENCE).filter((f) => f !== "README.md") : [];
  for (const f of reference)
    expect({ file: f, sha256: sha256(path.join(DIR, f)) }).toEqual({
      file: f,
      sha256: sha256(path.join(REFERENCE, f)),
    });
});
