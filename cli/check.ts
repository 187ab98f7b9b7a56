// `sophia check`: for every integration the stack enables, required config and secrets present, then a
// live probe (reachable, authenticated, permitted) with its latency; on failure a precise error and a
// recommendation. Checks run in parallel, each with a timeout. Report schema: docs/check-report.schema.json.
import { CliError, EXIT, openStack, postSlack, progress, stackConfig, table } from "./common";
import { INTEGRATIONS, type Integration, ProbeFailure, type Stage, type Values } from "./probes";

export interface CheckResult {
  integration: string;
  status: "pass" | "fail" | "unverified";
  stage: Stage | null;
  latencyMs: number | null;
  detail: string | null;
  error: string | null;
  recommendation: string | null;
}

export interface CheckReport {
  stack: string;
  status: "pass" | "fail";
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
}

type Base = Pick<CheckResult, "integration" | "latencyMs" | "detail">;

/** The config stage: every required key present, every secret stored as one; a failure otherwise. */
function configProblem(integration: Integration, values: Values, base: Base): CheckResult | undefined {
  const missing = integration.requires
    .filter((r) => !values.get(r.key)?.value && r.default === undefined)
    .map((r) => r.key);
  const plain = integration.requires
    .filter((r) => r.secret && values.get(r.key)?.value && !values.get(r.key)?.secret)
    .map((r) => r.key);
  if (!missing.length && !plain.length) return undefined;
  return {
    ...base,
    status: "fail",
    stage: "config",
    error: [
      missing.length ? `missing: ${missing.join(", ")}` : "",
      plain.length ? `stored in plain text: ${plain.join(", ")}` : "",
    ]
      .filter(Boolean)
      .join("; "),
    recommendation: [...missing, ...plain]
      .map(
        (k) =>
          `pulumi config set ${integration.requires.find((r) => r.key === k)?.secret ? "--secret " : ""}${k} <value>`,
      )
      .join("; "),
  };
}

/** A probe that gives up after `timeoutMs`, aborting its requests. */
async function probeWithin<T>(probe: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      probe(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(
            new ProbeFailure(
              "reachable",
              `no answer within ${timeoutMs} ms`,
              "check the host and port, and the network path to the service",
            ),
          );
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A failed probe's result: its stage and advice, or "reachable" for anything that is not a ProbeFailure. */
function probeFailed(err: unknown, base: Base, latencyMs: number): CheckResult {
  if (err instanceof ProbeFailure) {
    return {
      ...base,
      status: "fail",
      stage: err.stage,
      latencyMs,
      error: err.message,
      recommendation: err.recommendation,
    };
  }
  return {
    ...base,
    status: "fail",
    stage: "reachable",
    latencyMs,
    error: String((err as Error)?.message ?? err),
    recommendation: "see the error",
  };
}

async function checkOne(
  integration: Integration,
  values: Values,
  timeoutMs: number,
  stack: string,
): Promise<CheckResult> {
  const base: Base = { integration: integration.name, latencyMs: null, detail: null };
  const problem = configProblem(integration, values, base);
  if (problem) return problem;
  const probe = integration.probe;
  if (!probe) {
    return {
      ...base,
      status: "unverified",
      stage: null,
      detail: "config present; no live probe for this service from here",
      error: null,
      recommendation: null,
    };
  }
  const get = (k: string) =>
    values.get(k)?.value ?? integration.requires.find((r) => r.key === k)?.default ?? "";
  const started = performance.now();
  try {
    const detail = await probeWithin((signal) => probe(get, signal, stack), timeoutMs);
    const latencyMs = Math.round(performance.now() - started);
    return { ...base, status: "pass", stage: null, latencyMs, detail, error: null, recommendation: null };
  } catch (err) {
    return probeFailed(err, base, Math.round(performance.now() - started));
  }
}

export async function runChecks(
  stack: string,
  values: Values,
  opts: { timeoutMs: number; only?: string[]; integrations?: Integration[] },
): Promise<CheckReport> {
  const startedAt = new Date();
  const all = opts.integrations ?? INTEGRATIONS;
  const chosen = all.filter((i) => (opts.only ? opts.only.includes(i.name) : i.enabled(values)));
  const checks = await Promise.all(chosen.map((i) => checkOne(i, values, opts.timeoutMs, stack)));
  return {
    stack,
    status: checks.some((c) => c.status === "fail") ? "fail" : "pass",
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    checks,
  };
}

export function renderReport(r: CheckReport): string {
  const rows = r.checks.map((c) => [
    c.integration,
    c.status.toUpperCase(),
    c.latencyMs === null ? "" : `${c.latencyMs} ms`,
    c.status === "fail" ? `${c.stage}: ${c.error}` : (c.detail ?? ""),
    c.recommendation ?? "",
  ]);
  return `${table(["INTEGRATION", "STATUS", "LATENCY", "RESULT", "RECOMMENDATION"], rows)}\n\n${r.stack}: ${r.status.toUpperCase()}`;
}

/** `sophia check`. */
export async function checkCommand(o: {
  stack: string;
  json?: boolean;
  only?: string;
  timeout: string;
  slackWebhook?: string;
}) {
  const timeoutMs = Number(o.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new CliError(`--timeout must be a positive number of milliseconds; got "${o.timeout}"`, EXIT.usage);
  const only = o.only
    ? String(o.only)
        .split(",")
        .map((s: string) => s.trim())
    : undefined;
  const unknown = only?.filter((n) => !INTEGRATIONS.some((i) => i.name === n));
  if (unknown?.length)
    throw new CliError(
      `unknown integration(s): ${unknown.join(", ")} (known: ${INTEGRATIONS.map((i) => i.name).join(", ")})`,
      EXIT.usage,
    );
  progress(`reading the config of ${o.stack}`);
  const values = await stackConfig(await openStack(o.stack));
  progress("probing the integrations");
  const report = await runChecks(o.stack, values, { timeoutMs, only });
  console.log(o.json ? JSON.stringify(report, null, 2) : renderReport(report));
  const webhook = o.slackWebhook ?? process.env.SLACK_WEBHOOK_URL;
  if (report.status === "fail" && webhook) {
    const failed = report.checks.filter((c) => c.status === "fail");
    await postSlack(
      webhook,
      `:x: Integration check failed for stack *${o.stack}*:\n${failed.map((c) => `• ${c.integration} (${c.stage}): ${c.error} — ${c.recommendation}`).join("\n")}`,
    );
  }
  process.exitCode = report.status === "pass" ? EXIT.ok : EXIT.checkFailed;
}
