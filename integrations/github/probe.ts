// `sophia check` for GitHub: the token may read the repository's Actions public key, which only a token
// allowed to manage its Actions secrets may.
import { expectOk, http } from "../../cli/probeKit";
import { type Probe, requirement } from "../spec";
import { GITHUB } from "./keys";

const { githubRepository } = GITHUB;

export const PROBE: Probe = {
  requires: [requirement(githubRepository), { key: "github:owner" }, { key: "github:token", secret: true }],
  run: async (get, signal) => {
    const api = (process.env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, "");
    const repo = `${get("github:owner")}/${get(githubRepository.name)}`;
    const res = await http(
      `${api}/repos/${repo}/actions/secrets/public-key`,
      {
        headers: { authorization: `Bearer ${get("github:token")}`, accept: "application/vnd.github+json" },
      },
      signal,
      "the GitHub API",
      "GITHUB_API_URL",
    );
    expectOk(res, "GitHub", {
      url: "GITHUB_API_URL",
      authenticated: ["GitHub refused the token", "check github:token; it may have expired"],
      permitted: [
        `the token cannot manage Actions secrets of ${repo}`,
        `give the token the repository's 'Secrets: read and write' permission, and check github:owner and ${githubRepository.name}`,
      ],
    });
    return "can manage Actions secrets";
  },
};
