// `sophia secrets ...`: import/export a stack's config as dotenv, push secrets to GitHub Actions; audit and
// rotation live in ./rotate, re-exported here. Values never reach the output: only names, counts and statuses.
import { existsSync, readFileSync } from "node:fs";
import { parse as parseDotenv } from "dotenv";
import sodium from "libsodium-wrappers";
import { ApiClient, isApiError } from "../providers/http/client";
import { CliError, EXIT, openStack, progress, stackConfig, table, writePrivate } from "./common";
import { configKeyFor, dotenvQuote, envNameFor, isSecretName } from "./envnames";

export {
  type AuditRow,
  audit,
  auditCommand,
  NotApplied,
  type RotateOptions,
  type RotateReport,
  type RotationDriver,
  type RotationEntry,
  type RotationOutcome,
  type RotationResult,
  rotateCommand,
  rotateService,
  rotateServices,
} from "./rotate";

type Values = Map<string, { value: string; secret: boolean }>;

export interface ConfigChange {
  key: string;
  envName: string;
  secret: boolean;
  change: "add" | "update" | "same";
}

/** What importing `env` into a stack whose config is `current` would change (names only). */
export function planImport(env: Record<string, string>, current: Values): ConfigChange[] {
  return Object.keys(env)
    .sort()
    .map((envName) => {
      let key: string;
      try {
        key = configKeyFor(envName);
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.usage);
      }
      const cur = current.get(key);
      // Never downgrade: a key the stack already keeps secret stays secret.
      const secret = isSecretName(envName) || Boolean(cur?.secret);
      const change = !cur ? "add" : cur.value !== env[envName] || cur.secret !== secret ? "update" : "same";
      return { key, envName, secret, change };
    });
}

export function renderPlan(plan: ConfigChange[]): string {
  const sign = { add: "+", update: "~", same: "=" } as const;
  return plan
    .map((c) => `${sign[c.change]} ${c.key}${c.secret ? " (secret)" : ""}   from ${c.envName}`)
    .join("\n");
}

export async function importEnv(o: { envFile: string; stack: string; dryRun?: boolean; json?: boolean }) {
  if (!existsSync(o.envFile)) throw new CliError(`${o.envFile} does not exist`, EXIT.usage);
  const env = parseDotenv(readFileSync(o.envFile));
  const stack = await openStack(o.stack);
  const plan = planImport(env, await stackConfig(stack));
  const changes = plan.filter((c) => c.change !== "same");
  if (o.json)
    console.log(JSON.stringify({ stack: o.stack, dryRun: Boolean(o.dryRun), changes: plan }, null, 2));
  else
    console.log(
      `${renderPlan(plan)}\n\n${changes.length} change(s) to ${o.stack}${o.dryRun ? " (dry run: nothing written)" : ""}`,
    );
  if (o.dryRun || changes.length === 0) return;
  progress(`writing ${changes.length} key(s) to ${o.stack}`);
  await stack.setAllConfig(
    Object.fromEntries(changes.map((c) => [c.key, { value: env[c.envName], secret: c.secret }])),
  );
}

export async function exportEnv(o: { envFile: string; stack: string; force?: boolean; json?: boolean }) {
  const values = await stackConfig(await openStack(o.stack));
  const keys = [...values.keys()].sort();
  const lines = keys.map((k) => {
    try {
      return `${envNameFor(k)}=${dotenvQuote(values.get(k)!.value)}`;
    } catch (err) {
      throw new CliError(`${k}: ${(err as Error).message}`);
    }
  });
  writePrivate(
    o.envFile,
    `# exported from stack ${o.stack} by sophia secrets export-env\n${lines.join("\n")}\n`,
    Boolean(o.force),
  );
  const secretCount = keys.filter((k) => values.get(k)!.secret).length;
  if (o.json)
    console.log(
      JSON.stringify({ stack: o.stack, file: o.envFile, keys: keys.map(envNameFor), secrets: secretCount }),
    );
  else
    console.log(
      `Wrote ${keys.length} keys (${secretCount} secret) of ${o.stack} to ${o.envFile} (mode 0600).`,
    );
}

// ---- GitHub Actions secrets ----

export interface GithubTarget {
  kind: "repo" | "org";
  /** owner/name for a repository, the organization's login for an organization */
  name: string;
  visibility?: "all" | "private" | "selected";
}

function githubClient(token: string): ApiClient {
  return new ApiClient({
    service: "GitHub",
    baseUrl: process.env.GITHUB_API_URL ?? "https://api.github.com",
    auth: {
      headers: async () => ({ authorization: `Bearer ${token}`, "x-github-api-version": "2022-11-28" }),
    },
    maxRetries: 3,
  });
}

/** Seals `value` for GitHub with the target's public key (libsodium sealed box), as GitHub requires. */
export async function seal(value: string, publicKeyB64: string): Promise<string> {
  await sodium.ready;
  const key = sodium.from_base64(publicKeyB64, sodium.base64_variants.ORIGINAL);
  return sodium.to_base64(
    sodium.crypto_box_seal(sodium.from_string(value), key),
    sodium.base64_variants.ORIGINAL,
  );
}

export interface SyncPlanItem {
  name: string;
  action: "create" | "update";
}

export async function syncGithub(
  target: GithubTarget,
  secrets: Record<string, string>,
  token: string,
  apply: boolean,
): Promise<SyncPlanItem[]> {
  const gh = githubClient(token);
  const base =
    target.kind === "repo" ? `/repos/${target.name}/actions/secrets` : `/orgs/${target.name}/actions/secrets`;
  const existing = new Set<string>();
  for (let page = 1; ; page++) {
    const res = await gh.get<{ total_count: number; secrets: { name: string }[] }>(base, {
      per_page: 100,
      page,
    });
    for (const s of res.secrets) existing.add(s.name);
    if (res.secrets.length < 100) break;
  }
  const plan: SyncPlanItem[] = Object.keys(secrets)
    .sort()
    .map((name) => ({ name, action: existing.has(name) ? "update" : "create" }));
  if (!apply) return plan;
  const key = await gh.get<{ key_id: string; key: string }>(`${base}/public-key`);
  for (const item of plan) {
    const body: Record<string, unknown> = {
      encrypted_value: await seal(secrets[item.name], key.key),
      key_id: key.key_id,
    };
    if (target.kind === "org") body.visibility = target.visibility ?? "private";
    await gh.request("PUT", `${base}/${encodeURIComponent(item.name)}`, { body });
  }
  return plan;
}

const SECRET_NAME_RE = /^[A-Z_][A-Z0-9_]*$/;

/** The secrets a stack would push: its secret config values, under their environment names. */
export function secretsToPush(values: Values, only?: string[]): Record<string, string> {
  const all = Object.fromEntries(
    [...values].filter(([, v]) => v.secret).map(([k, v]) => [envNameFor(k), v.value]),
  );
  const chosen = only ?? Object.keys(all);
  const unknown = chosen.filter((n) => !(n in all));
  if (unknown.length)
    throw new CliError(`not secret config of this stack: ${unknown.join(", ")}`, EXIT.usage);
  for (const n of chosen) {
    if (!SECRET_NAME_RE.test(n) || n.startsWith("GITHUB_")) {
      throw new CliError(
        `${n} cannot be a GitHub secret name (A-Z, 0-9, _; not starting with GITHUB_)`,
        EXIT.usage,
      );
    }
  }
  return Object.fromEntries(chosen.map((n) => [n, all[n]]));
}

export async function syncCommand(
  target: GithubTarget,
  o: { stack: string; only?: string; apply?: boolean; json?: boolean },
) {
  const values = await stackConfig(await openStack(o.stack));
  const secrets = secretsToPush(
    values,
    o.only
      ? String(o.only)
          .split(",")
          .map((s) => s.trim())
      : undefined,
  );
  const token = process.env.GITHUB_TOKEN ?? values.get("github:token")?.value;
  if (!token)
    throw new CliError("a GitHub token is needed: set GITHUB_TOKEN or the stack's github:token", EXIT.usage);
  progress(
    `${o.apply ? "pushing" : "planning"} ${Object.keys(secrets).length} secret(s) for ${target.kind} ${target.name}`,
  );
  let plan: SyncPlanItem[];
  try {
    plan = await syncGithub(target, secrets, token, Boolean(o.apply));
  } catch (err) {
    if (isApiError(err)) throw new CliError(err.message);
    throw err;
  }
  if (o.json) console.log(JSON.stringify({ target, applied: Boolean(o.apply), plan }, null, 2));
  else {
    console.log(
      table(
        ["SECRET", "ACTION"],
        plan.map((p) => [p.name, p.action]),
      ),
    );
    console.log(
      o.apply
        ? `\nPushed ${plan.length} secret(s); secrets not listed were left alone.`
        : "\nDry run: nothing pushed (add --apply).",
    );
  }
}
