// Contract tests: every method of the Lambda Cloud dynamic providers (SSH key, file system, instance)
// against the Lambda stand-in, including the failures the real API produces (429 with Retry-After, 5xx,
// dropped connections after a create, bad credentials, capacity and quota refusals, a file system in use,
// drift and out-of-band deletes). The stand-in validates every exchange against Lambda's published
// description; afterAll asserts the providers caused no violation.
//
// Timing: the stand-in's limits, boot and termination delays are shortened through its settings, and the
// client's pacing and polling through setLambdaClientOptions, so the file runs in seconds.
import { createPublicKey } from "node:crypto";
import { UNKNOWN } from "../../providers/dynamic";
import { isApiError } from "../../providers/http/client";
import {
  LambdaClient,
  type LambdaClientOptions,
  lambdaSettings,
  setLambdaClientOptions,
} from "../../providers/lambda/client";
import { fileSystemProvider } from "../../providers/lambda/fileSystem";
import { instanceProvider } from "../../providers/lambda/instance";
import { sshKeyProvider } from "../../providers/lambda/sshKey";
import { LAMBDA_SANDBOX } from "../../sandbox/lambda";
import { type Admin, providerConfig, type TestSandbox, useContractSandbox } from "../helpers/sandbox";

let sb: TestSandbox;
let admin: Admin;
let url: string;

const FAST: LambdaClientOptions = {
  minIntervalMs: 0,
  launchIntervalMs: 0,
  pollIntervalMs: 40,
  activeTimeoutMs: 5000,
  terminateTimeoutMs: 5000,
  detachTimeoutMs: 200,
  baseDelayMs: 5,
  maxRetries: 3,
};
const FAST_SANDBOX = {
  requestsPerWindow: 10_000,
  windowMs: 1000,
  launchIntervalMs: 0,
  bootMs: 250,
  terminateMs: 250,
};

const PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICN+lJwsONkwrdsSnQsu1ydUkIuIg5oOC+Eslvmtt60T contract";
const PUB2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFq0m8Q1vM2tP9fYx7Sg3dXl2b0oV3kqk1r9wJ2h8c4Z other";

const client = (o: LambdaClientOptions = FAST, apiKey = LAMBDA_SANDBOX.apiKey) =>
  new LambdaClient({ apiUrl: url, apiKey }, o);

async function key(name: string) {
  return sshKeyProvider.create!({ name, publicKey: PUB });
}

useContractSandbox(["lambda"], async (started) => {
  sb = started;
  admin = sb.admin("lambda");
  url = sb.url("lambda");
  await admin.settings(FAST_SANDBOX);
  setLambdaClientOptions(FAST);
  const cfg = providerConfig({
    "sophia-ai:lambdaApiUrl": url,
    "sophia-ai:lambdaApiKey": LAMBDA_SANDBOX.apiKey,
  });
  await sshKeyProvider.configure!(cfg);
  await fileSystemProvider.configure!(cfg);
  await instanceProvider.configure!(cfg);
});

afterAll(() => {
  setLambdaClientOptions(undefined);
});

describe("settings and check", () => {
  it("names the missing credential", () => {
    const saved = process.env.LAMBDA_API_KEY;
    delete process.env.LAMBDA_API_KEY;
    try {
      expect(() => lambdaSettings(() => undefined)).toThrow(
        "Lambda: missing config `lambdaApiKey` (or LAMBDA_API_KEY)",
      );
      expect(lambdaSettings((k) => (k === "lambdaApiKey" ? "k" : undefined)).apiUrl).toBe(
        "https://cloud.lambda.ai",
      );
    } finally {
      if (saved !== undefined) process.env.LAMBDA_API_KEY = saved;
    }
  });

  it("names each invalid property and calls no API", async () => {
    await admin.reset();
    const pasted = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n";
    const k = await sshKeyProvider.check!({} as any, { name: "", publicKey: pasted } as any);
    expect(k.failures!.map((f) => f.property).sort()).toEqual(["name", "publicKey"]);
    expect(JSON.stringify(k.failures)).not.toContain("b3BlbnNzaC1rZXktdjEAAAAA");
    // a .pub file's trailing newline is dropped, as Lambda drops it
    const ok = await sshKeyProvider.check!({} as any, { name: "k", publicKey: `${PUB}\n` });
    expect(ok).toEqual({ inputs: { name: "k", publicKey: PUB }, failures: [] });
    const f = await fileSystemProvider.check!({} as any, { name: "1bad name", region: "mars-1" } as any);
    expect(f.failures!.map((x) => x.property).sort()).toEqual(["name", "region"]);
    const i = await instanceProvider.check!(
      {} as any,
      { name: "x".repeat(65), instanceType: "GPU 1x", region: "us-east-1", sshKeyNames: ["a", "b"] } as any,
    );
    expect(i.failures!.map((x) => x.property).sort()).toEqual(["instanceType", "name", "sshKeyNames"]);
    expect(i.failures!.find((x) => x.property === "sshKeyNames")!.reason).toMatch(/exactly one/);
    expect(await admin.requests()).toEqual([]);
  });

  it("accepts unknown values during preview", async () => {
    const res = await instanceProvider.check!(
      {} as any,
      {
        name: "n",
        instanceType: "gpu_1x_a10",
        region: "us-east-1",
        sshKeyNames: [UNKNOWN],
        fileSystemNames: UNKNOWN,
      } as any,
    );
    expect(res.failures).toEqual([]);
    const k = await sshKeyProvider.check!({} as any, { name: "k", publicKey: UNKNOWN } as any);
    expect(k.failures).toEqual([]);
  });
});

describe("SSH keys", () => {
  it("imports a key, adopts it by name, and replaces an orphan with another public key", async () => {
    const created = await key("imported");
    expect(created.outs).toMatchObject({ name: "imported", publicKey: PUB, generated: false });
    expect(created.outs!.privateKey).toBeUndefined();
    const again = await key("imported");
    expect(again.id).toBe(created.id);
    const read = await sshKeyProvider.read!(created.id, created.outs!);
    expect(
      (await sshKeyProvider.diff!(created.id, read.props!, { name: "imported", publicKey: PUB })).changes,
    ).toBe(false);
    // the name is this stack's, so a key of it the state does not hold is an orphan: the declared key replaces it
    const other = await sshKeyProvider.create!({ name: "imported", publicKey: PUB2 });
    expect(other.outs).toMatchObject({ name: "imported", publicKey: PUB2.trim(), generated: false });
    expect((await admin.objects("sshKeys")).filter((k) => k.name === "imported").map((k) => k.id)).toEqual([
      other.id,
    ]);
    await sshKeyProvider.delete!(other.id, other.outs!);
    expect(await admin.objects("sshKeys")).toEqual([]);
  });

  it("generates a pair when no public key is given and keeps the private key it returned once", async () => {
    const created = await sshKeyProvider.create!({ name: "generated" });
    expect(created.outs!.generated).toBe(true);
    expect(created.outs!.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(created.outs!.publicKey).toMatch(/^ssh-ed25519 /);
    // Lambda keeps no private key, so a read keeps the one from the create answer
    expect(JSON.stringify(await admin.objects("sshKeys"))).not.toContain("PRIVATE KEY");
    const read = await sshKeyProvider.read!(created.id, created.outs!);
    expect(read.props!.privateKey).toBe(created.outs!.privateKey);
    expect((await sshKeyProvider.diff!(created.id, read.props!, { name: "generated" })).changes).toBe(false);
    await sshKeyProvider.delete!(created.id, read.props!);
  });

  it("replaces an orphaned generated key (its private key unreadable) with a new pair, leaving one", async () => {
    // an interrupted run added the key under the generated name, and its answer (the private key) was lost
    const orphan = await client().addSshKey({ name: "sophia-dev-orphan" }, async () => undefined);
    const created = await sshKeyProvider.create!({ name: "sophia-dev-orphan" });
    const stored = (await admin.objects("sshKeys")).filter((k) => k.name === "sophia-dev-orphan");
    expect(stored.map((k) => k.id)).toEqual([created.id]);
    expect(created.id).not.toBe(orphan.id);
    // the private key in the outputs is the pair of the public key Lambda holds
    const jwk = createPublicKey(created.outs!.privateKey!).export({ format: "jwk" });
    const blob = Buffer.from(stored[0].public_key.split(" ")[1], "base64");
    expect(blob.subarray(-32).toString("base64url")).toBe(jwk.x);
    await sshKeyProvider.delete!(created.id, created.outs!);
  });

  it("replaces on any change, deleting first when the name stays", async () => {
    const olds = { name: "k", importedPublicKey: PUB, publicKey: PUB, keyId: "x", generated: false } as any;
    expect(await sshKeyProvider.diff!("x", olds, { name: "k", publicKey: PUB2 })).toMatchObject({
      changes: true,
      replaces: ["publicKey"],
      deleteBeforeReplace: true,
    });
    expect(await sshKeyProvider.diff!("x", olds, { name: "k2", publicKey: PUB })).toMatchObject({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
    });
    expect((await sshKeyProvider.diff!("x", olds, { name: "k" })).replaces).toEqual(["publicKey"]);
  });

  it("shows an out-of-band rename as drift, and an out-of-band delete as gone", async () => {
    const created = await key("drifting");
    await admin.edit("sshKeys", created.id, { name: "renamed-by-hand" });
    const read = await sshKeyProvider.read!(created.id, created.outs!);
    expect(read.props!.name).toBe("renamed-by-hand");
    expect(
      (await sshKeyProvider.diff!(created.id, read.props!, { name: "drifting", publicKey: PUB })).replaces,
    ).toEqual(["name"]);
    await admin.remove("sshKeys", created.id);
    expect((await sshKeyProvider.read!(created.id, created.outs!)).id).toBe("");
    await expect(sshKeyProvider.delete!(created.id, created.outs!)).resolves.toBeUndefined();
  });

  it("does not duplicate a key when the connection drops after the API added it", async () => {
    await admin.fault({ route: "POST /api/v1/ssh-keys", dropAfter: true, count: 1 });
    const imported = await key("dropped");
    expect((await admin.objects("sshKeys")).filter((k) => k.name === "dropped").map((k) => k.id)).toEqual([
      imported.id,
    ]);
    // a generated pair whose answer was lost is removed and generated again: the one kept has a private key
    await admin.fault({ route: "POST /api/v1/ssh-keys", dropAfter: true, count: 1 });
    const gen = await sshKeyProvider.create!({ name: "dropped-generated" });
    const stored = (await admin.objects("sshKeys")).filter((k) => k.name === "dropped-generated");
    expect(stored.map((k) => k.id)).toEqual([gen.id]);
    expect(gen.outs!.privateKey).toMatch(/PRIVATE KEY/);
    expect(stored[0].public_key).toBe(gen.outs!.publicKey);
    await sshKeyProvider.delete!(imported.id, imported.outs!);
    await sshKeyProvider.delete!(gen.id, gen.outs!);
  });
});

describe("file systems", () => {
  it("creates, adopts by name, shows drift, and deletes", async () => {
    const created = await fileSystemProvider.create!({ name: "datasets", region: "us-east-1" });
    expect(created.outs).toMatchObject({
      name: "datasets",
      region: "us-east-1",
      mountPoint: "/lambda/nfs/datasets",
      isInUse: false,
    });
    expect((await fileSystemProvider.create!({ name: "datasets", region: "us-east-1" })).id).toBe(created.id);
    await admin.edit("filesystems", created.id, { region: "us-west-1" });
    const read = await fileSystemProvider.read!(created.id, created.outs!);
    expect(read.props!.region).toBe("us-west-1");
    expect(
      await fileSystemProvider.diff!(created.id, read.props!, { name: "datasets", region: "us-east-1" }),
    ).toMatchObject({ changes: true, replaces: ["region"], deleteBeforeReplace: true });
    await fileSystemProvider.delete!(created.id, read.props!);
    expect((await fileSystemProvider.read!(created.id, read.props!)).id).toBe("");
    // deleting again (the API answers 404) is fine
    await expect(fileSystemProvider.delete!(created.id, read.props!)).resolves.toBeUndefined();
  });

  it("does not duplicate a file system when the connection drops after the API created it", async () => {
    await admin.fault({ route: "POST /api/v1/filesystems", dropAfter: true, count: 1 });
    const created = await fileSystemProvider.create!({ name: "dropped-fs", region: "us-west-1" });
    expect(
      (await admin.objects("filesystems")).filter((f) => f.name === "dropped-fs").map((f) => f.id),
    ).toEqual([created.id]);
    await fileSystemProvider.delete!(created.id, created.outs!);
  });

  it("refuses to delete a file system in use with the API's code, and deletes it once detached", async () => {
    const k = await key("fs-user");
    const fs = await fileSystemProvider.create!({ name: "shared", region: "us-east-1" });
    const inst = await instanceProvider.create!({
      name: "mounts-shared",
      instanceType: "gpu_1x_a10",
      region: "us-east-1",
      sshKeyNames: ["fs-user"],
      fileSystemNames: ["shared"],
    });
    expect((await fileSystemProvider.read!(fs.id, fs.outs!)).props!.isInUse).toBe(true);
    await expect(fileSystemProvider.delete!(fs.id, fs.outs!)).rejects.toThrow(
      /failed with 400: filesystems\/filesystem-in-use: .*\(Terminate the instances that use the filesystem/,
    );
    await instanceProvider.delete!(inst.id, inst.outs!); // waits until terminated: the mount is released
    await fileSystemProvider.delete!(fs.id, fs.outs!);
    expect((await admin.objects("filesystems")).map((f) => f.name)).not.toContain("shared");
    await sshKeyProvider.delete!(k.id, k.outs!);
  });
});

describe("instances", () => {
  const inputs = (name: string) => ({
    name,
    instanceType: "gpu_1x_a10",
    region: "us-east-1",
    sshKeyNames: ["inst-key"],
  });
  let keyId: string;
  let keyOuts: any;
  beforeAll(async () => {
    const k = await key("inst-key");
    keyId = k.id;
    keyOuts = k.outs;
  });
  afterAll(async () => {
    await sshKeyProvider.delete!(keyId, keyOuts);
  });

  it("launches, waits until active, adopts by name, renames, and terminates", async () => {
    await admin.reset();
    const created = await instanceProvider.create!(inputs("trainer"));
    expect(created.outs).toMatchObject({ name: "trainer", status: "active", instanceType: "gpu_1x_a10" });
    expect(created.outs!.ip).toMatch(/^198\.51\.100\.\d+$/);
    const polls = (await admin.requests()).filter((r) => r.route === "GET /api/v1/instances/{id}");
    expect(polls.length).toBeGreaterThan(1); // it was booting first

    const adopted = await instanceProvider.create!(inputs("trainer"));
    expect(adopted.id).toBe(created.id);
    expect((await admin.counts())["POST /api/v1/instance-operations/launch"]).toBe(1);

    const diff = await instanceProvider.diff!(created.id, created.outs!, inputs("trainer-2"));
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const updated = await instanceProvider.update!(created.id, created.outs!, inputs("trainer-2"));
    expect(updated.outs!.name).toBe("trainer-2");
    expect((await admin.object("instances", created.id)).name).toBe("trainer-2");

    await instanceProvider.delete!(created.id, updated.outs!);
    expect((await admin.object("instances", created.id)).status).toBe("terminated");
    expect((await instanceProvider.read!(created.id, updated.outs!)).id).toBe("");
    await expect(instanceProvider.delete!(created.id, updated.outs!)).resolves.toBeUndefined();
  });

  it("replaces what the API cannot change, terminating first when the name stays", async () => {
    const olds = { ...inputs("x"), instanceId: "i", status: "active" } as any;
    expect(
      await instanceProvider.diff!("i", olds, { ...inputs("x"), instanceType: "gpu_1x_a100_sxm4" }),
    ).toMatchObject({ changes: true, replaces: ["instanceType"], deleteBeforeReplace: true });
    expect(
      (
        await instanceProvider.diff!("i", olds, {
          ...inputs("x"),
          region: "us-west-1",
          fileSystemNames: ["a"],
        })
      ).replaces,
    ).toEqual(["region", "fileSystemNames"]);
    expect(
      (await instanceProvider.diff!("i", olds, { ...inputs("x"), sshKeyNames: [UNKNOWN] })).replaces,
    ).toEqual(["sshKeyNames"]);
    expect((await instanceProvider.diff!("i", olds, inputs("x"))).changes).toBe(false);
  });

  it("shows drift, and an instance terminated out of band as gone", async () => {
    const created = await instanceProvider.create!(inputs("drifter"));
    await admin.edit("instances", created.id, { name: "renamed-by-hand" });
    const read = await instanceProvider.read!(created.id, created.outs!);
    expect(read.props!.name).toBe("renamed-by-hand");
    expect(await instanceProvider.diff!(created.id, read.props!, inputs("drifter"))).toMatchObject({
      changes: true,
      replaces: [],
    });
    await admin.edit("instances", created.id, { status: "terminated" });
    expect((await instanceProvider.read!(created.id, read.props!)).id).toBe("");
    await expect(instanceProvider.delete!(created.id, read.props!)).resolves.toBeUndefined();
    await admin.remove("instances", created.id);
    expect((await instanceProvider.read!(created.id, read.props!)).id).toBe("");
    await expect(instanceProvider.delete!(created.id, read.props!)).resolves.toBeUndefined();
  });

  it("reports capacity and quota refusals with the API's code and suggestion", async () => {
    await admin.settings({ insufficientCapacity: ["gpu_8x_h100_sxm5"] });
    try {
      const err = await instanceProvider.create!({
        ...inputs("big"),
        instanceType: "gpu_8x_h100_sxm5",
      }).catch((e) => e);
      expect(isApiError(err)).toBe(true);
      expect(err.status).toBe(400);
      expect(err.message).toMatch(
        /launch failed with 400: instance-operations\/launch\/insufficient-capacity: Not enough capacity to fulfill launch request\. \(Choose an instance type/,
      );
    } finally {
      await admin.settings({ insufficientCapacity: false });
    }
    await admin.settings({ instanceQuota: 0 });
    try {
      await expect(instanceProvider.create!(inputs("over-quota"))).rejects.toThrow(
        /global\/quota-exceeded: Quota exceeded\. \(Contact Support to increase your quota\.\)/,
      );
    } finally {
      await admin.settings({ instanceQuota: 8 });
    }
    const live = (await admin.objects("instances")).filter((i) => ["big", "over-quota"].includes(i.name));
    expect(live).toEqual([]);
  });

  it("terminates an instance that is not active in time, so nothing is left billing", async () => {
    setLambdaClientOptions({ ...FAST, activeTimeoutMs: 200 });
    await admin.settings({ bootMs: 60_000 });
    try {
      await expect(instanceProvider.create!(inputs("slow-boot"))).rejects.toThrow(
        /was not active within 1 s \(still "booting"\); it was terminated/,
      );
      const [stored] = (await admin.objects("instances")).filter((i) => i.name === "slow-boot");
      expect(stored.status).toBe("terminated");
    } finally {
      setLambdaClientOptions(FAST);
      await admin.settings({ bootMs: FAST_SANDBOX.bootMs });
    }
  });

  it("does not launch twice when the connection drops after the API launched", async () => {
    await admin.fault({ route: "POST /api/v1/instance-operations/launch", dropAfter: true, count: 1 });
    const created = await instanceProvider.create!(inputs("dropped-launch"));
    const named = (await admin.objects("instances")).filter((i) => i.name === "dropped-launch");
    expect(named.map((i) => i.id)).toEqual([created.id]);
    await instanceProvider.delete!(created.id, created.outs!);
  });
});

describe("transport", () => {
  it("waits out a 429 as long as Retry-After asks", async () => {
    const c = client();
    await admin.reset();
    await admin.fault({ route: "GET /api/v1/ssh-keys", status: 429, retryAfter: 1, count: 1 });
    await c.listSshKeys();
    const log = (await admin.requests()).filter((r) => r.route === "GET /api/v1/ssh-keys");
    expect(log.map((r) => r.status)).toEqual([429, 200]);
    expect(log[1].at - log[0].at).toBeGreaterThanOrEqual(950);
  });

  it("retries 5xx, then gives up with the status, Lambda's code and message", async () => {
    const c = client();
    await admin.fault({ route: "GET /api/v1/file-systems", status: 503, count: 2 });
    await expect(c.listFilesystems()).resolves.toBeDefined();
    await admin.clearFaults();
    await admin.fault({ route: "GET /api/v1/file-systems", status: 500, count: 10 });
    const err = await c.listFilesystems().catch((e) => e);
    expect(isApiError(err)).toBe(true);
    expect(err.status).toBe(500);
    expect(err.message).toBe(
      "Lambda API GET /api/v1/file-systems failed with 500: global/internal-error: injected by the sandbox (Try again later.) (after 4 attempts)",
    );
  });

  it("refuses bad credentials once, with Lambda's code, and accepts Basic auth as documented", async () => {
    await admin.reset();
    const err = await client(FAST, "secret_wrong")
      .listSshKeys()
      .catch((e) => e);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/401: global\/invalid-api-key: API key was invalid, expired, or deleted\./);
    expect(err.message).not.toContain("secret_wrong");
    expect((await admin.requests()).length).toBe(1); // a fixed key: nothing fresher to retry with
    for (const basic of [
      Buffer.from(`${LAMBDA_SANDBOX.apiKey}:`).toString("base64"),
      LAMBDA_SANDBOX.apiKey,
    ]) {
      const res = await fetch(`${url}/api/v1/ssh-keys`, { headers: { authorization: `Basic ${basic}` } });
      expect(res.status).toBe(200);
    }
  });

  it("enforces one request per window and the slower launch limit with 429 and Retry-After", async () => {
    await admin.settings({ requestsPerWindow: 1, windowMs: 300, launchIntervalMs: 300 });
    const auth = { authorization: `Bearer ${LAMBDA_SANDBOX.apiKey}` };
    try {
      await new Promise((r) => setTimeout(r, 320)); // let earlier requests leave the window
      const first = await fetch(`${url}/api/v1/instances`, { headers: auth });
      const second = await fetch(`${url}/api/v1/instances`, { headers: auth });
      expect([first.status, second.status]).toEqual([200, 429]);
      expect(second.headers.get("retry-after")).toBe("1");
      expect(((await second.json()) as any).error.code).toBe("global/rate-limit-exceeded");
      const launch = () =>
        fetch(`${url}/api/v1/instance-operations/launch`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({
            region_name: "us-east-1",
            instance_type_name: "nope",
            ssh_key_names: ["x"],
          }),
        });
      expect((await launch()).status).toBe(404); // counted, then refused: unknown instance type
      const limited = await launch();
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("1");
      expect(((await limited.json()) as any).error.message).toBe("Too many launch requests.");
    } finally {
      await admin.settings(FAST_SANDBOX);
    }
    // Lambda documents its limits in prose only: the description lists no 429, and the harness treats
    // an undocumented 429 as the transport's answer, not a violation of the operation.
    expect(await admin.violations()).toEqual([]);
  });

  it("paces requests and launches so the limits are never hit", async () => {
    await admin.settings({ requestsPerWindow: 1, windowMs: 200, launchIntervalMs: 600 });
    try {
      const c = client({ ...FAST, minIntervalMs: 220, launchIntervalMs: 650 });
      await new Promise((r) => setTimeout(r, 250));
      await admin.reset();
      for (let i = 0; i < 4; i++) await c.listInstances();
      const body = { region_name: "us-east-1", instance_type_name: "gpu_1x_a10", ssh_key_names: ["paced"] };
      await c.addSshKey({ name: "paced", public_key: PUB }, async () => undefined);
      const a = await c.launch({ ...body, name: "paced-1" }, async () => undefined);
      const b = await c.launch({ ...body, name: "paced-2" }, async () => undefined);
      await c.terminate([...a.instance_ids, ...b.instance_ids]);
      const log = await admin.requests();
      expect(log.filter((r) => r.status === 429)).toEqual([]);
      // launches are paced on their own slot, as the stand-in (like Lambda's prose) counts them apart
      const launches = log.filter((r) => r.route === "POST /api/v1/instance-operations/launch");
      const at = log.filter((r) => !launches.includes(r)).map((r) => r.at);
      expect(at.length).toBe(6);
      for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(195);
      expect(launches[1].at - launches[0].at).toBeGreaterThanOrEqual(600);
      const paced = (await c.listSshKeys()).find((k) => k.name === "paced")!;
      await c.deleteSshKey(paced.id);
    } finally {
      await admin.settings(FAST_SANDBOX);
    }
  });
});
