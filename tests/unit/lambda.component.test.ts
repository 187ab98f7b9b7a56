// The Lambda Labs component with Pulumi's mocks (no engine, no network): what it registers, with which
// inputs, what stays secret, and that instances (which bill by the hour) need an explicit opt-in.
import * as pulumi from "@pulumi/pulumi";
import { LambdaCompute } from "../../integrations/lambdaLabs";
import { installMocks, isSecretValue, onRegister, type Registered, settle } from "../helpers/mocks";

const registered: Registered[] = installMocks();

// Mocks do not apply additionalSecretOutputs (the engine does): record the options each resource asked for.
const secretOutputs: Record<string, string[]> = {};
onRegister(({ name, opts }) => {
  secretOutputs[name] = opts?.additionalSecretOutputs ?? [];
});

const PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICN+lJwsONkwrdsSnQsu1ydUkIuIg5oOC+Eslvmtt60T ops";

const T = {
  component: "sophia:integrations:LambdaLabs",
  key: "pulumi-nodejs:dynamic/lambda:SshKey",
  fs: "pulumi-nodejs:dynamic/lambda:FileSystem",
  instance: "pulumi-nodejs:dynamic/lambda:Instance",
};

/** Builds the component and waits until every registration (and its outputs) has settled. */
async function build(args: ConstructorParameters<typeof LambdaCompute>[1]) {
  registered.length = 0;
  const c = new LambdaCompute("gpu", args);
  await settle(c.instanceIps);
  await settle(c.privateKeys);
  await Promise.all(Object.values(c.sshKeys).map((k) => settle(k.keyId)));
  await Promise.all(Object.values(c.fileSystems).map((f) => settle(f.fileSystemId)));
  await Promise.all(Object.values(c.instances).map((i) => settle(i.instanceId)));
  return c;
}

/** Registrations of a type, by name (they complete in no fixed order). */
const byType = (t: string) =>
  registered.filter((r) => r.type === t).sort((a, b) => a.name.localeCompare(b.name));

const base = {
  namePrefix: "sophia-unit",
  sshKeys: [{ name: "ops", publicKey: PUB }, { name: "ci" }],
  fileSystems: [{ name: "datasets", region: "us-east-1" }],
};

describe("LambdaCompute keys, file systems and argument checks", () => {
  it("creates keys and file systems, and no instance by default", async () => {
    const c = await build(base);
    expect(byType(T.component).map((r) => r.name)).toEqual(["gpu"]);
    expect(byType(T.key).map((r) => [r.name, r.inputs.name, r.inputs.publicKey])).toEqual([
      ["gpu-key-ci", "sophia-unit-ci", undefined],
      ["gpu-key-ops", "sophia-unit-ops", PUB],
    ]);
    expect(byType(T.fs).map((r) => [r.name, r.inputs.name, r.inputs.region])).toEqual([
      ["gpu-fs-datasets", "sophia-unit-datasets", "us-east-1"],
    ]);
    expect(byType(T.instance)).toEqual([]);
    expect((await settle(c.instanceIps)).value).toEqual({});
  });

  it("refuses declared instances unless launchInstances is explicitly true", async () => {
    const instances = [
      { name: "trainer", instanceType: "gpu_1x_a10", region: "us-east-1", sshKeyNames: ["ops"] },
    ];
    expect(() => new LambdaCompute("gpu", { ...base, instances })).toThrow(
      /instances: 1 instance\(s\) declared but launchInstances is not true/,
    );
    expect(() => new LambdaCompute("gpu", { ...base, instances, launchInstances: false })).toThrow(
      /launchInstances is not true/,
    );
  });

  it("rejects a file system in another region, several SSH keys and duplicate names", () => {
    expect(
      () =>
        new LambdaCompute("gpu", {
          ...base,
          sshKeys: [...base.sshKeys, { name: "ops" }],
          launchInstances: true,
          instances: [
            {
              name: "trainer",
              instanceType: "gpu_1x_a10",
              region: "us-west-1",
              sshKeyNames: ["ops", "ci"],
              fileSystemNames: ["datasets"],
            },
          ],
        }),
    ).toThrow(
      [
        "LambdaCompute gpu: invalid arguments:",
        '  - sshKeys: "ops" is declared twice',
        "  - instances.trainer.sshKeyNames: Lambda accepts exactly one SSH key per instance",
        '  - instances.trainer.fileSystemNames: file system "datasets" is in us-east-1, the instance in us-west-1',
      ].join("\n"),
    );
  });
});

describe("LambdaCompute with instances", () => {
  it("launches instances when allowed, wired to the declared keys and file systems by their full names", async () => {
    const c = await build({
      ...base,
      launchInstances: true,
      instances: [
        {
          name: "trainer",
          instanceType: "gpu_1x_a10",
          region: "us-east-1",
          sshKeyNames: ["ops"],
          fileSystemNames: ["datasets"],
        },
        {
          name: "scratch",
          instanceType: "gpu_1x_a100_sxm4",
          region: "us-west-1",
          sshKeyNames: ["existing-key"],
        },
      ],
    });
    const inst = byType(T.instance);
    expect(inst.map((r) => r.name)).toEqual(["gpu-instance-scratch", "gpu-instance-trainer"]);
    expect(inst[1].inputs).toMatchObject({
      name: "sophia-unit-trainer",
      instanceType: "gpu_1x_a10",
      region: "us-east-1",
      sshKeyNames: ["sophia-unit-ops"],
      fileSystemNames: ["sophia-unit-datasets"],
    });
    // a key not declared here is an existing one, passed through by its full name
    expect(inst[0].inputs.sshKeyNames).toEqual(["existing-key"]);
    expect(inst[0].inputs.fileSystemNames).toBeUndefined();
    expect(Object.keys((await settle(c.instanceIps)).value!)).toEqual(["trainer", "scratch"]);
  });

  it("keeps an imported public key as given and the generated private keys secret", async () => {
    const c = await build({
      ...base,
      sshKeys: [{ name: "ops", publicKey: pulumi.secret(PUB) }, { name: "ci" }],
    });
    const ops = byType(T.key).find((r) => r.name === "gpu-key-ops")!;
    expect(isSecretValue(ops.inputs.publicKey)).toBe(true);
    const pk = await settle(c.privateKeys);
    expect(pk.secret).toBe(true);
    expect(secretOutputs["gpu-key-ci"]).toEqual(["privateKey"]);
    expect(secretOutputs["gpu-key-ops"]).toEqual(["privateKey"]);
  });
});
