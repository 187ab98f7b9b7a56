// Actions secrets of a repository or an organization, and the public key values are sealed with. Like
// GitHub it accepts only values sealed with the scope's public key and never returns a value; unlike
// GitHub it opens what it receives and keeps the plaintext, so tests can check the value that arrived.
import sodium from "libsodium-wrappers";
import type { Ctx, Handler, Reply } from "../core";
import type { GithubSandbox } from "./index";
import { now, type StoredSecret, unb64 } from "./state";

/** A secret as GitHub lists it: name and times (and an org secret's visibility), never the value. */
function secretView(s: StoredSecret) {
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

interface SecretBody {
  key_id?: unknown;
  encrypted_value?: unknown;
  visibility?: string;
}

/** PUT a secret: the value must be sealed with the scope's current public key. */
function putSecret(s: GithubSandbox, ctx: Ctx, kind: string): Reply {
  const scope = s.scope(ctx);
  if (!scope) return s.notFound();
  const b = (ctx.body ?? {}) as SecretBody;
  const key = s.state.keys[scope];
  if (b.key_id !== key.keyId)
    return s.problem(422, "unprocessable", "key_id does not match the current public key");
  let value: string;
  try {
    const sealed = unb64(b.encrypted_value as string);
    value = sodium.to_string(
      sodium.crypto_box_seal_open(sealed, unb64(key.publicKey), unb64(key.privateKey)),
    );
  } catch {
    return s.problem(422, "unprocessable", "encrypted_value could not be decrypted with the public key");
  }
  const id = `${scope}/${ctx.params.secret_name}`;
  const at = now();
  const existed = s.state.secrets[id];
  s.state.secrets[id] = {
    scope,
    name: ctx.params.secret_name,
    value,
    ...(kind === "org" ? { visibility: b.visibility } : {}),
    created_at: existed?.created_at ?? at,
    updated_at: at,
  };
  s.save();
  return existed ? { status: 204 } : { status: 201, body: {} };
}

/** The routes of one kind of scope ("repo" or "org"). */
function scopeRoutes(s: GithubSandbox, kind: string): Record<string, Handler> {
  return {
    [`actions/get-${kind}-public-key`]: (ctx) => {
      const scope = s.scope(ctx);
      if (!scope) return s.notFound();
      return { status: 200, body: { key_id: s.state.keys[scope].keyId, key: s.state.keys[scope].publicKey } };
    },
    [`actions/list-${kind}-secrets`]: (ctx) => {
      const scope = s.scope(ctx);
      if (!scope) return s.notFound();
      const all = Object.values(s.state.secrets)
        .filter((x) => x.scope === scope)
        .sort((a, b) => a.name.localeCompare(b.name));
      const perPage = Number(ctx.query.per_page ?? 30);
      const page = Number(ctx.query.page ?? 1);
      const secrets = all.slice((page - 1) * perPage, page * perPage).map(secretView);
      return { status: 200, body: { total_count: all.length, secrets } };
    },
    [`actions/get-${kind}-secret`]: (ctx) => {
      const scope = s.scope(ctx);
      const secret = scope && s.state.secrets[`${scope}/${ctx.params.secret_name}`];
      return secret ? { status: 200, body: secretView(secret) } : s.notFound();
    },
    [`actions/create-or-update-${kind}-secret`]: (ctx) => putSecret(s, ctx, kind),
    [`actions/delete-${kind}-secret`]: (ctx) => {
      const scope = s.scope(ctx);
      const id = `${scope}/${ctx.params.secret_name}`;
      if (!scope || !s.state.secrets[id]) return s.notFound();
      delete s.state.secrets[id];
      s.save();
      return { status: 204 };
    },
  };
}

export function secretRoutes(s: GithubSandbox): Record<string, Handler> {
  return { ...scopeRoutes(s, "repo"), ...scopeRoutes(s, "org") };
}
