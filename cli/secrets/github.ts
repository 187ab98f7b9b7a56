// `sophia secrets sync-github` and `sync-github-org`: the stack's secret config as GitHub Actions secrets,
// under the names of ./envNames (SNOWFLAKE_PASSWORD, GONG_ACCESS_KEY, ...), sealed with the target's
// public key. One writer per secret: the secrets the program's GitHub component declares
// (integrations/github.ts) are the program's, and this command leaves them alone.
import sodium from "libsodium-wrappers";
import { CARRIERS, type RotatedService } from "../../integrations/credentials";
import { GITHUB } from "../../integrations/github/keys";
import { github } from "../../integrations/github/spec";
import type { KeyDef } from "../../integrations/keys";
import { REGISTRY } from "../../integrations/registry";
import { type Flags, mintedServices } from "../../integrations/spec";
import { ApiClient, isApiError } from "../../providers/http/client";
import {
  CliError,
  EXIT,
  openStack,
  progress,
  stackConfig,
  table,
  type StackConfig as Values,
} from "../common";
import { flagsOf } from "../integrations";
import { exportNameFor, namesFor } from "./envNames";

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

// ---- which secrets are whose ----

/**
 * The organization secrets the program publishes when githubCarryConfigCredentials is on (each spec's
 * `ciCredentials`, config.ts's ciCredentials), by the config key each carries, with when it is carried:
 * whenever an integration that lists it is enabled.
 */
export const PROGRAM_ORG_SECRETS: { key: string; when: (flags: Flags) => boolean }[] = [
  ...new Set(REGISTRY.flatMap((spec) => (spec.ciCredentials ?? []).map((k) => k.name))),
].map((key) => ({
  key,
  when: (flags) => REGISTRY.some((s) => s.ciCredentials?.some((k) => k.name === key) && s.enabled(flags)),
}));

/**
 * The Actions secrets the program's GitHub component writes for this stack (name → who writes it), which
 * are therefore not this command's: with GitHub enabled, the repository secrets that carry the credentials it
 * mints (CARRIERS, for each service the stack mints: the Snowflake service user and password, the Gong and
 * Estuary webhook tokens) and, with githubCarryConfigCredentials (default on), the organization secrets that
 * carry the integrations' config credentials. A name is the program's on every target: a repository secret
 * would shadow the organization secret of the same name, and the program's would stop reaching that
 * repository's workflows.
 */
export function programOwnedSecrets(values: Values): Map<string, string> {
  const flags = flagsOf(values, REGISTRY);
  const owned = new Map<string, string>();
  if (!flags.isOn(github.name)) return owned;
  const owner = values.get("github:owner")?.value ?? "<github:owner>";
  const repository = GITHUB.githubRepository.name;
  const repo = `${owner}/${values.get(repository)?.value ?? `<${repository}>`}`;
  const has = (k: KeyDef) => Boolean(values.get(k.name)?.value);
  for (const service of mintedServices(REGISTRY, flags, has)) {
    for (const n of CARRIERS[service])
      owned.set(
        n,
        `the program's GitHub component (integrations/github.ts) keeps this repository secret of ${repo} equal to the current ${MINTED_WHAT[service]} credential it mints and rotates (pulumi up, sophia secrets rotate)`,
      );
  }
  const carry = GITHUB.githubCarryConfigCredentials.name;
  if (!flags.flag(GITHUB.githubCarryConfigCredentials)) return owned;
  for (const s of PROGRAM_ORG_SECRETS) {
    if (!s.when(flags)) continue;
    owned.set(
      exportNameFor(s.key),
      `the program's GitHub component (integrations/github.ts) publishes ${s.key} as this organization secret of ${owner} (${carry}): change ${s.key} in the stack and run pulumi up`,
    );
  }
  return owned;
}

/** What each minted credential is, in the ownership notes. */
const MINTED_WHAT: Record<RotatedService, string> = {
  snowflake: "Snowflake service-user",
  gong: "Gong webhook",
  estuary: "Estuary webhook",
};

const SECRET_NAME_RE = /^[A-Z_][A-Z0-9_]*$/;

export interface PushPlan {
  /** name → value (never print the values) */
  secrets: Record<string, string>;
  /** secret config not pushed, and why */
  skipped: { name: string; key: string; why: string }[];
}

/**
 * The secrets a stack would push: its secret config values, under the names of ./envNames, except the
 * GitHub token itself, the secrets the program writes (programOwnedSecrets) and names GitHub refuses. With
 * `only`, exactly those names (or any name import-env reads for the same key); one that cannot be pushed is
 * a usage error.
 */
export function pushPlan(values: Values, only?: string[]): PushPlan {
  const owned = programOwnedSecrets(values);
  const candidates = [...values]
    .filter(([, v]) => v.secret)
    .map(([key, v]) => ({ key, name: exportNameFor(key), value: v.value }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const why = (c: { key: string; name: string }): string | undefined => {
    if (c.key === "github:token") return "the GitHub token itself is never pushed";
    const mine = owned.get(c.name);
    if (mine) return mine;
    if (!SECRET_NAME_RE.test(c.name) || c.name.startsWith("GITHUB_"))
      return `${c.name} cannot be a GitHub secret name (A-Z, 0-9, _; not starting with GITHUB_)`;
    return undefined;
  };
  const plan: PushPlan = { secrets: {}, skipped: [] };
  if (!only) {
    for (const c of candidates) {
      const reason = why(c);
      if (reason) plan.skipped.push({ name: c.name, key: c.key, why: reason });
      else plan.secrets[c.name] = c.value;
    }
    return plan;
  }
  const chosen = only.map((n) => ({ asked: n, c: candidates.find((c) => namesFor(c.key).includes(n)) }));
  const unknown = chosen.filter((x) => !x.c).map((x) => x.asked);
  if (unknown.length)
    throw new CliError(
      `not secret config of this stack: ${unknown.join(", ")} (its secrets: ${candidates.map((c) => c.name).join(", ") || "none"})`,
      EXIT.usage,
    );
  for (const { asked, c } of chosen) {
    const reason = why(c!);
    if (reason) throw new CliError(`${asked} is not pushed: ${reason}`, EXIT.usage);
    plan.secrets[c!.name] = c!.value;
  }
  return plan;
}

/** The secrets a stack would push (name → value): pushPlan without what it leaves out. */
export function secretsToPush(values: Values, only?: string[]): Record<string, string> {
  return pushPlan(values, only).secrets;
}

export async function syncCommand(
  target: GithubTarget,
  o: { stack: string; only?: string; apply?: boolean; json?: boolean },
) {
  const values = await stackConfig(await openStack(o.stack));
  const { secrets, skipped } = pushPlan(
    values,
    o.only
      ? String(o.only)
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
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
  if (o.json) console.log(JSON.stringify({ target, applied: Boolean(o.apply), plan, skipped }, null, 2));
  else {
    console.log(
      table(
        ["SECRET", "ACTION"],
        plan.map((p) => [p.name, p.action]),
      ),
    );
    if (skipped.length)
      console.log(`\nNot pushed:\n${skipped.map((s) => `  ${s.name} (${s.key}): ${s.why}`).join("\n")}`);
    console.log(
      o.apply
        ? `\nPushed ${plan.length} secret(s); secrets not listed were left alone.`
        : "\nDry run: nothing pushed (add --apply).",
    );
  }
}
