// Starts the stand-ins in-process on ephemeral ports with a throwaway data directory, and wraps their
// admin API for tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import type { Fault } from "../../sandbox/core";
import { type Sandbox, startSandbox } from "../../sandbox/index";

export class Admin {
  constructor(private readonly origin: string) {}

  private async call(method: string, p: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.origin}/__admin${p}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 400) throw new Error(`admin ${method} ${p}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  }

  counts(): Promise<Record<string, number>> {
    return this.call("GET", "/counts");
  }
  requests(): Promise<{ method: string; path: string; route: string; status: number; at: number }[]> {
    return this.call("GET", "/requests");
  }
  violations(): Promise<unknown[]> {
    return this.call("GET", "/violations");
  }
  reset(): Promise<void> {
    return this.call("DELETE", "/requests");
  }
  fault(f: Fault): Promise<void> {
    return this.call("POST", "/faults", f);
  }
  clearFaults(): Promise<void> {
    return this.call("DELETE", "/faults");
  }
  settings(s: Record<string, unknown>): Promise<void> {
    return this.call("POST", "/settings", s);
  }
  expireTokens(): Promise<void> {
    return this.call("POST", "/expire-tokens");
  }
  objects(kind: string): Promise<any[]> {
    return this.call("GET", `/objects/${kind}`);
  }
  object(kind: string, id: string): Promise<any> {
    return this.call("GET", `/objects/${kind}/${id}`);
  }
  edit(kind: string, id: string, patch: unknown): Promise<any> {
    return this.call("PATCH", `/objects/${kind}/${id}`, patch);
  }
  remove(kind: string, id: string): Promise<void> {
    return this.call("DELETE", `/objects/${kind}/${id}`);
  }
}

export interface TestSandbox {
  sandbox: Sandbox;
  url(service: string): string;
  admin(service: string): Admin;
  close(): Promise<void>;
}

/** Starts the stand-ins (all, or only the named ones) on ephemeral ports with a throwaway data directory. */
export async function startTestSandbox(only?: string[]): Promise<TestSandbox> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "sophia-sandbox-"));
  const sandbox = await startSandbox({ dataDir, ephemeral: true, only });
  return {
    sandbox,
    url: (s) => sandbox.services[s].url,
    admin: (s) => new Admin(`http://127.0.0.1:${sandbox.services[s].port}`),
    close: async () => {
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A stand-in for the config object Pulumi hands a dynamic provider's configure(). */
export function providerConfig(values: Record<string, string>, project = "sophia-ai") {
  return {
    config: {
      get: (k: string) => values[k.includes(":") ? k : `${project}:${k}`] ?? values[k],
      require(k: string) {
        const v = this.get(k);
        if (v === undefined) throw new Error(`missing ${k}`);
        return v;
      },
    },
  };
}

/**
 * The config of a stack pointed at the Airbyte stand-in: its URL and sandbox application, then `plain`
 * values and `secrets` (stored as secrets), in the Automation API's ConfigMap shape.
 */
export function airbyteStackConfig(
  airbyteUrl: string,
  plain: Record<string, string>,
  secrets: Record<string, string>,
): Record<string, { value: string; secret?: boolean }> {
  return {
    airbyteApiUrl: { value: airbyteUrl },
    airbyteClientId: { value: AIRBYTE_SANDBOX.clientId },
    airbyteWorkspaceId: { value: AIRBYTE_SANDBOX.workspaceId },
    ...Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, { value: v }])),
    ...Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, { value: v, secret: true }])),
  };
}

/**
 * The frame of a contract-test file: before its tests, starts the stand-ins (`only`, or all) and runs
 * `setup`; before each test, removes the faults a previous one injected; after all, closes them and asserts
 * that no exchange (of the providers or the stand-ins) violated the vendor's description.
 */
export function useContractSandbox(
  only: string[] | undefined,
  setup: (sb: TestSandbox) => Promise<void>,
): void {
  let sb: TestSandbox | undefined;
  const names = () => only ?? Object.keys(sb?.sandbox.services ?? {});
  beforeAll(async () => {
    sb = await startTestSandbox(only);
    await setup(sb);
  });
  beforeEach(async () => {
    await Promise.all(names().map((s) => sb?.admin(s).clearFaults()));
  });
  afterAll(async () => {
    if (!sb) return;
    const violations = (await Promise.all(names().map((s) => sb!.admin(s).violations()))).flat();
    await sb.close();
    expect(violations).toEqual([]);
  });
}
