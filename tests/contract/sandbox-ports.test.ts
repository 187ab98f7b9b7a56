// `npm run sandbox` on a machine others use too: ports from SANDBOX_PORT_*, the stack's URLs follow them,
// and a checkout tells its own stand-ins from another checkout's or another program's.
import { readFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { serve } from "../../sandbox/core";
import { DEFAULT_PORTS, STAND_INS, type StandIn, sandboxPorts } from "../../sandbox/ports";
import { SlackSandbox } from "../../sandbox/slack";
import { followPorts, inspectPorts, loginsTable, portMoves } from "../../scripts/sandbox";
import { sandboxUrls } from "../../scripts/sandboxUrls";

const ROOT = path.resolve(__dirname, "..", "..");

/** Ports nobody listens on: each is bound once by the OS, then released. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<http.Server>((r) => {
          const s = http.createServer();
          s.listen(0, "127.0.0.1", () => r(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function portsWith(overrides: Partial<Record<StandIn, number>>): Promise<Record<StandIn, number>> {
  const free = await freePorts(STAND_INS.length);
  return Object.fromEntries(STAND_INS.map((n, i) => [n, overrides[n] ?? free[i]])) as Record<StandIn, number>;
}

test("Pulumi.sandbox.yaml's stand-in URLs are the ones the default ports give", () => {
  const config = parseYaml(readFileSync(path.join(ROOT, "Pulumi.sandbox.yaml"), "utf8")).config;
  for (const [key, url] of Object.entries(sandboxUrls(sandboxPorts({}))))
    expect([key, config[`sophia-ai:${key}`]]).toEqual([key, url]);
});

test("SANDBOX_PORT_* moves a stand-in and its URLs; a bad or shared port is refused by name", () => {
  const ports = sandboxPorts({ SANDBOX_PORT_GONG: "28004", SANDBOX_PORT_ESTUARY: "28005" });
  expect(ports).toEqual({ ...DEFAULT_PORTS, gong: 28004, estuary: 28005 });
  expect(sandboxUrls(ports)).toMatchObject({
    gongApiUrl: "http://127.0.0.1:28004",
    estuaryApiUrl: "http://127.0.0.1:28005/rest/v1",
    estuaryConfigEncryptionUrl: "http://127.0.0.1:28005",
    airbyteApiUrl: "http://127.0.0.1:18001/v1",
  });
  expect(() => sandboxPorts({ SANDBOX_PORT_LAMBDA: "eighty" })).toThrow(
    'SANDBOX_PORT_LAMBDA must be a port number (1-65535); got "eighty"',
  );
  expect(() => sandboxPorts({ SANDBOX_PORT_VERCEL: "18001" })).toThrow(
    "SANDBOX_PORT_VERCEL and SANDBOX_PORT_AIRBYTE both use port 18001",
  );
});

test("another checkout's stand-in on one of our ports is refused, naming it and the variable to set", async () => {
  const other = await serve(new SlackSandbox(), 0, "/home/someone-else/x/.sandbox-data");
  try {
    const ports = await portsWith({ slack: other.port });
    await expect(inspectPorts(ports, "/work/mine/.sandbox-data")).rejects.toThrow(
      `port ${other.port} (slack) is served by the stand-ins of another checkout (/home/someone-else/x/.sandbox-data); set SANDBOX_PORT_SLACK to a free port`,
    );
    // that same stand-in is ours when we are the one who started it; the other ports are free to start on
    await expect(inspectPorts(ports, "/home/someone-else/x/.sandbox-data")).rejects.toThrow(
      `only 1 of this checkout's ${STAND_INS.length} stand-ins answer`,
    );
  } finally {
    await other.close();
  }
});

test("a program that is not a stand-in on one of our ports is refused; free ports mean start", async () => {
  const foreign = http.createServer((_req, res) => res.end("hello"));
  await new Promise<void>((r) => foreign.listen(0, "127.0.0.1", () => r()));
  try {
    const port = (foreign.address() as AddressInfo).port;
    await expect(inspectPorts(await portsWith({ github: port }), "me")).rejects.toThrow(
      `port ${port} (github) is taken by another program; set SANDBOX_PORT_GITHUB to a free port`,
    );
  } finally {
    await new Promise((r) => foreign.close(r));
  }
  await expect(inspectPorts(await portsWith({}), "me")).resolves.toBe("start");
});

test("all of our own stand-ins answering means running, and they are reused", async () => {
  const free = await freePorts(STAND_INS.length);
  const started = await Promise.all(STAND_INS.map((_n, i) => serve(new SlackSandbox(), free[i], "me")));
  try {
    const ports = Object.fromEntries(STAND_INS.map((n, i) => [n, free[i]])) as Record<StandIn, number>;
    await expect(inspectPorts(ports, "me")).resolves.toBe("running");
  } finally {
    await Promise.all(started.map((s) => s.close()));
  }
});

test("the stack's URL keys follow the ports; keys already right are left alone", async () => {
  const config: Record<string, { value: string; secret?: boolean }> = Object.fromEntries(
    Object.entries(sandboxUrls(sandboxPorts({}))).map(([k, v]) => [`sophia-ai:${k}`, { value: v }]),
  );
  const writes: Record<string, { value: string }>[] = [];
  const stack = {
    getAllConfig: async () => config,
    setAllConfig: async (c: Record<string, { value: string }>) => {
      writes.push(c);
      Object.assign(config, c);
    },
  };
  expect(await followPorts(stack, sandboxPorts({}))).toEqual([]);
  expect(writes).toEqual([]);
  expect(await followPorts(stack, sandboxPorts({ SANDBOX_PORT_PORTKEY: "28006" }))).toEqual([
    "portkeyApiUrl",
  ]);
  expect(writes).toEqual([{ "sophia-ai:portkeyApiUrl": { value: "http://127.0.0.1:28006/v1" } }]);
});

test("every stand-in gives its login, which npm run sandbox prints; README points there and shows today's", async () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const { AIRBYTE_SANDBOX } = await import("../../sandbox/airbyte");
  const { GITHUB_SANDBOX } = await import("../../sandbox/github");
  const { SLACK_SANDBOX } = await import("../../sandbox/slack");
  const { GONG_SANDBOX } = await import("../../sandbox/gong");
  const { ESTUARY_SANDBOX } = await import("../../sandbox/estuary");
  const { PORTKEY_SANDBOX } = await import("../../sandbox/portkey");
  const { OPENROUTER_SANDBOX } = await import("../../sandbox/openrouter");
  const { LAMBDA_SANDBOX } = await import("../../sandbox/lambda");
  const { SNOWFLAKE_SANDBOX } = await import("../../sandbox/snowflake");
  const { AWS_SANDBOX } = await import("../../sandbox/aws");
  const { VERCEL_SANDBOX } = await import("../../sandbox/vercel");
  const logins = [
    AIRBYTE_SANDBOX.clientId,
    AIRBYTE_SANDBOX.clientSecret,
    AIRBYTE_SANDBOX.workspaceId,
    GITHUB_SANDBOX.token,
    `${GITHUB_SANDBOX.owner}/${GITHUB_SANDBOX.repo}`,
    SLACK_SANDBOX.webhookPath,
    GONG_SANDBOX.accessKey,
    GONG_SANDBOX.accessKeySecret,
    ESTUARY_SANDBOX.refreshTokenId,
    ESTUARY_SANDBOX.refreshTokenSecret,
    PORTKEY_SANDBOX.apiKey,
    OPENROUTER_SANDBOX.managementKey,
    LAMBDA_SANDBOX.apiKey,
    SNOWFLAKE_SANDBOX.account,
    SNOWFLAKE_SANDBOX.adminUser,
    SNOWFLAKE_SANDBOX.adminPassword,
    AWS_SANDBOX.admin.accessKeyId,
    AWS_SANDBOX.admin.secretAccessKey,
    AWS_SANDBOX.bucket,
    VERCEL_SANDBOX.token,
    VERCEL_SANDBOX.team.id,
    VERCEL_SANDBOX.project,
  ];
  expect(logins.filter((l) => !readme.includes(l))).toEqual([]);
  const printed = loginsTable(sandboxPorts({}));
  expect(logins.filter((l) => !printed.join("\n").includes(l))).toEqual([]);
  expect(printed.map((line) => line.split(" ")[0])).toEqual(STAND_INS);
  for (const [name, port] of Object.entries(DEFAULT_PORTS)) {
    const line = printed.find((l) => l.startsWith(`${name} `));
    expect([
      name,
      line?.includes(`:${port}: `),
      (line?.length ?? 0) > `${name} http://127.0.0.1:${port}: `.length,
    ]).toEqual([name, true, true]);
  }
  expect(readme).toContain("npm run sandbox -- logins");
});

test("stand-ins already running elsewhere: each moved stand-in is named with the variable that moved it", () => {
  const running = sandboxPorts({});
  expect(portMoves(running, sandboxPorts({}))).toEqual([]);
  expect(portMoves(running, sandboxPorts({ SANDBOX_PORT_GONG: "28004" }))).toEqual([
    "gong runs on 18004, SANDBOX_PORT_GONG asks for 28004",
  ]);
});
