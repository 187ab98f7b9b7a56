// Stand-in for GitHub's Actions secrets REST API, on GitHub's published description (@octokit/openapi,
// generated/api.github.com.json), reduced to the secrets operations. Like GitHub it gives each repository
// and organization a libsodium key pair, accepts only values sealed with the public key, and never returns
// a value; unlike GitHub it opens what it receives with its private key and keeps the plaintext, so tests
// can check the value that arrived.
import * as path from "node:path";
import sodium from "libsodium-wrappers";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec } from "./openapi";

export const GITHUB_SANDBOX = {
  token: "sandbox-github-token",
  owner: "sophia-ai",
  repo: "sophia-ai",
  org: "sophia-ai",
};

const OPERATIONS = ["repo", "org"].flatMap((s) => [
  `actions/get-${s}-public-key`,
  `actions/list-${s}-secrets`,
  `actions/get-${s}-secret`,
  `actions/create-or-update-${s}-secret`,
  `actions/delete-${s}-secret`,
]);

interface KeyPair {
  keyId: string;
  publicKey: string;
  privateKey: string;
}

interface StoredSecret {
  scope: string;
  name: string;
  value: string;
  visibility?: string;
  created_at: string;
  updated_at: string;
}

interface GithubState {
  keys: Record<string, KeyPair>;
  secrets: Record<string, StoredSecret>;
}

const b64 = (u: Uint8Array) => sodium.to_base64(u, sodium.base64_variants.ORIGINAL);
const unb64 = (s: string) => sodium.from_base64(s, sodium.base64_variants.ORIGINAL);

export class GithubSandbox extends Service<GithubState> {
  readonly name = "github";
  readonly spec = new OpenApiSpec(
    path.join(
      path.dirname(require.resolve("@octokit/openapi/package.json")),
      "generated",
      "api.github.com.json",
    ),
    {
      operations: OPERATIONS,
    },
  );

  constructor() {
    super();
    this.routes();
  }

  protected seed(): GithubState {
    const keys: Record<string, KeyPair> = {};
    for (const scope of [
      `repo:${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}`,
      `org:${GITHUB_SANDBOX.org}`,
    ]) {
      const kp = sodium.crypto_box_keypair();
      keys[scope] = {
        keyId: `56825016724254974${Object.keys(keys).length}`,
        publicKey: b64(kp.publicKey),
        privateKey: b64(kp.privateKey),
      };
    }
    return { keys, secrets: {} };
  }

  problem(status: number, title: string, detail: string): Reply {
    return {
      status,
      body: {
        message: detail || title,
        documentation_url: "https://docs.github.com/rest/actions/secrets",
        status: String(status),
      },
    };
  }

  protected authenticate(ctx: Ctx): Reply | undefined {
    const auth = String(ctx.headers.authorization ?? "");
    if (auth !== `Bearer ${GITHUB_SANDBOX.token}` && auth !== `token ${GITHUB_SANDBOX.token}`) {
      return this.problem(401, "unauthorized", "Bad credentials");
    }
    return undefined;
  }

  private scope(ctx: Ctx): string | undefined {
    const s = ctx.params.org ? `org:${ctx.params.org}` : `repo:${ctx.params.owner}/${ctx.params.repo}`;
    return this.state.keys[s] ? s : undefined;
  }

  private view(s: StoredSecret) {
    return {
      name: s.name,
      created_at: s.created_at,
      updated_at: s.updated_at,
      ...(s.scope.startsWith("org:")
        ? {
            visibility: s.visibility ?? "private",
            ...(s.visibility === "selected"
              ? {
                  selected_repositories_url: `https://api.github.com/orgs/${s.scope.slice(4)}/actions/secrets/${s.name}/repositories`,
                }
              : {}),
          }
        : {}),
    };
  }

  private routes(): void {
    for (const kind of ["repo", "org"]) {
      const notFound = () => this.problem(404, "not-found", "Not Found");
      this.on(`actions/get-${kind}-public-key`, (ctx) => {
        const scope = this.scope(ctx);
        if (!scope) return notFound();
        return {
          status: 200,
          body: { key_id: this.state.keys[scope].keyId, key: this.state.keys[scope].publicKey },
        };
      });
      this.on(`actions/list-${kind}-secrets`, (ctx) => {
        const scope = this.scope(ctx);
        if (!scope) return notFound();
        const all = Object.values(this.state.secrets)
          .filter((s) => s.scope === scope)
          .sort((a, b) => a.name.localeCompare(b.name));
        const perPage = Number(ctx.query.per_page ?? 30);
        const page = Number(ctx.query.page ?? 1);
        return {
          status: 200,
          body: {
            total_count: all.length,
            secrets: all.slice((page - 1) * perPage, page * perPage).map((s) => this.view(s)),
          },
        };
      });
      this.on(`actions/get-${kind}-secret`, (ctx) => {
        const scope = this.scope(ctx);
        const s = scope && this.state.secrets[`${scope}/${ctx.params.secret_name}`];
        return s ? { status: 200, body: this.view(s) } : notFound();
      });
      this.on(`actions/create-or-update-${kind}-secret`, (ctx) => {
        const scope = this.scope(ctx);
        if (!scope) return notFound();
        const b = ctx.body ?? {};
        const key = this.state.keys[scope];
        if (b.key_id !== key.keyId)
          return this.problem(422, "unprocessable", "key_id does not match the current public key");
        let value: string;
        try {
          value = sodium.to_string(
            sodium.crypto_box_seal_open(
              unb64(b.encrypted_value),
              unb64(key.publicKey),
              unb64(key.privateKey),
            ),
          );
        } catch {
          return this.problem(
            422,
            "unprocessable",
            "encrypted_value could not be decrypted with the public key",
          );
        }
        const id = `${scope}/${ctx.params.secret_name}`;
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        const existed = this.state.secrets[id];
        this.state.secrets[id] = {
          scope,
          name: ctx.params.secret_name,
          value,
          ...(kind === "org" ? { visibility: b.visibility } : {}),
          created_at: existed?.created_at ?? now,
          updated_at: now,
        };
        this.save();
        return existed ? { status: 204 } : { status: 201, body: {} };
      });
      this.on(`actions/delete-${kind}-secret`, (ctx) => {
        const scope = this.scope(ctx);
        const id = `${scope}/${ctx.params.secret_name}`;
        if (!scope || !this.state.secrets[id]) return notFound();
        delete this.state.secrets[id];
        this.save();
        return { status: 204 };
      });
    }
  }
}
