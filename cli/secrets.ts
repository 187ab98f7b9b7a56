// `sophia secrets ...`: import/export a stack's config as dotenv, push secrets to GitHub Actions, audit
// credential ages. Values never reach the output: only names, counts and statuses.
import { existsSync, readFileSync } from "node:fs";
import type { Stack } from "@pulumi/pulumi/automation";
import { parse as parseDotenv } from "dotenv";
import sodium from "libsodium-wrappers";
import { CARRIERS, ROTATED_SERVICES, type RotatedService } from "../config";
import { rotationStatus, slotGenerations } from "../integrations/rotation";
import { ApiClient, isApiError } from "../providers/http/client";
import { CliError, EXIT, openStack, progress, stackConfig, table, writePrivate } from "./common";
import { configKeyFor, dotenvQuote, envNameFor, isSecretName } from "./envnames";

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

// ---- audit ----

export interface AuditRow {
  service: RotatedService;
  epoch: number;
  rotatedAt: string | null;
  ageDays: number | null;
  maxAgeDays: number;
  status: "ok" | "due" | "overdue";
  syncedTo: string[];
}

/** Every credential the stack mints, with its age and status, from the stack's config. */
export function audit(values: Values, now = new Date()): AuditRow[] {
  const flag = (k: string) => values.get(k)?.value === "true";
  const carriers = [flag("githubEnabled") ? "github" : "", flag("vercelEnabled") ? "vercel" : ""].filter(
    Boolean,
  );
  let rotation: Record<string, { epoch?: number; rotatedAt?: string }> = {};
  try {
    rotation = JSON.parse(values.get("rotation")?.value ?? "{}");
  } catch {
    throw new CliError("the stack's rotation config is not valid JSON");
  }
  const maxAgeDays = Number(values.get("rotationMaxAgeDays")?.value ?? 90);
  const minted: RotatedService[] = ROTATED_SERVICES.filter((s) =>
    s === "snowflake" ? flag("snowflakeEnabled") : carriers.length > 0,
  );
  return minted.map((service) => {
    const r = rotation[service] ?? {};
    const s = rotationStatus(r.rotatedAt, maxAgeDays, 14, now);
    return {
      service,
      epoch: r.epoch ?? 0,
      rotatedAt: r.rotatedAt ?? null,
      ageDays: s.ageDays ?? null,
      maxAgeDays,
      status: s.status,
      syncedTo: carriers.flatMap((c) => CARRIERS[service].map((n) => `${c}:${n}`)),
    };
  });
}

/** `sophia secrets audit`. */
export async function auditCommand(o: { stack: string; json?: boolean }) {
  const rows = audit(await stackConfig(await openStack(o.stack)));
  if (o.json) console.log(JSON.stringify({ stack: o.stack, credentials: rows }, null, 2));
  else if (rows.length === 0)
    console.log(`${o.stack} mints no credentials (no Snowflake, GitHub or Vercel integration enabled).`);
  else {
    console.log(
      table(
        ["SERVICE", "EPOCH", "ROTATED", "AGE (DAYS)", "MAX", "STATUS", "SYNCED TO"],
        rows.map((r) => [
          r.service,
          String(r.epoch),
          r.rotatedAt ?? "never recorded",
          r.ageDays === null ? "?" : String(r.ageDays),
          String(r.maxAgeDays),
          r.status,
          r.syncedTo.join(", ") || "-",
        ]),
      ),
    );
  }
  process.exitCode = rows.some((r) => r.status === "overdue") ? EXIT.overdue : EXIT.ok;
}

// ---- rotate ----

/** The stack operations rotation needs; the real one drives the Automation API (tests may pass another). */
export interface RotationDriver {
  rotation(): Promise<Record<string, { epoch?: number; rotatedAt?: string }>>;
  setRotation(service: RotatedService, epoch: number, rotatedAt: string): Promise<void>;
  /** Applies only the service's credential and what depends on it. */
  applyService(service: RotatedService): Promise<void>;
  /** Checks that the service's current credential works; resolves to a description, rejects with the failure. */
  verify(service: RotatedService): Promise<string>;
}

export interface RotationOutcome {
  service: RotatedService;
  fromEpoch: number;
  toEpoch: number;
  status: "rotated" | "reverted";
  detail: string;
}

/**
 * Rotates one service: moves its epoch (the older slot is regenerated and becomes current), applies only
 * what depends on it, and verifies the new credential. On a failed check the epoch is moved back, which
 * makes the untouched previous slot current again, so consumers return to a credential that works.
 */
export async function rotateService(
  driver: RotationDriver,
  service: RotatedService,
  now = new Date(),
): Promise<RotationOutcome> {
  const cur = (await driver.rotation())[service] ?? {};
  const fromEpoch = cur.epoch ?? 0;
  const toEpoch = fromEpoch + 1;
  await driver.setRotation(service, toEpoch, now.toISOString());
  await driver.applyService(service);
  try {
    const detail = await driver.verify(service);
    return { service, fromEpoch, toEpoch, status: "rotated", detail };
  } catch (err) {
    // Back to the old epoch: the untouched previous slot is current again (its keepers never changed), and
    // the slot that failed is regenerated once more rather than kept.
    await driver.setRotation(service, fromEpoch, cur.rotatedAt ?? "");
    await driver.applyService(service);
    return {
      service,
      fromEpoch,
      toEpoch: fromEpoch,
      status: "reverted",
      detail: String((err as Error).message ?? err),
    };
  }
}

function stackDriver(stack: Stack): RotationDriver {
  return {
    async rotation() {
      const v = (await stackConfig(stack)).get("rotation")?.value;
      return v ? JSON.parse(v) : {};
    },
    async setRotation(service, epoch, rotatedAt) {
      await stack.setConfig(`rotation.${service}.epoch`, { value: String(epoch) }, true);
      if (rotatedAt) await stack.setConfig(`rotation.${service}.rotatedAt`, { value: rotatedAt }, true);
      else await stack.removeConfig(`rotation.${service}.rotatedAt`, true);
    },
    async applyService(service) {
      const deployment = await stack.exportStack();
      const targets = (deployment.deployment?.resources ?? [])
        .filter(
          (r: any) =>
            r.type === "random:index/randomPassword:RandomPassword" && r.inputs?.keepers?.service === service,
        )
        .map((r: any) => r.urn as string);
      if (targets.length === 0)
        throw new CliError(`the stack has no credential for ${service}: deploy it first`);
      await stack.up({ target: targets, targetDependents: true, onOutput: (s) => process.stderr.write(s) });
    },
    async verify(service) {
      const { ROTATION_CHECKS, currentCredential } = await import("./rotationChecks");
      const check = ROTATION_CHECKS[service];
      if (!check) throw new Error(`no live check of ${service} credentials can run from here`);
      const values = await stackConfig(stack);
      const rotation = JSON.parse(values.get("rotation")?.value || "{}");
      // Exported with secrets shown (the Automation API's export): the value stays in memory, never printed.
      const deployment = (await stack.exportStack()).deployment;
      const epoch = rotation[service]?.epoch ?? 0;
      const current = currentCredential(deployment, service, epoch);
      return check({
        get: (k) => values.get(k)?.value ?? "",
        current,
        slot: slotGenerations(epoch).current,
        resources: deployment?.resources ?? [],
        signal: AbortSignal.timeout(30_000),
      });
    },
  };
}

/** `sophia secrets rotate`. */
export async function rotateCommand(o: { stack: string; service: string; json?: boolean }) {
  const services = o.service === "all" ? [...ROTATED_SERVICES] : [o.service];
  for (const s of services) {
    if (!(ROTATED_SERVICES as readonly string[]).includes(s)) {
      throw new CliError(
        `--service must be one of ${ROTATED_SERVICES.join(", ")} or all; got "${s}"`,
        EXIT.usage,
      );
    }
  }
  const driver = stackDriver(await openStack(o.stack));
  const outcomes: RotationOutcome[] = [];
  for (const s of services) {
    progress(`rotating ${s}`);
    outcomes.push(await rotateService(driver, s as RotatedService));
  }
  if (o.json) console.log(JSON.stringify({ stack: o.stack, outcomes }, null, 2));
  else {
    for (const r of outcomes) {
      console.log(
        r.status === "rotated"
          ? `${r.service}: rotated (epoch ${r.fromEpoch} → ${r.toEpoch}); new credential verified: ${r.detail}`
          : `${r.service}: the new credential failed its check (${r.detail}); reverted: the previous credential is current again and still works (epoch ${r.toEpoch})`,
      );
    }
  }
  process.exitCode = outcomes.some((r) => r.status === "reverted") ? EXIT.rotationCheckFailed : EXIT.ok;
}
