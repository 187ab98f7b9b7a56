// `sophia check` for Vercel: the token is valid (GET /v2/user: authenticated) and may read the program's
// project in the team the provider acts for (GET /v9/projects: permitted; absent is fine before `up`).
import { http, isUnavailable, ProbeFailure, unavailable } from "../../cli/probeKit";
import { defaultNamePrefix } from "../../config";
import { isSafeUrl } from "../../providers/http/client";
import { type Probe, requirement } from "../spec";
import { STACK } from "../stack/keys";
import { VERCEL } from "./keys";

const { vercelApiUrl, vercelProjectName } = VERCEL;

interface VercelError {
  code?: string;
  message?: string;
  invalidToken?: boolean;
}

/** Vercel's error body, {error: {code, message}} (empty when the body is not one). */
async function vercelError(res: Response): Promise<VercelError> {
  const body = (await res.json().catch(() => ({}))) as { error?: VercelError };
  return body.error ?? {};
}

const notVercel = `check ${vercelApiUrl.name}: the service there did not answer as Vercel's API would`;

/** The token travels in a header: printable, and only to https (or this machine). */
function checkSettings(base: string, token: string): void {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ProbeFailure(
      "config",
      "vercel:apiToken holds spaces, line breaks or other characters a token cannot have",
      "set vercel:apiToken again, without surrounding whitespace",
    );
  }
  if (!isSafeUrl(base)) {
    throw new ProbeFailure(
      "config",
      `${vercelApiUrl.name} must be an https URL (or http on this machine); got ${base}`,
      `fix ${vercelApiUrl.name}`,
    );
  }
}

/** GET /v2/user: whose token it is. */
async function tokenUser(
  base: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<string> {
  const me = await http(`${base}/v2/user`, { headers }, signal, "the Vercel API", vercelApiUrl.name);
  if (!me.ok) {
    const e = await vercelError(me);
    if (me.status === 401 || me.status === 403 || e.invalidToken) {
      throw new ProbeFailure(
        "authenticated",
        `Vercel refused the token (${me.status} ${e.code ?? ""}): ${e.message ?? ""}`.trim(),
        "check vercel:apiToken; it may have expired or been revoked",
      );
    }
    if (isUnavailable(me.status)) throw unavailable("Vercel", me.status, e.message ?? "");
    throw new ProbeFailure("reachable", `Vercel answered ${me.status}: ${e.message ?? ""}`, notVercel);
  }
  const { user } = (await me.json()) as { user: { username: string } };
  return user.username;
}

/** The query naming the team the provider acts for (vercel:team: an id or a slug), or none. */
const teamScope = (team: string) =>
  team
    ? team.startsWith("team_")
      ? `?teamId=${encodeURIComponent(team)}`
      : `?slug=${encodeURIComponent(team)}`
    : "";

/** What GET /v9/projects/<project> answered, for the token of `username` acting for `where`. */
async function projectVerdict(
  res: Response,
  username: string,
  project: string,
  where: string,
): Promise<string> {
  if (res.status === 403) {
    const e = await vercelError(res);
    throw new ProbeFailure(
      "permitted",
      `the token of ${username} may not act for ${where} (403 ${e.code ?? ""}): ${e.message ?? ""}`.trim(),
      "check vercel:team, and that the token's scope includes that team (Vercel → Account Settings → Tokens)",
    );
  }
  if (res.status === 404) {
    const e = await vercelError(res);
    if (e.code !== "not_found") {
      throw new ProbeFailure(
        "reachable",
        `Vercel answered 404 ${e.code ?? ""}: ${e.message ?? ""}`,
        `check ${vercelApiUrl.name}`,
      );
    }
    return `token of ${username}; project ${project} does not exist in ${where} yet (the next up creates it)`;
  }
  if (isUnavailable(res.status)) {
    throw unavailable("Vercel", res.status, (await vercelError(res)).message ?? "");
  }
  if (!res.ok) throw new ProbeFailure("reachable", `Vercel answered ${res.status}`, notVercel);
  return `token of ${username}; project ${project} readable in ${where}`;
}

export const PROBE: Probe = {
  requires: [{ key: "vercel:apiToken", secret: true }, requirement(vercelApiUrl)],
  run: async (get, signal, stack) => {
    const base = get(vercelApiUrl.name).replace(/\/+$/, "");
    const token = get("vercel:apiToken");
    checkSettings(base, token);
    const headers = { authorization: `Bearer ${token}` };
    const username = await tokenUser(base, headers, signal);
    // the program's project, in the team the provider acts for
    const project = get(vercelProjectName.name) || get(STACK.namePrefix.name) || defaultNamePrefix(stack);
    const team = get("vercel:team");
    const res = await http(
      `${base}/v9/projects/${encodeURIComponent(project)}${teamScope(team)}`,
      { headers },
      signal,
      "the Vercel API",
      vercelApiUrl.name,
    );
    return projectVerdict(res, username, project, team ? `team ${team}` : "the personal account");
  },
};
