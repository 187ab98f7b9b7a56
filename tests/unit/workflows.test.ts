// The GitHub Actions workflows (.github/workflows) and local actions (.github/actions), read as data: every
// `run:` is a command of this repository, every stack they name exists, production changes only behind the
// reviewed environment, every job has least permissions and a concurrency group, every third-party action
// is pinned to a commit. actionlint (scripts/actionlint.sh, in `npm test`) checks the syntax and
// expressions; this checks what the project promises. Each rule is also shown failing on a bad example.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { parse } from "yaml";
import { DEPLOYED_STACKS, PROTECTED_STACKS } from "../../cli/ci/stacks";
import { program } from "../../cli/main";
import { ENVIRONMENTS } from "../../integrations/github";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (p: string) => readFileSync(path.join(ROOT, p), "utf8");
const pkg = JSON.parse(read("package.json"));

interface Doc {
  file: string;
  text: string;
  doc: any;
}

const WORKFLOWS: Doc[] = readdirSync(path.join(ROOT, ".github", "workflows"))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((f) => {
    const file = `.github/workflows/${f}`;
    return { file, text: read(file), doc: parse(read(file)) };
  });
const ACTIONS: Doc[] = readdirSync(path.join(ROOT, ".github", "actions")).map((d) => {
  const file = `.github/actions/${d}/action.yml`;
  return { file, text: read(file), doc: parse(read(file)) };
});

/** Environments that hold a stack's credentials but are not the program's (README, Delivery). */
const READ_ONLY_ENVIRONMENTS: Record<string, string> = { "production-read": "production" };
/** Commands that change a stack; on production they run only in the reviewed environment. */
const MUTATING = /\bci (watch (deploy|rotate)|deploy)\b|\bsecrets rotate\b/;

// ---- shell words of a `run:` line ----

function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const sub = (c: Command, name: string) => c.commands.find((x) => x.name() === name);

/** Problems with one `run:` script: each line must be a command of this repository. */
function runProblems(run: string, cli: Command = program()): string[] {
  const problems: string[] = [];
  if (run.includes("${{"))
    problems.push(`expressions in a script are injected as text; pass them through env: ${run.trim()}`);
  for (const line of run.split("\n").map((l) => l.trim())) {
    if (!line || line.startsWith("#")) continue;
    const w = words(line);
    if (w[0] === "npm" && w[1] === "ci") continue;
    if (w[0] === "npm" && w[1] === "run") {
      if (!pkg.scripts[w[2]]) problems.push(`npm run ${w[2]}: no such script in package.json`);
      continue;
    }
    if (w[0] === "bash" && w[1] === "bin/sophia") {
      let c: Command = cli;
      let i = 2;
      while (i < w.length && sub(c, w[i])) c = sub(c, w[i++])!;
      if (c === cli || c.commands.length) {
        problems.push(`sophia ${w.slice(2).join(" ")}: not a sophia command`);
        continue;
      }
      const args = [];
      for (; i < w.length && !w[i].startsWith("-"); i++) args.push(w[i]);
      if (args.length !== c.registeredArguments.length)
        problems.push(
          `sophia ${c.name()}: takes ${c.registeredArguments.length} argument(s), given ${args.length}`,
        );
      for (; i < w.length; i++) {
        if (!w[i].startsWith("-")) continue;
        const opt = c.options.find((o) => o.long === w[i] || o.short === w[i]);
        if (!opt) problems.push(`sophia ${c.name()}: no option ${w[i]}`);
      }
      continue;
    }
    if (w[0] === "bash" && /^scripts\//.test(w[1] ?? "")) {
      if (!existsSync(path.join(ROOT, w[1]))) problems.push(`${w[1]}: no such script`);
      continue;
    }
    problems.push(`not a command of this repository (npm run, bin/sophia, scripts/): ${line}`);
  }
  return problems;
}

// ---- the stacks a job can act on ----

const literals = (expr: string) => [...expr.matchAll(/'([^']+)'/g)].map((m) => m[1]);

/** Every stack a job's STACK (and any literal --stack) can name. */
function jobStacks(job: any, workflow: any): string[] {
  const stacks = new Set<string>();
  const matrix = job.strategy?.matrix ?? {};
  const fromMatrix = (key: string): string[] => {
    const direct = matrix[key];
    const list = Array.isArray(direct) ? direct : [];
    if (typeof direct === "string" && /needs\.stacks\.outputs\.preview/.test(direct))
      list.push(...DEPLOYED_STACKS.filter((s) => !PROTECTED_STACKS.includes(s)));
    return [...list, ...(matrix.include ?? []).map((i: any) => i[key]).filter(Boolean)];
  };
  const value = String(job.env?.STACK ?? "");
  if (value && !value.includes("${{")) stacks.add(value);
  if (/matrix\.stack/.test(value)) for (const s of fromMatrix("stack")) stacks.add(s);
  if (/inputs\.stack/.test(value)) {
    for (const s of workflow.on?.workflow_dispatch?.inputs?.stack?.options ?? []) stacks.add(s);
    for (const s of literals(value)) stacks.add(s);
  }
  for (const step of job.steps ?? []) {
    for (const m of String(step.run ?? "").matchAll(/--stack\s+([\w-]+)/g)) stacks.add(m[1]);
  }
  return [...stacks];
}

/** The GitHub environments a job can enter. */
function jobEnvironments(job: any): { names: string[]; deployment: boolean } | undefined {
  const env = job.environment;
  if (env === undefined) return undefined;
  const name = String(typeof env === "string" ? env : env.name);
  const deployment = !(typeof env === "object" && env.deployment === false);
  if (!name.includes("${{")) return { names: [name], deployment };
  const matrix = job.strategy?.matrix ?? {};
  const key = /matrix\.(\w+)/.exec(name)?.[1];
  const names = new Set<string>(literals(name));
  if (key) {
    for (const v of Array.isArray(matrix[key]) ? matrix[key] : []) names.add(v);
    for (const i of matrix.include ?? []) if (i[key]) names.add(i[key]);
    if (typeof matrix[key] === "string") for (const s of DEPLOYED_STACKS) names.add(s);
  }
  return { names: [...names], deployment };
}

/** Problems with one job of a workflow. */
function jobProblems(id: string, job: any, workflow: any, cli: Command = program()): string[] {
  const problems: string[] = [];
  const at = (p: string) => `job ${id}: ${p}`;
  if (!job.permissions || typeof job.permissions !== "object") problems.push(at("no permissions"));
  const group = typeof job.concurrency === "string" ? job.concurrency : job.concurrency?.group;
  if (!group) problems.push(at("no concurrency group"));
  const runs = (job.steps ?? []).filter((s: any) => s.run).map((s: any) => String(s.run));
  for (const r of runs) problems.push(...runProblems(r, cli).map(at));
  const stacks = jobStacks(job, workflow);
  for (const s of stacks)
    if (!existsSync(path.join(ROOT, `Pulumi.${s}.yaml`)))
      problems.push(at(`stack ${s} has no Pulumi.${s}.yaml`));
  if (runs.some((r: string) => r.includes("$STACK")) && !job.env?.STACK)
    problems.push(at("uses $STACK, sets none"));

  const envs = jobEnvironments(job);
  const mutates = runs.some((r: string) => MUTATING.test(r));
  const usesStackSecrets = JSON.stringify(job.env ?? {}).includes("secrets.PULUMI_");
  if (usesStackSecrets && !envs) problems.push(at("reads a stack's secrets outside a GitHub environment"));
  if (envs) {
    for (const n of envs.names) {
      if (!(ENVIRONMENTS as readonly string[]).includes(n) && !(n in READ_ONLY_ENVIRONMENTS))
        problems.push(at(`environment ${n} is neither the program's nor a documented read-only one`));
      if (n in READ_ONLY_ENVIRONMENTS && mutates) problems.push(at(`changes a stack from read-only ${n}`));
    }
    if (mutates && !envs.deployment) problems.push(at("a deploy that records no deployment"));
  }
  if (stacks.includes("production") && mutates) {
    // the reviewed environment, named literally: no expression can send production elsewhere
    if (JSON.stringify(envs?.names) !== JSON.stringify(["production"]) || !envs?.deployment)
      problems.push(at("changes production outside the `production` environment"));
    if (group !== "pulumi-production" || job.concurrency?.["cancel-in-progress"] !== false)
      problems.push(at("a production change must queue in pulumi-production and never be cancelled"));
  }
  if (mutates && !/^pulumi-/.test(String(group)))
    problems.push(at("a stack change outside its pulumi-<stack> group"));
  if (mutates && job.concurrency?.["cancel-in-progress"] !== false)
    problems.push(at("a stack change must never be cancelled midway (cancel-in-progress: false)"));
  return problems;
}

/** Every `uses:` line of a file: local, or pinned to a full commit with its tag in a comment. */
function pinProblems(text: string): string[] {
  const problems: string[] = [];
  for (const m of text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)) {
    const [, ref, rest] = m;
    if (ref.startsWith("./")) {
      if (!existsSync(path.join(ROOT, ref, "action.yml"))) problems.push(`${ref}: no such local action`);
      continue;
    }
    if (!/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/.test(ref))
      problems.push(`${ref}: not pinned to a commit`);
    else if (!/^\s*#\s*v\d+(\.\d+)*\s*$/.test(rest)) problems.push(`${ref}: no "# vX.Y.Z" tag comment`);
  }
  return problems;
}

// ---- the repository's workflows ----

const cli = program();

test.each(WORKFLOWS.map((w) => [w.file, w]))("%s: every job follows the rules", (_f, w) => {
  expect(w.doc.permissions).toEqual({}); // nothing by default; each job asks for its own
  const problems = Object.entries<any>(w.doc.jobs).flatMap(([id, job]) => jobProblems(id, job, w.doc, cli));
  expect(problems).toEqual([]);
  expect(pinProblems(w.text)).toEqual([]);
});

test.each(ACTIONS.map((a) => [a.file, a]))("%s: commands of this repository, pinned actions", (_f, a) => {
  const runs = a.doc.runs.steps.filter((s: any) => s.run).map((s: any) => String(s.run));
  expect(runs.flatMap((r: string) => runProblems(r, cli))).toEqual([]);
  expect(pinProblems(a.text)).toEqual([]);
});

test("the workflows do what the design asks, on the stacks that exist", () => {
  const wf = (name: string) => WORKFLOWS.find((w) => w.file.endsWith(`/${name}`))!.doc;
  const runsOf = (job: any) => job.steps.filter((s: any) => s.run).map((s: any) => s.run);
  // pull request: verify, then preview and ONE comment
  expect(Object.keys(wf("pull-request.yml").on)).toEqual(["pull_request"]);
  expect(runsOf(wf("pull-request.yml").jobs.verify)).toEqual(
    expect.arrayContaining(["npm run typecheck", "npm run test:unit"]),
  );
  expect(wf("pull-request.yml").jobs.preview.concurrency["cancel-in-progress"]).toBe(true);
  // main deploys staging, then checks it
  expect(wf("deploy.yml").on.push.branches).toEqual(["main"]);
  expect(jobStacks(wf("deploy.yml").jobs.deploy, wf("deploy.yml"))).toEqual(
    expect.arrayContaining(["staging"]),
  );
  expect(runsOf(wf("deploy.yml").jobs.deploy)).toEqual([
    'bash bin/sophia ci watch deploy --stack "$STACK"',
    'bash bin/sophia ci watch check --stack "$STACK"',
  ]);
  // a release (or a dispatch) deploys production behind the reviewed environment, from main only
  expect(wf("production.yml").on.release.types).toEqual(["published"]);
  expect(wf("production.yml").jobs.deploy.environment).toEqual({ name: "production" });
  expect(runsOf(wf("production.yml").jobs.deploy)[0]).toBe(
    "bash bin/sophia ci verify-ref --ref HEAD --branch main",
  );
  // schedules: check every 6 hours, drift daily, audit and rotation weekly, each on every deployed stack
  const cron = (name: string) => wf(name).on.schedule.map((s: any) => s.cron);
  expect(cron("check.yml")).toEqual(["0 */6 * * *"]);
  expect(cron("drift.yml")[0]).toMatch(/^\d+ \d+ \* \* \*$/);
  expect(cron("rotation.yml")[0]).toMatch(/^\d+ \d+ \* \* \d$/);
  for (const [file, job] of [
    ["check.yml", "check"],
    ["drift.yml", "drift"],
  ])
    expect(jobStacks(wf(file).jobs[job], wf(file)).sort()).toEqual([...DEPLOYED_STACKS].sort());
  const rotation = wf("rotation.yml");
  expect(["audit", "audit-production"].flatMap((j) => jobStacks(rotation.jobs[j], rotation)).sort()).toEqual(
    [...DEPLOYED_STACKS].sort(),
  );
  expect(rotation.jobs["rotate-production"].if).toContain("needs.audit-production.outputs.due == 'true'");
});

test("the Pulumi CLI the workflows install is the version package.json pins", () => {
  const setup = ACTIONS.find((a) => a.file.includes("/setup/"))!.doc;
  const step = setup.runs.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
  expect(step.with["pulumi-version"]).toBe(pkg.dependencies["@pulumi/pulumi"]);
});

test("every secret and variable the workflows read is named in the README's Delivery section", () => {
  const readme = read("README.md");
  const start = readme.indexOf("## Delivery");
  const delivery = readme.slice(start, readme.indexOf("\n## ", start + 1));
  expect(readme).toContain("## Delivery");
  const names = new Set(
    [...WORKFLOWS, ...ACTIONS].flatMap((w) =>
      [...w.text.matchAll(/\b(?:secrets|vars)\.([A-Z0-9_]+)/g)].map((m) => m[1]),
    ),
  );
  expect([...names].filter((n) => !delivery.includes(`\`${n}\``))).toEqual([]);
  for (const e of Object.keys(READ_ONLY_ENVIRONMENTS)) expect(delivery).toContain(`\`${e}\``);
});

// ---- each rule catches what it is for ----

/** A GitHub expression, e.g. expr("inputs.stack") */
const expr = (e: string) => `${"$"}{{ ${e} }}`;

describe("the rules fail on bad workflows", () => {
  const wf = { on: { workflow_dispatch: { inputs: { stack: { options: ["staging", "production"] } } } } };
  const good = {
    permissions: { contents: "read" },
    concurrency: { group: "pulumi-production", "cancel-in-progress": false },
    environment: { name: "production" },
    env: { STACK: "production", PULUMI_CONFIG_PASSPHRASE: expr("secrets.PULUMI_CONFIG_PASSPHRASE") },
    steps: [{ run: 'bash bin/sophia ci watch deploy --stack "$STACK"' }],
  };

  test("a good production deploy passes", () => {
    expect(jobProblems("deploy", good, wf, cli)).toEqual([]);
  });

  test("commands that do not exist, and expressions in scripts", () => {
    expect(runProblems("npm run nope", cli)).toEqual(["npm run nope: no such script in package.json"]);
    expect(runProblems("bash bin/sophia ci deploi --stack x", cli)).toEqual([
      "sophia ci deploi --stack x: not a sophia command",
    ]);
    expect(runProblems("bash bin/sophia ci watch --stack x", cli)).toEqual([
      "sophia watch: takes 1 argument(s), given 0",
    ]);
    expect(runProblems("bash bin/sophia check --stack x --fast", cli)).toEqual([
      "sophia check: no option --fast",
    ]);
    expect(runProblems("bash scripts/nope.sh", cli)).toEqual(["scripts/nope.sh: no such script"]);
    expect(runProblems("pulumi up --yes", cli)).toEqual([
      "not a command of this repository (npm run, bin/sophia, scripts/): pulumi up --yes",
    ]);
    expect(runProblems(`bash bin/sophia check --stack ${expr("inputs.stack")}`, cli)[0]).toMatch(
      /through env/,
    );
  });

  test("no permissions, no concurrency, a stack that does not exist", () => {
    const { permissions: _p, concurrency: _c, ...bare } = good;
    expect(jobProblems("j", { ...bare, env: { STACK: "prod" } }, {}, cli)).toEqual(
      expect.arrayContaining([
        "job j: no permissions",
        "job j: no concurrency group",
        "job j: stack prod has no Pulumi.prod.yaml",
      ]),
    );
  });

  test("production changed outside the reviewed environment, or through an expression", () => {
    const viaInput = {
      ...good,
      environment: { name: expr("inputs.stack") },
      env: { STACK: expr("inputs.stack") },
    };
    expect(jobProblems("j", viaInput, wf, cli)).toContain(
      "job j: changes production outside the `production` environment",
    );
    const readOnly = { ...good, environment: { name: "production-read", deployment: false } };
    expect(jobProblems("j", readOnly, wf, cli)).toEqual(
      expect.arrayContaining([
        "job j: changes a stack from read-only production-read",
        "job j: changes production outside the `production` environment",
      ]),
    );
    const cancellable = { ...good, concurrency: { group: "pulumi-production", "cancel-in-progress": true } };
    expect(jobProblems("j", cancellable, wf, cli)).toContain(
      "job j: a stack change must never be cancelled midway (cancel-in-progress: false)",
    );
    const noEnv = { ...good, environment: undefined };
    expect(jobProblems("j", noEnv, wf, cli)).toContain(
      "job j: reads a stack's secrets outside a GitHub environment",
    );
  });

  test("actions not pinned to a commit, or without their tag", () => {
    expect(
      pinProblems(
        [
          "      - uses: actions/checkout@v5",
          "      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09",
          "      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0",
          "      - uses: ./.github/actions/nowhere",
        ].join("\n"),
      ),
    ).toEqual([
      "actions/checkout@v5: not pinned to a commit",
      'actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09: no "# vX.Y.Z" tag comment',
      "./.github/actions/nowhere: no such local action",
    ]);
  });
});
