// GitHub's published description (@octokit/openapi, generated/api.github.com.json), reduced to the
// operations the project calls, and read as GitHub answers.
import * as path from "node:path";
import { isPlainObject } from "../core/util";
import { OpenApiSpec } from "../openapi";

const OPERATIONS = [
  ...["repo", "org"].flatMap((s) => [
    `actions/get-${s}-public-key`,
    `actions/list-${s}-secrets`,
    `actions/get-${s}-secret`,
    `actions/create-or-update-${s}-secret`,
    `actions/delete-${s}-secret`,
  ]),
  "issues/list-for-repo",
  "issues/get",
  "issues/create",
  "issues/update",
  "issues/list-comments",
  "issues/create-comment",
  "issues/update-comment",
  "actions/create-workflow-dispatch",
];

/**
 * OpenAPI 3.0's `nullable` read as GitHub means it, "the schema, or null", where Ajv would not: beside an
 * `enum` (an open issue's `state_reason` is null) null joins the values, and without a `type` (an issue's
 * `milestone`) the schema becomes anyOf [schema, null]. Rewrites `node` in place.
 */
function nullables(node: unknown): void {
  if (Array.isArray(node)) node.forEach(nullables);
  else if (isPlainObject(node)) {
    for (const v of Object.values(node)) nullables(v);
    if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
    if (node.nullable === true && node.type === undefined) {
      const { nullable: _n, ...rest } = node;
      for (const k of Object.keys(node)) delete node[k];
      node.anyOf = [rest, { type: "null" }];
    }
  }
}

export function githubSpec(): OpenApiSpec {
  const spec = new OpenApiSpec(
    path.join(
      path.dirname(require.resolve("@octokit/openapi/package.json")),
      "generated",
      "api.github.com.json",
    ),
    { operations: OPERATIONS },
  );
  nullables(spec.doc.paths);
  nullables(spec.doc.components);
  // GitHub's description lists only 200 and 204 for a workflow dispatch, yet GitHub answers 422 with its
  // usual error body to a dispatch of a workflow without the workflow_dispatch trigger or with inputs the
  // trigger does not declare (what `gh workflow run` reports as "HTTP 422: Unexpected inputs provided").
  // The stand-in answers as GitHub does, and its description says so.
  const dispatch = spec.operations.find((o) => o.operationId === "actions/create-workflow-dispatch");
  dispatch!.op.responses["422"] ??= {
    description: "Validation failed (answered by GitHub, not listed in its description)",
    content: {
      "application/json": {
        schema: {
          type: "object",
          required: ["message"],
          properties: { message: { type: "string" }, documentation_url: { type: "string" } },
        },
      },
    },
  };
  return spec;
}
