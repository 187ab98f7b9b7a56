// LambdaInstance: an on-demand GPU instance. Instances cost money from launch to termination, so create
// waits until the instance is `active` (and terminates it again if it never gets there: a create that
// fails leaves nothing in the state, and nothing should be left running); delete terminates and waits
// until it is `terminated`, so a file system it mounted is free to delete afterwards.
// The API can change only the name (postInstance); type, region, SSH keys and file systems replace.
// Capacity and quota refusals (`instance-operations/launch/insufficient-capacity`, `global/quota-exceeded`)
// are reported with the API's code and suggestion.
import type * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "../dynamic";
import { dynamicProvider, dynamicResource, optional, type Rule, str } from "../kit";
import { configuredLambda, type InstanceApi, inLambdaRegion, type LambdaClient, sleep } from "./client";

export interface InstanceInputs {
  name: string;
  instanceType: string;
  region: string;
  /** Lambda currently accepts exactly one SSH key per launch. */
  sshKeyNames: string[];
  fileSystemNames?: string[];
}

export interface InstanceOutputs extends InstanceInputs {
  instanceId: string;
  status: string;
  ip?: string;
  privateIp?: string;
  hostname?: string;
  priceCentsPerHour?: number;
}

/** Statuses of an instance that is no longer there for us (it cannot come back). */
const GONE = ["terminating", "terminated", "preempted"];

const outputs = (remote: InstanceApi, inputs: InstanceInputs): InstanceOutputs => ({
  name: remote.name ?? "",
  instanceType: remote.instance_type.name,
  region: remote.region.name,
  sshKeyNames: remote.ssh_key_names,
  ...(inputs.fileSystemNames !== undefined || remote.file_system_names.length > 0
    ? { fileSystemNames: remote.file_system_names }
    : {}),
  instanceId: remote.id,
  status: remote.status,
  ...(remote.ip ? { ip: remote.ip } : {}),
  ...(remote.private_ip ? { privateIp: remote.private_ip } : {}),
  ...(remote.hostname ? { hostname: remote.hostname } : {}),
  priceCentsPerHour: remote.instance_type.price_cents_per_hour,
});

const sorted = (v: unknown) => (Array.isArray(v) ? [...v].sort() : v);
const sameList = (a: unknown, b: unknown) =>
  JSON.stringify(sorted(a ?? [])) === JSON.stringify(sorted(b ?? []));
/** Lists compare as sets; a list that is not known yet, or holds an unknown name, counts as changed. */
const listChanged = (olds: unknown, news: unknown) =>
  isUnknown(news) || (Array.isArray(news) && news.some(isUnknown)) || !sameList(olds, news);

const sshKeyNamesRule: Rule = (keys) => {
  if (!Array.isArray(keys) || keys.length !== 1) {
    return "sshKeyNames must list exactly one SSH key name (Lambda accepts one key per launch)";
  }
  if (keys.some((k) => !isUnknown(k) && (typeof k !== "string" || !k))) {
    return "sshKeyNames must be non-empty strings";
  }
  return undefined;
};

const fileSystemNamesRule: Rule = (fs) => {
  if (!Array.isArray(fs) || fs.some((f) => !isUnknown(f) && (typeof f !== "string" || !f))) {
    return "fileSystemNames must be a list of names";
  }
  return new Set(fs).size !== fs.length ? "fileSystemNames lists a name twice" : undefined;
};

async function terminateAndWait(c: LambdaClient, id: string): Promise<void> {
  const first = await c.getInstance(id);
  if (!first || first.status === "terminated") return;
  if (first.status !== "terminating" && first.status !== "preempted") {
    try {
      await c.terminate([id]);
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err; // 404: gone in between
      return;
    }
  }
  const deadline = Date.now() + c.timing.terminateTimeoutMs;
  for (;;) {
    const now = await c.getInstance(id);
    if (!now || now.status === "terminated" || now.status === "preempted") return;
    if (Date.now() >= deadline) {
      throw new Error(
        `Lambda: instance ${id} is still "${now.status}" ${Math.ceil(c.timing.terminateTimeoutMs / 1000)} s after it was terminated`,
      );
    }
    await sleep(c.timing.pollIntervalMs);
  }
}

/** Polls until `active`; on timeout or an unhealthy instance, terminates it (it would bill) and throws. */
async function waitActive(c: LambdaClient, id: string): Promise<InstanceApi> {
  const deadline = Date.now() + c.timing.activeTimeoutMs;
  for (;;) {
    const now = await c.getInstance(id);
    if (!now) throw new Error(`Lambda: instance ${id} disappeared while booting`);
    if (now.status === "active") return now;
    if (GONE.includes(now.status)) throw new Error(`Lambda: instance ${id} is "${now.status}" while booting`);
    if (now.status === "unhealthy" || Date.now() >= deadline) {
      await terminateAndWait(c, id);
      throw new Error(
        now.status === "unhealthy"
          ? `Lambda: instance ${id} became unhealthy while booting; it was terminated`
          : `Lambda: instance ${id} was not active within ${Math.ceil(c.timing.activeTimeoutMs / 1000)} s (still "${now.status}"); it was terminated`,
      );
    }
    await sleep(c.timing.pollIntervalMs);
  }
}

/** Whether a live instance was launched with what the inputs declare (what only a relaunch can change). */
const launchedAsDeclared = (remote: InstanceApi, inputs: InstanceInputs) =>
  remote.instance_type.name === inputs.instanceType &&
  remote.region.name === inputs.region &&
  sameList(remote.ssh_key_names, inputs.sshKeyNames) &&
  sameList(remote.file_system_names, inputs.fileSystemNames);

export const instanceProvider = dynamicProvider<InstanceInputs, InstanceOutputs, LambdaClient>({
  client: configuredLambda,
  rules: {
    name: str({ re: /^.{1,64}$/, what: "at most 64 characters" }),
    instanceType: str({ re: /^[a-z0-9_]+$/, what: 'an instance type name such as "gpu_1x_a10"' }),
    region: [str(), inLambdaRegion],
    sshKeyNames: sshKeyNamesRule,
    fileSystemNames: optional(fileSystemNamesRule),
  },
  diff: {
    replace: ["instanceType", "region"],
    replaceIf: {
      sshKeyNames: (olds, news) => listChanged(olds.sshKeyNames, news.sshKeyNames),
      fileSystemNames: (olds, news) => listChanged(olds.fileSystemNames, news.fileSystemNames),
    },
    // the API can change only the name
    update: ["name"],
    // create adopts a live instance of the same name: the old one must be terminated first
    deleteFirst: "name",
    // a rename keeps the machine, its addresses and what it was launched with
    stables: [
      "instanceId",
      "ip",
      "privateIp",
      "hostname",
      "sshKeyNames",
      "fileSystemNames",
      "priceCentsPerHour",
    ],
  },

  async create(inputs, api) {
    const c = api();
    const findLive = async () =>
      (await c.listInstances()).find((i) => i.name === inputs.name && !GONE.includes(i.status));
    // Orphans: the name carries the stack's prefix, so a live instance of that name the state does not
    // hold was launched by an interrupted run of this stack. It is adopted when it runs as declared (type,
    // region, SSH key, file systems); otherwise, since none of those can change, it is terminated and the
    // declared one launched.
    let existing = await findLive();
    if (existing && !launchedAsDeclared(existing, inputs)) {
      await terminateAndWait(c, existing.id);
      existing = undefined;
    }
    let id: string;
    if (existing) {
      id = existing.id; // adopt
    } else {
      const launched = await c.launch(
        {
          region_name: inputs.region,
          instance_type_name: inputs.instanceType,
          ssh_key_names: inputs.sshKeyNames,
          ...(inputs.fileSystemNames?.length ? { file_system_names: inputs.fileSystemNames } : {}),
          name: inputs.name,
        },
        // a launch whose answer was lost may have started the instance: find it rather than launch twice
        async () => {
          const found = await findLive();
          return found ? { instance_ids: [found.id] } : undefined;
        },
      );
      id = launched.instance_ids[0];
    }
    const remote = await waitActive(c, id);
    return { id, outs: outputs(remote, inputs) };
  },

  async read(id, props, api) {
    const remote = await api().getInstance(id);
    return remote && !GONE.includes(remote.status) ? outputs(remote, props) : undefined;
  },

  async update(id, _olds, news, api) {
    return outputs(await api().renameInstance(id, news.name), news);
  },

  async delete(id, _props, api) {
    await terminateAndWait(api(), id);
  },
});

export interface InstanceArgs {
  name: pulumi.Input<string>;
  instanceType: pulumi.Input<string>;
  region: pulumi.Input<string>;
  sshKeyNames: pulumi.Input<pulumi.Input<string>[]>;
  fileSystemNames?: pulumi.Input<pulumi.Input<string>[]>;
}

export class LambdaInstance extends dynamicResource<InstanceArgs>()(instanceProvider, {
  declaredIn: __filename,
  type: "lambda:Instance",
  outputs: ["name", "instanceId", "status", "ip", "privateIp", "hostname", "priceCentsPerHour"],
}) {}
