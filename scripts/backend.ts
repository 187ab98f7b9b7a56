// The state backend's URL: the settings the engine needs beside it, and the URL made safe to print. No
// imports: `sophia` (cli/main.ts) loads it to redact an error message, and that must stay cheap.

/** The engine's PostgreSQL backend (pkg/backend/diy/postgres registers this scheme only). */
export const isPostgresBackend = (url: string): boolean => url.startsWith("postgres://");

/**
 * `text` with every URL's password (`scheme://user:password@host`) and every `password=` parameter
 * replaced by ****. A postgres:// backend URL may carry its password, and the engine repeats the URL in
 * some errors ("unable to open bucket postgres://…").
 */
export function redactCredentials(text: string): string {
  // the password runs to the last @ of the authority (Go's URL parser, the engine's, allows a raw @ in it)
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/]*@/gi, "$1****@")
    .replace(/([?&]password=)[^&\s]*/gi, "$1****");
}

/** The backend for people: a file backend's directory, any other URL without its password. */
export function describeBackend(url: string): string {
  return url.startsWith("file://") ? `${url.slice("file://".length)} (file backend)` : redactCredentials(url);
}

/**
 * The engine's environment for the backend `url`. On PostgreSQL, listing stacks (`pulumi stack ls`, the
 * Automation API's listStacks) runs PULUMI_DIY_BACKEND_PARALLEL workers (default 10) that each hold one
 * database connection while waiting for a second, from a pool of 2 × GOMAXPROCS: once the workers can
 * hold the whole pool (4 stacks on 2 CPUs) it deadlocks (Pulumi 3.248). One worker never does.
 */
export function backendEnv(url: string): Record<string, string> {
  return isPostgresBackend(url)
    ? { PULUMI_BACKEND_URL: url, PULUMI_DIY_BACKEND_PARALLEL: process.env.PULUMI_DIY_BACKEND_PARALLEL || "1" }
    : { PULUMI_BACKEND_URL: url };
}
