// This folder is a stand-in: sandbox/ports.ts finds it by this file (its default port; SANDBOX_PORT_GITHUB
// moves it) and sandbox/index.ts starts it. Light on purpose: the service itself loads only when started.
import type { StandInDef } from "../ports";

export const STAND_IN: StandInDef = {
  port: 18002,
  create: () => new (require("./index") as typeof import("./index")).GithubSandbox(),
  login: () => {
    const s = (require("./state") as typeof import("./state")).GITHUB_SANDBOX;
    return `token ${s.token} (acts as github-actions[bot]), ${s.userToken} (a person, sophia-dev); repository ${s.owner}/${s.repo} with open pull request #${s.pullRequest}, organization ${s.org}; GITHUB_API_URL=<its URL>`;
  },
};
