// What a delivery command hands back to GitHub Actions: step outputs ($GITHUB_OUTPUT), the job summary
// ($GITHUB_STEP_SUMMARY) and the link to the run. Outside Actions (a local run) these are no-ops.
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";

/** Sets a step output (`steps.<id>.outputs.<name>`) when running in GitHub Actions. */
export function setOutput(name: string, value: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.GITHUB_OUTPUT) return;
  if (!value.includes("\n")) {
    appendFileSync(env.GITHUB_OUTPUT, `${name}=${value}\n`);
    return;
  }
  const delimiter = `EOF_${randomBytes(8).toString("hex")}`;
  appendFileSync(env.GITHUB_OUTPUT, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

/** Appends Markdown to the job's summary page when running in GitHub Actions. */
export function appendSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
}

/** The URL of this workflow run, when running in GitHub Actions. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}
