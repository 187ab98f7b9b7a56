// From a published release to production. The `production` GitHub environment that integrations/github.ts
// creates deploys from protected branches only, and a release's run is on its tag (refs/tags/...), which
// that environment refuses. So the release's run only dispatches the production workflow on `main` (a
// protected branch) naming the tag, and the dispatched run deploys the tag's commit, after checking that
// the commit is on `main`: what reaches production was reviewed and merged, whichever way the run started.
import { execFileSync } from "node:child_process";
import { ROOT } from "../../scripts/lib";
import { CliError, EXIT } from "../exit";
import { GithubRest, githubEnv } from "./github";

/** The commit `ref` names, or a usage error. */
function commitOf(ref: string, cwd: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    throw new CliError(`git does not know ${ref}; check out with fetch-depth: 0`, EXIT.usage);
  }
}

/** Throws unless `ref`'s commit is reachable from origin/<branch> (or <branch>, locally). */
export function verifyOnBranch(ref: string, branch: string, cwd = ROOT): string {
  const commit = commitOf(ref, cwd);
  const tip = (() => {
    for (const b of [`origin/${branch}`, branch]) {
      try {
        return commitOf(b, cwd);
      } catch {}
    }
    throw new CliError(`neither origin/${branch} nor ${branch} is known to git; fetch it first`, EXIT.usage);
  })();
  try {
    execFileSync("git", ["merge-base", "--is-ancestor", commit, tip], { cwd, stdio: "ignore" });
  } catch {
    throw new CliError(
      `${ref} (${commit.slice(0, 12)}) is not on ${branch}: only merged commits are deployed to protected stacks`,
    );
  }
  return commit;
}

/** `sophia ci verify-ref`. */
export async function verifyRefCommand(o: { ref: string; branch: string }): Promise<void> {
  const commit = verifyOnBranch(o.ref, o.branch);
  console.log(`${o.ref} (${commit.slice(0, 12)}) is on ${o.branch}`);
}

/** Runs `workflow` on `branch` with the input `ref` = the tag (what production.yml declares). */
export async function dispatchRelease(
  gh: GithubRest,
  o: { tag: string; workflow: string; branch: string },
): Promise<void> {
  await gh.call("POST", `${gh.repoPath}/actions/workflows/${encodeURIComponent(o.workflow)}/dispatches`, {
    ref: o.branch,
    inputs: { ref: o.tag },
  });
}

/** `sophia ci release`: dispatches the production workflow on `branch` for the release's tag. */
export async function releaseCommand(o: { tag: string; workflow: string; branch: string }): Promise<void> {
  if (!/^[\w][\w./-]*$/.test(o.tag) || o.tag.includes(".."))
    throw new CliError(`--tag is not a tag name: "${o.tag}"`, EXIT.usage);
  const commit = verifyOnBranch(`refs/tags/${o.tag}`, o.branch);
  await dispatchRelease(new GithubRest(githubEnv()), o);
  console.log(
    `dispatched ${o.workflow} on ${o.branch} to deploy ${o.tag} (${commit.slice(0, 12)}); it waits for a production reviewer`,
  );
}
