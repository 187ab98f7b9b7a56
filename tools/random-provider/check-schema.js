// Checks a generated schema.json against the installed @pulumi/random SDK: every resource class the SDK has
// must exist in the schema under the same type token, with the same input and output property names, and
// every output the SDK treats as secret must be secret in the schema too. Exits 1 and lists the
// differences otherwise.
//
//   node tools/random-provider/check-schema.js SCHEMA.json [SDK_DIR]   (default: node_modules/@pulumi/random)
const fs = require("node:fs");
const path = require("node:path");

const [schemaFile, sdkArg] = process.argv.slice(2);
const sdkDir = sdkArg ?? path.join(__dirname, "..", "..", "node_modules", "@pulumi", "random");
const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
const problems = [];
const sorted = (xs) => [...new Set(xs)].sort();
const same = (a, b) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

const sdkTokens = [];
for (const file of fs
  .readdirSync(sdkDir)
  .filter((f) => f.endsWith(".js"))
  .sort()) {
  const js = fs.readFileSync(path.join(sdkDir, file), "utf8");
  const token = /static __pulumiType = '([^']+)'/.exec(js)?.[1];
  if (!token?.includes(":")) continue; // index, utilities, the provider class ('random')
  sdkTokens.push(token);
  const res = schema.resources?.[token];
  if (!res) {
    problems.push(`${token} (${file}) is not in the schema`);
    continue;
  }
  const names = (re) => [...js.matchAll(re)].map((m) => m[1]);
  const inputs = names(/resourceInputs\["(\w+)"\] = args\?\.\w+;/g);
  const state = names(/resourceInputs\["(\w+)"\] = state\?\.\w+;/g);
  const schemaInputs = Object.keys(res.inputProperties ?? {});
  const schemaOutputs = Object.keys(res.properties ?? {});
  if (!same(inputs, schemaInputs))
    problems.push(`${token} inputs: sdk [${sorted(inputs)}], schema [${sorted(schemaInputs)}]`);
  if (!same(state, schemaOutputs))
    problems.push(`${token} outputs: sdk [${sorted(state)}], schema [${sorted(schemaOutputs)}]`);
  const secrets = JSON.parse(/additionalSecretOutputs: (\[[^\]]*\])/.exec(js)?.[1] ?? "[]");
  for (const name of secrets)
    if (!res.properties?.[name]?.secret)
      problems.push(`${token}.${name} is secret in the sdk, not in the schema`);
}
for (const token of Object.keys(schema.resources ?? {}))
  if (!sdkTokens.includes(token)) problems.push(`${token} is in the schema but not in the sdk`);

if (problems.length) {
  console.error(`schema ${schemaFile} does not match ${sdkDir}:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`schema matches ${sdkDir}: ${sdkTokens.length} resources, ${sdkTokens.join(", ")}`);
