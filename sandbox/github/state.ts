// The GitHub stand-in's logins and objects: a libsodium key pair per repository and organization, Actions
// secrets, issues and pull requests (as issues) with their comments and labels, and workflow dispatches.
import sodium from "libsodium-wrappers";

export const GITHUB_SANDBOX = {
  token: "sandbox-github-token",
  /** a person's token (login sophia-dev), for comments a bot did not write */
  userToken: "sandbox-github-user-token",
  owner: "sophia-ai",
  repo: "sophia-ai",
  org: "sophia-ai",
  /** the open pull request every new sandbox has */
  pullRequest: 1,
};

export interface Login {
  login: string;
  id: number;
  type: "Bot" | "User";
}

export const LOGINS: Record<string, Login> = {
  [GITHUB_SANDBOX.token]: { login: "github-actions[bot]", id: 41898282, type: "Bot" },
  [GITHUB_SANDBOX.userToken]: { login: "sophia-dev", id: 90000001, type: "User" },
};

export interface StoredIssue {
  repo: string;
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  state_reason: string | null;
  labels: string[];
  user: Login;
  pull_request: boolean;
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface StoredComment {
  repo: string;
  id: number;
  issue: number;
  body: string;
  user: Login;
  created_at: string;
  updated_at: string;
}

export interface KeyPair {
  keyId: string;
  publicKey: string;
  privateKey: string;
}

export interface StoredSecret {
  scope: string;
  name: string;
  value: string;
  visibility?: string;
  created_at: string;
  updated_at: string;
}

export interface GithubState {
  keys: Record<string, KeyPair>;
  secrets: Record<string, StoredSecret>;
  /** "owner/repo#number" → issue or pull request */
  issues: Record<string, StoredIssue>;
  /** comment id → comment */
  comments: Record<string, StoredComment>;
  labels: Record<string, { id: number; repo: string; name: string }>;
  dispatches: Record<string, { id: string; workflow: string; ref: string; inputs: Record<string, unknown> }>;
  nextId: number;
}

/** A time as GitHub writes it: ISO 8601 in whole seconds. */
export const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export const b64 = (u: Uint8Array) => sodium.to_base64(u, sodium.base64_variants.ORIGINAL);
export const unb64 = (s: string) => sodium.from_base64(s, sodium.base64_variants.ORIGINAL);

/** The collections added with issues and dispatches (a data directory saved before them lacks them). */
export type IssueCollections = Pick<GithubState, "issues" | "comments" | "labels" | "dispatches" | "nextId">;

export const emptyIssues = (): IssueCollections => ({
  issues: {},
  comments: {},
  labels: {},
  dispatches: {},
  nextId: 1000,
});

/** A new sandbox: a key pair for the repository and the organization, and one open pull request. */
export function seed(): GithubState {
  const keys: Record<string, KeyPair> = {};
  for (const scope of [`repo:${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}`, `org:${GITHUB_SANDBOX.org}`]) {
    const kp = sodium.crypto_box_keypair();
    keys[scope] = {
      keyId: `56825016724254974${Object.keys(keys).length}`,
      publicKey: b64(kp.publicKey),
      privateKey: b64(kp.privateKey),
    };
  }
  const state: GithubState = { keys, secrets: {}, ...emptyIssues() };
  const repo = `${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}`;
  state.issues[`${repo}#${GITHUB_SANDBOX.pullRequest}`] = {
    repo,
    number: GITHUB_SANDBOX.pullRequest,
    id: state.nextId++,
    title: "Sandbox pull request",
    body: "A pull request to comment on.",
    state: "open",
    state_reason: null,
    labels: [],
    user: LOGINS[GITHUB_SANDBOX.userToken],
    pull_request: true,
    comments: 0,
    created_at: now(),
    updated_at: now(),
    closed_at: null,
  };
  return state;
}
