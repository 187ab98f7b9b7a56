// `sophia secrets import-env` and `export-env`: a stack's config to and from a dotenv file, under the names
// of ./envNames (documented in docs/env-names.md). Values never reach the output: only names, keys,
// line numbers and counts.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { Stack } from "@pulumi/pulumi/automation";
import { envName } from "../../integrations/keys";
import { PORTKEY } from "../../integrations/portkey/keys";
import { CliError, EXIT, openStack, progress, writePrivate } from "../common";
import {
  dotenvQuote,
  exportNameFor,
  isSecretName,
  isSecretValue,
  KEYS,
  PROJECT,
  type ResolveContext,
  resolveEnvName,
} from "./envNames";
import { parseSetAt, SET_AT_KEY, vendorCredentialsOf } from "./vendorCredentials";

/** A stack's config: key → value (secrets decrypted: never print them), as stackConfig reads it. */
export type StackValues = Map<
  string,
  {
    value: string;
    secret: boolean;
    structured?: boolean;
    /** false for a value Pulumi.yaml's default gives, which the stack does not set */
    set?: boolean;
  }
>;

// ---- reading a dotenv file ----

export interface EnvLine {
  name: string;
  value: string;
  /** 1-based line of the name */
  line: number;
  /** the line ends in `# secret`: store it as a secret whatever its name */
  markedSecret: boolean;
  /** earlier lines that set the same name (the last one wins, as in every dotenv reader) */
  earlierLines?: number[];
}

export interface LineProblem {
  line: number;
  problem: string;
}

const NAME_RE = /^[A-Z][A-Z0-9_]*$/;

/**
 * Reads a dotenv file as python-dotenv does (the platform's files are read by it): `export ` is allowed;
 * '...' and `...` are literal, "..." expands \n \r \t \\ \" and may span lines; an unquoted value ends at
 * ` #`. Anything else is a problem of its line, named by number and never quoted (it may hold a secret).
 */
export function parseEnvText(text: string): { entries: EnvLine[]; problems: LineProblem[] } {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const entries: EnvLine[] = [];
  const problems: LineProblem[] = [];
  const seen = new Map<string, EnvLine>();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    if (/^\s*(#.*)?$/.test(raw)) continue;
    const m = /^\s*(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(raw);
    if (!m) {
      problems.push({ line: lineNo, problem: "not NAME=value" });
      continue;
    }
    const name = m[1];
    if (!NAME_RE.test(name)) {
      problems.push({
        line: lineNo,
        problem: /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
          ? `${name} is not an upper-case name (A-Z, 0-9 and _, starting with a letter)`
          : "the name is not an environment variable name (A-Z, 0-9 and _, starting with a letter)",
      });
      continue;
    }
    let rest = m[2];
    let value: string;
    let after: string;
    const quote = rest[0];
    if (quote === "'" || quote === '"' || quote === "`") {
      // a quoted value, which may continue on the following lines
      let body = rest.slice(1);
      let end = closing(body, quote);
      while (end < 0 && i + 1 < lines.length) {
        i++;
        body += `\n${lines[i]}`;
        end = closing(body, quote);
      }
      if (end < 0) {
        problems.push({ line: lineNo, problem: `${name}'s ${quote} quote is never closed` });
        continue;
      }
      value = quote === '"' ? unescapeDouble(body.slice(0, end)) : body.slice(0, end);
      after = body.slice(end + 1);
      if (!/^\s*(#.*)?$/.test(after)) {
        problems.push({ line: lineNo, problem: `text after ${name}'s closing quote` });
        continue;
      }
      rest = body.slice(0, end);
    } else {
      const hash = rest.search(/\s#/);
      value = (hash >= 0 ? rest.slice(0, hash) : rest).trim();
      after = hash >= 0 ? rest.slice(hash) : "";
    }
    if (quote !== "'" && quote !== "`" && /\$\{[^}]*\}/.test(quote === '"' ? rest : value)) {
      problems.push({
        line: lineNo,
        problem: `${name} refers to another variable (\${...}), which sophia does not expand: write the value itself, or quote it with ' to keep it literally`,
      });
      continue;
    }
    const entry = { name, value, line: lineNo, markedSecret: /#\s*secret\s*$/i.test(after) };
    const earlier = seen.get(name);
    if (earlier) {
      // the last one wins, as in every dotenv reader; reported with the import
      Object.assign(earlier, {
        ...entry,
        markedSecret: entry.markedSecret || (earlier.value === value && earlier.markedSecret),
        earlierLines: [...(earlier.earlierLines ?? []), earlier.line],
      });
      continue;
    }
    seen.set(name, entry);
    entries.push(entry);
  }
  return { entries, problems };
}

function closing(body: string, quote: string): number {
  for (let j = 0; j < body.length; j++) {
    if (quote === '"' && body[j] === "\\") j++;
    else if (body[j] === quote) return j;
  }
  return -1;
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"', "'": "'" };
const unescapeDouble = (s: string) => s.replace(/\\([nrt\\"'])/g, (_m, c) => ESCAPES[c]);

// ---- what an import would do ----

export interface ConfigChange {
  key: string;
  envName: string;
  secret: boolean;
  change: "add" | "update" | "same";
}

export interface ImportAnalysis {
  /** Every key the file sets (changed or not), in key order. */
  changes: ConfigChange[];
  /** What to write: only the keys that change. */
  writes: Record<string, { value: string; secret: boolean; structured: boolean }>;
  /** Names not imported, with why. */
  notImported: { name: string; line: number; why: string }[];
  /** Names nothing reads; written (as `key`) only with includeUnknown. */
  unknown: { name: string; line: number; key: string; written: boolean }[];
  /** Names with an empty value: no key is created or changed. */
  empty: { name: string; line: number }[];
  /** Names set on more than one line: the last line wins. */
  repeated: { name: string; lines: number[] }[];
  /** Lines that stop the import: nothing is written while there is one. */
  problems: LineProblem[];
  /** Vendor credentials this import sets, dated now in credentialsSetAt (recordSetAt). */
  dated?: string[];
}

const portkeySecretKeys = (raw: string | undefined): Set<string> => {
  try {
    const list = JSON.parse(raw ?? "[]");
    return new Set(
      (Array.isArray(list) ? list : [])
        .map((p) => p?.apiKeySecret)
        .filter((k): k is string => typeof k === "string"),
    );
  } catch {
    return new Set();
  }
};

const canonicalJson = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonicalJson).join(",")}]`
    : v && typeof v === "object"
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
          .join(",")}}`
      : JSON.stringify(v);

function sameValue(a: string, b: string, structured: boolean): boolean {
  if (a === b) return true;
  if (!structured) return false;
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return false;
  }
}

/**
 * What importing `entries` into a stack whose config is `current` would do. Pure: decides every name's
 * key (cli/secrets/envNames.ts), its secrecy (a credential key, a secret-looking name or value, `# secret`,
 * or a key the stack already keeps secret: never downgraded), and finds the conflicts that stop an import.
 */
export function analyzeImport(
  entries: EnvLine[],
  current: StackValues,
  opts: { includeUnknown?: boolean } = {},
): ImportAnalysis {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const ctx: ResolveContext = {
    extraKeys: portkeySecretKeys(
      byName.get(envName(PORTKEY.portkeyProviders))?.value ??
        current.get(PORTKEY.portkeyProviders.name)?.value,
    ),
  };
  const out: ImportAnalysis = {
    changes: [],
    writes: {},
    notImported: [],
    unknown: [],
    empty: [],
    repeated: entries
      .filter((e) => e.earlierLines?.length)
      .map((e) => ({ name: e.name, lines: [...(e.earlierLines ?? []), e.line] })),
    problems: [],
  };
  const planned = planWrites(entries, current, ctx, Boolean(opts.includeUnknown), out);
  out.problems.sort((a, b) => a.line - b.line);
  for (const p of planned.sort((a, b) => a.key.localeCompare(b.key))) {
    const { change, write } = changeOf(p, current, ctx);
    out.changes.push(change);
    if (change.change !== "same") out.writes[p.key] = write;
  }
  return out;
}

/** A key an entry of the file sets. */
interface PlannedWrite {
  key: string;
  value: string;
  entry: EnvLine;
}

/**
 * The keys the entries set, one entry per key (a second one setting it to the same value only adds its
 * `# secret`); records in `out` the names not written and the problems: a structured key given something
 * other than JSON, or a key two names set to different values.
 */
function planWrites(
  entries: EnvLine[],
  current: StackValues,
  ctx: ResolveContext,
  includeUnknown: boolean,
  out: ImportAnalysis,
): PlannedWrite[] {
  const claimed = new Map<string, { entry: EnvLine; value: string }>();
  const planned: PlannedWrite[] = [];
  for (const entry of entries) {
    for (const w of entryWrites(entry, ctx, includeUnknown, out)) {
      const structured = Boolean(KEYS[w.key]?.structured || current.get(w.key)?.structured);
      if (structured && !isJsonContainer(w.value)) {
        out.problems.push({
          line: entry.line,
          problem: `${entry.name} must be JSON (a list or an object): ${w.key} is structured config`,
        });
        continue;
      }
      const first = claimed.get(w.key);
      if (first) {
        if (!sameValue(first.value, w.value, structured))
          out.problems.push({
            line: entry.line,
            problem: `${entry.name} sets ${w.key}, which ${first.entry.name} on line ${first.entry.line} sets to another value`,
          });
        else first.entry.markedSecret ||= entry.markedSecret;
        continue;
      }
      claimed.set(w.key, { entry, value: w.value });
      planned.push({ ...w, entry });
    }
  }
  return planned;
}

/**
 * What one entry writes: nothing when its value is empty, its name is not imported, or nothing reads it
 * and includeUnknown is off (each is recorded in `out`).
 */
function entryWrites(
  entry: EnvLine,
  ctx: ResolveContext,
  includeUnknown: boolean,
  out: ImportAnalysis,
): { key: string; value: string }[] {
  if (entry.value.trim() === "") {
    out.empty.push({ name: entry.name, line: entry.line });
    return [];
  }
  const r = resolveEnvName(entry.name, entry.value, ctx);
  if (r.kind === "skip") {
    out.notImported.push({ name: entry.name, line: entry.line, why: r.why });
    return [];
  }
  if (r.kind === "set") return r.writes;
  out.unknown.push({ name: entry.name, line: entry.line, key: r.key, written: includeUnknown });
  return includeUnknown ? [{ key: r.key, value: entry.value }] : [];
}

/** Whether `text` is a JSON list or object, as structured config must be. */
function isJsonContainer(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return Boolean(parsed) && typeof parsed === "object";
  } catch {
    return false;
  }
}

/** A planned key's change against the stack's config, and what to write if it changes. */
function changeOf(
  { key, value, entry }: PlannedWrite,
  current: StackValues,
  ctx: ResolveContext,
): { change: ConfigChange; write: ImportAnalysis["writes"][string] } {
  const cur = current.get(key);
  const structured = Boolean(KEYS[key]?.structured || cur?.structured);
  const secret =
    Boolean(KEYS[key]?.secret) ||
    ctx.extraKeys.has(key) ||
    isSecretName(entry.name) ||
    isSecretName(exportNameFor(key)) ||
    (!structured && isSecretValue(value)) ||
    entry.markedSecret ||
    Boolean(cur?.secret); // never downgrade: a key the stack keeps secret stays secret
  const change = !cur
    ? "add"
    : !sameValue(cur.value, value, structured) || cur.secret !== secret
      ? "update"
      : "same";
  return { change: { key, envName: entry.name, secret, change }, write: { value, secret, structured } };
}

/**
 * Dates the vendor credentials an import sets (./vendorCredentials) in `credentialsSetAt`, so `secrets
 * audit` ages them: a credential whose value the import changes is set now. Except when the file carries
 * CREDENTIALS_SET_AT (an export of a stack) and the stack did not hold the credential: then the file's
 * record travels with it (dated or not), as copying a credential does not make it new. A change of secrecy
 * alone dates nothing. Adds the write and its change line to `a`, and lists what it dated in `a.dated`.
 */
export function recordSetAt(a: ImportAnalysis, current: StackValues, now: Date): void {
  const fromFile = a.changes.find((c) => c.key === SET_AT_KEY);
  let setAt: Record<string, string>;
  try {
    setAt = { ...parseSetAt(a.writes[SET_AT_KEY]?.value ?? current.get(SET_AT_KEY)?.value) };
  } catch (err) {
    throw new Error(`${fromFile ? `${fromFile.envName}: ` : "the stack's "}${(err as Error).message}`);
  }
  const after = (k: string) => a.writes[k]?.value ?? current.get(k)?.value;
  const newValue = (k: string) => k in a.writes && a.writes[k].value !== current.get(k)?.value;
  const dated: string[] = [];
  for (const c of vendorCredentialsOf(after)) {
    if (!c.keys.some(newValue)) continue;
    const held = c.keys.some((k) => current.get(k)?.value);
    if (fromFile && !held) continue;
    setAt[c.id] = now.toISOString();
    dated.push(c.id);
  }
  a.dated = dated;
  if (!dated.length) return;
  const value = JSON.stringify(
    Object.fromEntries(Object.entries(setAt).sort(([x], [y]) => x.localeCompare(y))),
  );
  const cur = current.get(SET_AT_KEY);
  const change: ConfigChange["change"] = cur && cur.set !== false && cur.value !== "{}" ? "update" : "add";
  a.writes[SET_AT_KEY] = { value, secret: false, structured: true };
  a.changes = [
    ...a.changes.filter((c) => c.key !== SET_AT_KEY),
    { key: SET_AT_KEY, envName: fromFile?.envName ?? "import-env", secret: false, change },
  ].sort((x, y) => x.key.localeCompare(y.key));
}

/** The changes importing `env` would make (names only): `analyzeImport` for a name → value object. */
export function planImport(
  env: Record<string, string>,
  current: StackValues,
  opts: { includeUnknown?: boolean } = {},
): ConfigChange[] {
  const entries = Object.entries(env).map(([name, value], i) => ({
    name,
    value,
    line: i + 1,
    markedSecret: false,
  }));
  return analyzeImport(entries, current, opts).changes;
}

export function renderPlan(plan: ConfigChange[]): string {
  const sign = { add: "+", update: "~", same: "=" } as const;
  return plan
    .map((c) => `${sign[c.change]} ${c.key}${c.secret ? " (secret)" : ""}   from ${c.envName}`)
    .join("\n");
}

function renderAnalysis(a: ImportAnalysis): string {
  const out: string[] = [];
  if (a.changes.length) out.push(renderPlan(a.changes));
  if (a.notImported.length) {
    out.push("Not imported:", ...a.notImported.map((n) => `  ${n.name} (line ${n.line}): ${n.why}`));
  }
  if (a.unknown.length) {
    const written = a.unknown.some((u) => u.written);
    out.push(
      written
        ? "Unknown names (nothing in the program reads them), written as asked (--include-unknown):"
        : "Unknown names (nothing in the program reads them), not written (--include-unknown writes them):",
      ...a.unknown.map((u) => `  ${u.name} (line ${u.line}) → ${u.key}`),
    );
  }
  if (a.repeated.length) {
    out.push(
      "Set on more than one line (the last one wins):",
      ...a.repeated.map((r) => `  ${r.name} (lines ${r.lines.join(", ")})`),
    );
  }
  if (a.empty.length) {
    out.push(
      "Empty values (no key created or changed):",
      ...a.empty.map((e) => `  ${e.name} (line ${e.line})`),
    );
  }
  if (a.dated?.length) {
    out.push(`Set now (${SET_AT_KEY}: \`sophia secrets audit\` ages them from today): ${a.dated.join(", ")}`);
  }
  return out.join("\n");
}

// ---- the stack ----

const fullKey = (key: string) => (key.includes(":") ? key : `${PROJECT}:${key}`);

/**
 * The stack's config as the program sees it, Pulumi.yaml's defaults included (marked `set: false`: export
 * leaves them out, so a stack keeps following them), with which keys are structured (lists and objects).
 * Secrets decrypted: never print them.
 */
export async function readStack(stack: Stack): Promise<StackValues> {
  const all = (await stack.getAllConfig()) as Record<
    string,
    { value: string; secret?: boolean; objectValue?: unknown }
  >;
  const set = new Set(Object.keys((await stack.workspace.stackSettings(stack.name)).config ?? {}));
  const out: StackValues = new Map();
  for (const [k, v] of Object.entries(all)) {
    const key = k.startsWith(`${PROJECT}:`) ? k.slice(PROJECT.length + 1) : k;
    out.set(key, {
      value: v.value,
      secret: Boolean(v.secret),
      structured: v.objectValue !== undefined,
      set: set.has(k),
    });
  }
  return out;
}

async function write(stack: Stack, writes: ImportAnalysis["writes"]): Promise<void> {
  // Plain values go in one `pulumi config set-all --json` (it keeps lists and objects structured). A secret
  // never goes on a command line, where any user of the machine can read it (`ps`): each is piped to
  // `pulumi config set --secret` on its standard input. A secret list or object is stored as a secret
  // string (the program parses either).
  const json: Record<string, { value: string; secret: boolean; objectValue?: unknown }> = {};
  const secrets: [string, string][] = [];
  for (const [key, w] of Object.entries(writes)) {
    if (w.secret) secrets.push([fullKey(key), w.value]);
    else
      json[fullKey(key)] = {
        value: w.value,
        secret: false,
        ...(w.structured ? { objectValue: JSON.parse(w.value) } : {}),
      };
  }
  if (Object.keys(json).length) await stack.setAllConfigJson(JSON.stringify(json));
  for (const [key, value] of secrets) await setSecretFromStdin(stack, key, value);
}

/** `pulumi config set --secret KEY` with the value on standard input, in the stack's workspace. */
function setSecretFromStdin(stack: Stack, key: string, value: string): Promise<void> {
  const ws = stack.workspace as Stack["workspace"] & { envVars?: Record<string, string> };
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", ["config", "set", "--secret", "--raw", "--stack", stack.name, "--", key], {
      cwd: ws.workDir,
      env: { ...process.env, ...(ws.envVars ?? {}) },
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new CliError(`could not set ${key}: ${stderr.trim().split("\n").pop() ?? `exit ${code}`}`)),
    );
    child.stdin.end(value);
  });
}

// ---- the commands ----

export async function importEnv(o: {
  envFile: string;
  stack: string;
  dryRun?: boolean;
  includeUnknown?: boolean;
  json?: boolean;
}) {
  if (!existsSync(o.envFile)) throw new CliError(`${o.envFile} does not exist`, EXIT.usage);
  const { entries, problems } = parseEnvText(readFileSync(o.envFile, "utf8"));
  // A file with bad lines is not read further: nothing is written, not even the good lines.
  if (problems.length) badLines(o, problems);
  const stack = await openStack(o.stack);
  const current = await readStack(stack);
  const a = analyzeImport(entries, current, { includeUnknown: o.includeUnknown });
  if (a.problems.length) badLines(o, a.problems);
  try {
    recordSetAt(a, current, new Date());
  } catch (err) {
    throw new CliError(`${(err as Error).message}; nothing was written`, EXIT.usage);
  }
  const changes = a.changes.filter((c) => c.change !== "same");
  if (o.json) {
    const { writes: _values, problems: _none, ...report } = a;
    console.log(JSON.stringify({ stack: o.stack, dryRun: Boolean(o.dryRun), ...report }, null, 2));
  } else {
    const body = renderAnalysis(a);
    console.log(
      `${body}${body ? "\n\n" : ""}${changes.length} change(s) to ${o.stack}${o.dryRun ? " (dry run: nothing written)" : ""}`,
    );
  }
  if (o.dryRun || changes.length === 0) return;
  progress(`writing ${changes.length} key(s) to ${o.stack}`);
  await write(stack, a.writes);
}

function badLines(o: { envFile: string; json?: boolean }, problems: LineProblem[]): never {
  if (o.json) console.log(JSON.stringify({ file: o.envFile, written: false, problems }, null, 2));
  throw new CliError(
    `${o.envFile} has ${problems.length} bad line(s); nothing was written:\n${problems.map((p) => `  line ${p.line}: ${p.problem}`).join("\n")}`,
    EXIT.usage,
  );
}

export interface ExportLine {
  name: string;
  keys: string[];
  value: string;
  secret: boolean;
}

/**
 * The dotenv lines of a stack's config, under the names import-env reads back to the same keys (so a round
 * trip changes nothing): each key's canonical name; snowflake:organizationName and accountName together as
 * SNOWFLAKE_ACCOUNT=<organization>-<account>. A secret whose name and value would not say so is marked
 * `# secret`.
 */
export function exportLines(values: StackValues): ExportLine[] {
  const lines: ExportLine[] = [];
  const org = values.get("snowflake:organizationName");
  const acct = values.get("snowflake:accountName");
  const together =
    org?.set !== false &&
    acct?.set !== false &&
    org &&
    acct &&
    !org.secret &&
    !acct.secret &&
    /^[A-Za-z][A-Za-z0-9]*$/.test(org.value) &&
    acct.value;
  for (const [key, v] of values) {
    if (v.set === false) continue; // a default of Pulumi.yaml: the stack does not set it
    if (together && (key === "snowflake:organizationName" || key === "snowflake:accountName")) continue;
    lines.push({ name: exportNameFor(key), keys: [key], value: v.value, secret: v.secret });
  }
  if (together) {
    lines.push({
      name: "SNOWFLAKE_ACCOUNT",
      keys: ["snowflake:organizationName", "snowflake:accountName"],
      value: `${org.value}-${acct.value}`,
      secret: false,
    });
  }
  return lines.sort((a, b) => a.name.localeCompare(b.name));
}

export function exportText(stackName: string, values: StackValues): string {
  const lines = exportLines(values).map((l) => {
    let quoted: string;
    try {
      quoted = dotenvQuote(l.value);
    } catch (err) {
      throw new CliError(`${l.keys.join(", ")}: ${(err as Error).message}`);
    }
    const inferred =
      l.keys.some((k) => KEYS[k]?.secret) ||
      isSecretName(l.name) ||
      (!l.keys.some((k) => KEYS[k]?.structured || values.get(k)?.structured) && isSecretValue(l.value));
    return `${l.name}=${quoted}${l.secret && !inferred ? " # secret" : ""}`;
  });
  return `# exported from stack ${stackName} by sophia secrets export-env (names: docs/env-names.md)\n${lines.join("\n")}\n`;
}

export async function exportEnv(o: { envFile: string; stack: string; force?: boolean; json?: boolean }) {
  const values = await readStack(await openStack(o.stack));
  const lines = exportLines(values);
  writePrivate(o.envFile, exportText(o.stack, values), Boolean(o.force));
  const secretCount = lines.filter((l) => l.secret).length;
  if (o.json)
    console.log(
      JSON.stringify({
        stack: o.stack,
        file: o.envFile,
        keys: lines.map((l) => l.name),
        secrets: secretCount,
      }),
    );
  else
    console.log(
      `Wrote ${lines.length} keys (${secretCount} secret) of ${o.stack} to ${o.envFile} (mode 0600).`,
    );
}
