// Workflow dispatch: accepted only for a workflow file of this repository (.github/workflows) that has a
// `workflow_dispatch` trigger, and only with the inputs that trigger declares (GitHub answers 422
// otherwise); dispatches are recorded (admin objects "dispatches").
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import type { Ctx, Handler, Reply } from "../core";
import { isPlainObject } from "../core/util";
import type { GithubSandbox } from "./index";

/** The workflows a dispatch may name: this repository's own. */
const WORKFLOWS_DIR = path.resolve(__dirname, "..", "..", ".github", "workflows");

/** An input a workflow_dispatch trigger declares (the fields GitHub checks a dispatch against). */
interface DeclaredInput {
  required?: unknown;
  default?: unknown;
  type?: unknown;
  options?: unknown[];
}

/** Whether the workflow's `on` has a workflow_dispatch trigger, and the inputs it declares. */
function dispatchTrigger(file: string): { trigger: boolean; declared: Record<string, DeclaredInput | null> } {
  const on: unknown = parseYaml(readFileSync(file, "utf8"))?.on;
  if (Array.isArray(on)) return { trigger: on.includes("workflow_dispatch"), declared: {} };
  // `on: workflow_dispatch`, the trigger alone
  if (typeof on === "string") return { trigger: on === "workflow_dispatch", declared: {} };
  if (!isPlainObject(on) || !("workflow_dispatch" in on)) return { trigger: false, declared: {} };
  const trigger = on.workflow_dispatch;
  const inputs = isPlainObject(trigger) && isPlainObject(trigger.inputs) ? trigger.inputs : {};
  return { trigger: true, declared: inputs as Record<string, DeclaredInput | null> };
}

/** GitHub's 422 for a dispatch whose inputs do not fit the trigger; undefined when they fit. */
function inputProblem(declared: Record<string, DeclaredInput | null>, inputs: Record<string, unknown>) {
  const unexpected = Object.keys(inputs).filter((k) => !(k in declared));
  if (unexpected.length) return `Unexpected inputs provided: ${JSON.stringify(unexpected)}`;
  const missing = Object.entries(declared)
    .filter(([k, d]) => d?.required && d.default === undefined && inputs[k] === undefined)
    .map(([k]) => k);
  if (missing.length) return `Required input '${missing[0]}' not provided`;
  for (const [k, d] of Object.entries(declared)) {
    if (d?.type === "choice" && inputs[k] !== undefined && !(d.options ?? []).includes(inputs[k]))
      return `Provided value '${inputs[k]}' for input '${k}' not in the list of allowed values`;
  }
  return undefined;
}

function dispatch(s: GithubSandbox, ctx: Ctx): Reply {
  const repo = s.repoOf(ctx);
  const file = path.join(WORKFLOWS_DIR, path.basename(ctx.params.workflow_id));
  if (!repo || !existsSync(file)) return s.notFound();
  const { trigger, declared } = dispatchTrigger(file);
  if (!trigger) return s.problem(422, "unprocessable", "Workflow does not have 'workflow_dispatch' trigger");
  const body = ctx.body as { ref?: unknown; inputs?: Record<string, unknown> };
  const inputs = body.inputs ?? {};
  const problem = inputProblem(declared, inputs);
  if (problem) return s.problem(422, "unprocessable", problem);
  const id = String(s.state.nextId++);
  s.state.dispatches[id] = { id, workflow: path.basename(file), ref: String(body.ref), inputs };
  s.save();
  return { status: 204 };
}

export function workflowRoutes(s: GithubSandbox): Record<string, Handler> {
  return { "actions/create-workflow-dispatch": (ctx) => dispatch(s, ctx) };
}
