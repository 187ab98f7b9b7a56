// The GitHub REST calls of the delivery commands (pull-request comment, incident issues, workflow dispatch),
// with the workflow's own identity: GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_API_URL, which GitHub Actions
// sets for every job (the token is passed to the step explicitly, never to the whole job: the GitHub
// provider would otherwise pick it up).
//
// Lists follow the `Link` header's rel="next" (GitHub paginates issues and comments at 30, at most 100),
// never to another origin than the API's. GET and PATCH are retried on 429, 5xx and network errors; a POST
// only when it was certainly not carried out (429, connection refused), so a comment or an issue is never
// created twice. The token travels over https only (or to this machine, for the stand-ins).
import { isSafeUrl } from "../../providers/http/client";
import { CliError, EXIT } from "../exit";

export interface GithubEnv {
  token: string;
  /** owner/name */
  repository: string;
  apiUrl: string;
}

/** The job's GitHub identity from the environment; names what is missing. */
export function githubEnv(env: NodeJS.ProcessEnv = process.env): GithubEnv {
  const missing = ["GITHUB_TOKEN", "GITHUB_REPOSITORY"].filter((k) => !env[k]);
  if (missing.length)
    throw new CliError(
      `${missing.join(" and ")} must be set (GitHub Actions sets GITHUB_REPOSITORY; pass GITHUB_TOKEN: \${{ github.token }} to the step)`,
      EXIT.usage,
    );
  const repository = String(env.GITHUB_REPOSITORY);
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository))
    throw new CliError(`GITHUB_REPOSITORY must be OWNER/NAME; got "${repository}"`, EXIT.usage);
  const apiUrl = (env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");
  if (!isSafeUrl(apiUrl))
    throw new CliError(`GITHUB_API_URL must be https (or this machine); got "${apiUrl}"`, EXIT.usage);
  return { token: String(env.GITHUB_TOKEN), repository, apiUrl };
}

export class GithubError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`GitHub API ${method} ${path} failed${status ? ` with ${status}` : ""}: ${detail}`);
  }
}

/** rel → URL from a Link header. */
export function parseLink(header: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of String(header ?? "").split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (m) for (const rel of m[2].split(/\s+/)) out[rel] = m[1];
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class GithubRest {
  readonly repoPath: string;

  constructor(
    readonly env: GithubEnv,
    private readonly opts: { retries?: number; baseDelayMs?: number; pageSize?: number } = {},
  ) {
    this.repoPath = `/repos/${env.repository}`;
  }

  /** One call; `path` is below the API root, or an absolute URL on the API's origin (a Link). */
  async call<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; data: T; link: Record<string, string> }> {
    const url = path.startsWith("http") ? path : `${this.env.apiUrl}${path}`;
    if (new URL(url).origin !== new URL(this.env.apiUrl).origin)
      throw new GithubError(method, path, undefined, `refusing to follow a link off ${this.env.apiUrl}`);
    const shown = new URL(url).pathname;
    const retries = this.opts.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            accept: "application/vnd.github+json",
            authorization: `Bearer ${this.env.token}`,
            "x-github-api-version": "2022-11-28",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? "network error";
        const safe = method !== "POST" || code === "ECONNREFUSED";
        if (safe && attempt < retries) {
          await sleep(this.delay(attempt));
          continue;
        }
        throw new GithubError(method, shown, undefined, code);
      }
      const text = await res.text();
      let data: unknown;
      try {
        data = text ? JSON.parse(text) : undefined;
      } catch {
        data = text;
      }
      // the answer is taken to be what the endpoint documents (T); list() checks that a list is one
      if (res.ok) return { status: res.status, data: data as T, link: parseLink(res.headers.get("link")) };
      const retryable = res.status === 429 || (res.status >= 500 && method !== "POST");
      if (retryable && attempt < retries) {
        const after = Number(res.headers.get("retry-after"));
        await sleep(
          Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : this.delay(attempt),
        );
        continue;
      }
      const detail =
        typeof data === "object" && data !== null ? (data as { message?: unknown }).message : undefined;
      const message = detail ? String(detail) : `HTTP ${res.status}`;
      throw new GithubError(method, shown, res.status, message.slice(0, 300));
    }
  }

  private delay(attempt: number): number {
    const base = (this.opts.baseDelayMs ?? 500) * 2 ** attempt;
    return base / 2 + Math.random() * (base / 2);
  }

  /** Every item of a paginated list, following rel="next". */
  async list<T>(path: string, query: Record<string, string | number> = {}): Promise<T[]> {
    const q = new URLSearchParams(
      Object.entries({ per_page: this.opts.pageSize ?? 100, ...query }).map(([k, v]): [string, string] => [
        k,
        String(v),
      ]),
    );
    const items: T[] = [];
    let next: string | undefined = `${path}?${q}`;
    for (let pages = 0; next; pages++) {
      if (pages >= 100) throw new GithubError("GET", path, undefined, "more than 100 pages");
      const page: { data: T[]; link: Record<string, string> } = await this.call<T[]>("GET", next);
      if (!Array.isArray(page.data))
        throw new GithubError("GET", path, undefined, "the answer is not a list");
      items.push(...page.data);
      next = page.link.next;
    }
    return items;
  }
}

export interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string; type: string } | null;
}

export interface Issue {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  state: string;
  labels: ({ name?: string } | string)[];
  pull_request?: unknown;
  created_at: string;
}
