// The state backend's URL (scripts/backend.ts, scripts/lib.ts): which backend a local stack uses, what the
// engine gets beside a postgres:// URL, and the URL's password kept out of what is printed.
import * as path from "node:path";
import { backendEnv, describeBackend, redactCredentials } from "../../scripts/backend";
import { localBackendUrl, localEnv, ROOT } from "../../scripts/lib";

const PG = "postgres://pulumi_state:s3cr%40t:x@db.example.com:5432/pulumi_state?sslmode=verify-full";

describe("redactCredentials", () => {
  test("masks the password of every URL in a text, and password= parameters", () => {
    expect(redactCredentials(`error: unable to open bucket ${PG}: failed to ping PostgreSQL`)).toBe(
      "error: unable to open bucket postgres://pulumi_state:****@db.example.com:5432/pulumi_state?sslmode=verify-full: failed to ping PostgreSQL",
    );
    expect(redactCredentials("a s3://k:v@b and postgres://u:p@h/d?password=p2&sslmode=disable")).toBe(
      "a s3://k:****@b and postgres://u:****@h/d?password=****&sslmode=disable",
    );
    // a raw @ in the password (Go's URL parser takes the last @ of the authority): none of it shows
    expect(redactCredentials("open postgres://u:p@ss@w0rd@h:5432/d failed")).toBe(
      "open postgres://u:****@h:5432/d failed",
    );
  });

  test("leaves URLs without a password, and other text, as they are", () => {
    for (const text of [
      "postgres://pulumi_state@db.example.com:5432/pulumi_state",
      "postgres://****:****@127.0.0.1:55432/pulumi_state/.pulumi/locks/x.json?sslmode=disable: created by a@b",
      "file:///tmp/state",
      "stack a:b@c is not a URL",
    ])
      expect(redactCredentials(text)).toBe(text);
  });
});

test("describeBackend: a file backend's directory, another backend's URL without its password", () => {
  expect(describeBackend("file:///tmp/state")).toBe("/tmp/state (file backend)");
  expect(describeBackend(PG)).toBe(
    "postgres://pulumi_state:****@db.example.com:5432/pulumi_state?sslmode=verify-full",
  );
});

describe("backendEnv", () => {
  const saved = process.env.PULUMI_DIY_BACKEND_PARALLEL;
  afterEach(() => {
    if (saved === undefined) delete process.env.PULUMI_DIY_BACKEND_PARALLEL;
    else process.env.PULUMI_DIY_BACKEND_PARALLEL = saved;
  });

  test("a postgres:// backend lists stacks with one worker unless PULUMI_DIY_BACKEND_PARALLEL says", () => {
    delete process.env.PULUMI_DIY_BACKEND_PARALLEL;
    expect(backendEnv(PG)).toEqual({ PULUMI_BACKEND_URL: PG, PULUMI_DIY_BACKEND_PARALLEL: "1" });
    process.env.PULUMI_DIY_BACKEND_PARALLEL = "3";
    expect(backendEnv(PG).PULUMI_DIY_BACKEND_PARALLEL).toBe("3");
  });

  test("other backends get the URL only", () => {
    expect(backendEnv("file:///tmp/state")).toEqual({ PULUMI_BACKEND_URL: "file:///tmp/state" });
    expect(backendEnv("s3://bucket")).toEqual({ PULUMI_BACKEND_URL: "s3://bucket" });
  });
});

describe("localBackendUrl", () => {
  const saved = process.env.PULUMI_BACKEND_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.PULUMI_BACKEND_URL;
    else process.env.PULUMI_BACKEND_URL = saved;
  });

  test("backendDir, else backendUrl, else PULUMI_BACKEND_URL, else .pulumi-state/", () => {
    process.env.PULUMI_BACKEND_URL = PG;
    const dir = path.join(ROOT, ".pulumi-state");
    expect(localBackendUrl({ stackName: "sandbox", backendDir: dir, backendUrl: "s3://b" })).toBe(
      `file://${dir}`,
    );
    expect(localBackendUrl({ stackName: "sandbox", backendUrl: "s3://b" })).toBe("s3://b");
    expect(localBackendUrl({ stackName: "sandbox" })).toBe(PG);
    process.env.PULUMI_BACKEND_URL = "";
    expect(localBackendUrl({ stackName: "sandbox" })).toBe(`file://${dir}`);
  });

  test("the sandbox on PostgreSQL keeps its published passphrase", () => {
    process.env.PULUMI_BACKEND_URL = PG;
    expect(localEnv({ stackName: "sandbox" })).toMatchObject({
      PULUMI_BACKEND_URL: PG,
      PULUMI_DIY_BACKEND_PARALLEL: expect.any(String),
      PULUMI_CONFIG_PASSPHRASE: "sophia-sandbox",
    });
  });
});
