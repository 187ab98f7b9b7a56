// `sophia check` against vendors that answer but cannot serve: every integration with an HTTP API, its
// stand-in answering 503 or 429 (the stand-ins' fault API), at its first call and, where the probe makes
// more than one, at a later one. Each must fail at "reachable", name the status, and advise to retry later
// and see the vendor's status page — never to check the credentials, which the vendor did not judge. Then
// the vendors' own rate-limit answers that are not a 429: GitHub's 403 with no requests left, STS's 400
// Throttling (a tiny local server plays each).
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { runChecks } from "../../cli/check";
import type { Values } from "../../cli/probes";
import { type TestSandbox, useContractSandbox } from "../helpers/sandbox";
import { HTTP_INTEGRATIONS, standInConfig } from "../helpers/standInConfig";

jest.setTimeout(60_000);

/**
 * Probes that make more than one call, so that a fault after the first (skip: 1) hits a later stage: the
 * Airbyte workspace, S3 after STS, the Vercel project, Gong's profiles, Estuary's encryption service,
 * OpenRouter's model list. (Snowflake's driver retries a statement's 503 for minutes, past any timeout:
 * only its login can be told apart.)
 */
const MULTI_CALL = ["airbyte", "aws", "vercel", "gong", "estuary", "openrouter"];

let sb: TestSandbox;
let savedGithubApi: string | undefined;

useContractSandbox(HTTP_INTEGRATIONS, async (started) => {
  sb = started;
  savedGithubApi = process.env.GITHUB_API_URL;
  process.env.GITHUB_API_URL = sb.url("github");
});
afterAll(() => {
  if (savedGithubApi === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = savedGithubApi;
});

function values(overrides: Record<string, string> = {}): Values {
  const { plain, secret } = standInConfig(sb);
  const all: Record<string, string> = { ...plain, ...secret, ...overrides };
  return new Map(Object.entries(all).map(([k, v]) => [k, { value: v, secret: k in secret }]));
}

const check = async (only: string[], v = values()) => {
  const report = await runChecks("contract", v, { timeoutMs: 20_000, only });
  return Object.fromEntries(report.checks.map((c) => [c.integration, c]));
};

/** What every "unavailable" result must be, as [integration, stage, status named, advice] for one diff. */
const expectUnavailable = (r: Awaited<ReturnType<typeof check>>, names: string[], status: number) => {
  const seen = names.map((n) => [
    n,
    r[n].status,
    r[n].stage,
    new RegExp(`\\banswered ${status}\\b`).test(r[n].error ?? "") || r[n].error,
    /^retry later; .*\(see .*(status|Health Dashboard)/.test(r[n].recommendation ?? "") ||
      r[n].recommendation,
    /\b(credentials?|keys?|tokens?|passwords?|secrets?)\b/i.test(r[n].recommendation ?? "") &&
      r[n].recommendation,
  ]);
  expect(seen).toEqual(names.map((n) => [n, "fail", "reachable", true, true, false]));
};

describe.each([503, 429])("every HTTP integration answering %i", (status) => {
  test("at its first call: 'reachable', the status named, retry later", async () => {
    for (const s of HTTP_INTEGRATIONS) await sb.admin(s).fault({ route: "*", status });
    expectUnavailable(await check(HTTP_INTEGRATIONS), HTTP_INTEGRATIONS, status);
  });

  test("at a later call (after the credentials were accepted): the same", async () => {
    for (const s of MULTI_CALL) await sb.admin(s).fault({ route: "*", status, skip: 1 });
    expectUnavailable(await check(MULTI_CALL), MULTI_CALL, status);
  });
});

test("with the faults gone, every probe passes (the table above tested outages, not bad settings)", async () => {
  const r = await check(HTTP_INTEGRATIONS);
  expect(HTTP_INTEGRATIONS.map((n) => [n, r[n].status])).toEqual(HTTP_INTEGRATIONS.map((n) => [n, "pass"]));
});

/** A local server answering every request with `reply`. */
async function answering(
  reply: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => reply(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test("GitHub's rate-limit 403 (no requests left) is 'reachable', not a permission problem", async () => {
  const gh = await answering((_req, res) => {
    res.writeHead(403, {
      "content-type": "application/json",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 600),
    });
    res.end(JSON.stringify({ message: "API rate limit exceeded for user ID 1." }));
  });
  process.env.GITHUB_API_URL = gh.url;
  try {
    const r = await check(["github"]);
    expect(r.github).toMatchObject({ status: "fail", stage: "reachable" });
    expect(r.github.error).toBe("GitHub answered 403 (rate limited)");
    expect(r.github.recommendation).toBe("retry later; GitHub is rate limited (see githubstatus.com)");
  } finally {
    process.env.GITHUB_API_URL = sb.url("github");
    await gh.close();
  }
});

test("STS's throttling (400 Throttling) is 'reachable', not a refusal of the credentials", async () => {
  const sts = await answering((_req, res) => {
    res.writeHead(400, { "content-type": "text/xml" });
    res.end(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
    );
  });
  try {
    const r = await check(["aws"], values({ "aws:endpoints": JSON.stringify([{ sts: sts.url }]) }));
    expect(r.aws).toMatchObject({ status: "fail", stage: "reachable" });
    expect(r.aws.error).toBe("AWS STS answered 400 (rate limited): Throttling");
    expect(r.aws.recommendation).toBe("retry later; AWS is rate limited (see the AWS Health Dashboard)");
  } finally {
    await sts.close();
  }
});

test("an answer that is neither an outage nor a refusal names the URL to check, not 'retry later'", async () => {
  await sb.admin("airbyte").fault({ route: "POST /applications/token", status: 404 });
  await sb.admin("portkey").fault({ route: "*", status: 400 });
  const r = await check(["airbyte", "portkey"]);
  expect(r.airbyte).toMatchObject({
    status: "fail",
    stage: "reachable",
    error: "Airbyte answered 404 for POST /applications/token",
    recommendation: "check airbyteApiUrl (no Airbyte API there)",
  });
  expect(r.portkey).toMatchObject({
    status: "fail",
    stage: "reachable",
    recommendation: "check portkeyApiUrl",
  });
  expect(r.portkey.error).toMatch(/^Portkey answered 400: /);
});
