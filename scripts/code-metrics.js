// Code-shape figures for ARCHITECTURE.md and reviews (`npm run metrics`): `any` keywords and
// `as unknown as` casts per file, and every function longer than 80 lines, in the non-test TypeScript.
// Stand-in route tables (a `routes` method or `*Routes` function under sandbox/) are listed apart: they
// are tables, one entry per vendor route, and may be long.
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const ts = require("typescript");

const root = path.resolve(__dirname, "..");
const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.startsWith("tests/") && fs.existsSync(path.join(root, f)));

let anys = 0;
let casts = 0;
const long = [];
const tables = [];
const nameOf = (n) => (n.name ? n.name.getText() : n.parent?.name ? n.parent.name.getText() : "<anonymous>");
for (const file of files) {
  const sf = ts.createSourceFile(
    file,
    fs.readFileSync(path.join(root, file), "utf8"),
    ts.ScriptTarget.Latest,
    true,
  );
  const line = (pos) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (n) => {
    if (n.kind === ts.SyntaxKind.AnyKeyword) anys++;
    if (
      ts.isAsExpression(n) &&
      ts.isAsExpression(n.expression) &&
      n.expression.type.kind === ts.SyntaxKind.UnknownKeyword
    )
      casts++;
    if (ts.isFunctionLike(n) && n.body) {
      const length = line(n.end) - line(n.getStart()) + 1;
      const name = nameOf(n);
      const row = `${String(length).padStart(4)}  ${file}:${line(n.getStart())}  ${name}`;
      if (length > 80)
        (file.startsWith("sandbox/") && /^routes$|Routes$/.test(name) ? tables : long).push(row);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
console.log(`files: ${files.length}`);
console.log(`any: ${anys}`);
console.log(`as unknown as: ${casts}`);
console.log(`functions over 80 lines: ${long.length}`);
for (const row of long.sort().reverse()) console.log(row);
console.log(`stand-in route tables over 80 lines: ${tables.length}`);
for (const row of tables.sort().reverse()) console.log(row);
