// `sophia check`'s Vercel probe against the Vercel stand-in: the token's owner (GET /v2/user), then the
// program's project in the team the provider acts for (GET /v9/projects/{name}, teamId or slug). An invalid
// token fails at "authenticated", a token without the team at "permitted", a closed port at "reachable";
// a project not created yet passes, saying so. The Vercel Pulumi provider plugin cannot be built here; this
// is the live side of the Vercel integration that can be tested.
import { runChecks } from "../../cli/check";
import type { Values } from "../../cli/probes";
import { VERCEL_SANDBOX as V } from "../../sandbox/vercel";
import { type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;

useContractSandbox(["vercel"], async (started) => {
  sb = started;
});

const values = (overrides: Record<string, string> = {}): Values =>
  new Map(
    Object.entries({
      vercelEnabled: "true",
      vercelApiUrl: sb.url("vercel"),
      vercelProjectName: V.project,
      "vercel:apiToken": V.token,
      "vercel:team": V.team.slug,
      ...overrides,
    })
      .filter(([, v]) => v !== "")
      .map(([k, v]) => [k, { value: v, secret: k === "vercel:apiToken" }]),
  );
const check = async (v: Values, stack = "contract") =>
  (await runChecks(stack, v, { timeoutMs: 10_000, only: ["vercel"] })).checks[0];

it("passes with a team member's token: whose it is, and the project readable in the team (slug or id)", async () => {
  await sb.admin("vercel").reset();
  expect(await check(values())).toMatchObject({
    status: "pass",
    detail: `token of sophia-platform; project ${V.project} readable in team ${V.team.slug}`,
  });
  expect((await sb.admin("vercel").requests()).map((r) => r.path)).toEqual([
    "/v2/user",
    `/v9/projects/${V.project}?slug=${V.team.slug}`,
  ]);
  await sb.admin("vercel").reset();
  expect(await check(values({ "vercel:team": V.team.id }))).toMatchObject({ status: "pass" });
  expect((await sb.admin("vercel").requests()).map((r) => r.path)[1]).toBe(
    `/v9/projects/${V.project}?teamId=${V.team.id}`,
  );
});

it("looks in the personal account when no team is set", async () => {
  await sb.admin("vercel").reset();
  expect(await check(values({ "vercel:team": "" }))).toMatchObject({
    status: "pass",
    detail: `token of sophia-platform; project ${V.project} does not exist in the personal account yet (the next up creates it)`,
  });
  expect((await sb.admin("vercel").requests()).map((r) => r.path)[1]).toBe(`/v9/projects/${V.project}`);
});

it("refuses, at 'config', a token with line breaks and an API URL that would carry it in clear", async () => {
  const broken = await check(values({ "vercel:apiToken": `${V.token}\n` }));
  expect(broken).toMatchObject({ status: "fail", stage: "config" });
  expect(JSON.stringify(broken)).not.toContain(V.token);
  const clear = await check(values({ vercelApiUrl: "http://api.example.com" }));
  expect(clear).toMatchObject({
    status: "fail",
    stage: "config",
    error: "vercelApiUrl must be an https URL (or http on this machine); got http://api.example.com",
  });
});

it("fails an invalid token at 'authenticated', never printing it", async () => {
  const c = await check(values({ "vercel:apiToken": "vercel_wrong_token_9999" }));
  expect(c).toMatchObject({ status: "fail", stage: "authenticated" });
  expect(c.error).toContain("403 forbidden");
  expect(c.recommendation).toContain("vercel:apiToken");
  expect(JSON.stringify(c)).not.toContain("vercel_wrong_token_9999");
});

it("fails a token outside the team at 'permitted', naming the team", async () => {
  const c = await check(values({ "vercel:apiToken": V.outsiderToken }));
  expect(c).toMatchObject({ status: "fail", stage: "permitted" });
  expect(c.error).toBe("the token of someone may not act for team sophia-ai (403 forbidden): Not authorized");
  expect(c.recommendation).toContain("vercel:team");
});

it("passes when the project does not exist yet, with the default project name of the stack", async () => {
  expect(await check(values({ vercelProjectName: "" }), "staging")).toMatchObject({
    status: "pass",
    detail: `token of sophia-platform; project sophia-staging does not exist in team ${V.team.slug} yet (the next up creates it)`,
  });
});

it("fails a closed port at 'reachable', naming the key", async () => {
  const c = await check(values({ vercelApiUrl: "http://127.0.0.1:1" }));
  expect(c).toMatchObject({ status: "fail", stage: "reachable" });
  expect(c.recommendation).toContain("vercelApiUrl");
});
