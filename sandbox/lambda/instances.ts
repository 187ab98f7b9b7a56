// Instances: launch needs exactly one existing SSH key, a known instance type, and file systems in the
// same region; they boot (`booting` → `active`) and terminate (`terminating` → `terminated`) as time
// passes (LambdaSandbox.advance). The list shows instances that are not terminated; GET by id still
// answers a terminated one.
import type { Handler, Reply } from "../core";
import type { LambdaSandbox } from "./index";
import { hexId, holds, ok, REGIONS, regionView, type StoredInstance, TYPES } from "./state";

/** A launch request (LaunchRequest of the description), as validated by the harness. */
interface LaunchBody {
  instance_type_name: string;
  region_name: string;
  ssh_key_names: string[];
  file_system_names?: string[];
  name?: string;
  hostname?: string;
}

function instanceView(s: LambdaSandbox, i: StoredInstance) {
  const t = TYPES[i.instance_type];
  const live = i.status === "booting" || i.status === "active" || i.status === "unhealthy";
  const action = live
    ? { available: i.status === "active" }
    : {
        available: false,
        reason_code: "vm-is-terminating",
        reason_description: "The instance is terminating or terminated.",
      };
  const fsByName = Object.values(s.state.filesystems);
  return {
    id: i.id,
    ...(i.name !== undefined ? { name: i.name } : {}),
    ...(i.status === "active" ? { ip: i.ip, private_ip: i.private_ip } : {}),
    status: i.status,
    ssh_key_names: i.ssh_key_names,
    file_system_names: i.file_system_names,
    ...(i.file_system_names.length
      ? {
          file_system_mounts: i.file_system_names.map((n) => ({
            mount_point: `/lambda/nfs/${n}`,
            file_system_id: fsByName.find((f) => f.name === n)?.id ?? "unknown",
          })),
        }
      : {}),
    region: regionView(i.region),
    instance_type: {
      name: i.instance_type,
      description: t.description,
      gpu_description: t.gpu,
      price_cents_per_hour: t.price,
      specs: { vcpus: t.specs[0], memory_gib: t.specs[1], storage_gib: t.specs[2], gpus: t.specs[3] },
    },
    ...(i.hostname ? { hostname: i.hostname } : {}),
    actions: { migrate: action, rebuild: action, restart: action, cold_reboot: action, terminate: action },
    tags: [],
  };
}

/** Why a launch's type, region or SSH key is refused, if it is. */
function placementProblem(s: LambdaSandbox, b: LaunchBody): Reply | undefined {
  const type = TYPES[b.instance_type_name];
  if (!type || !REGIONS[b.region_name]) {
    return s.problem(
      404,
      "global/object-does-not-exist",
      !type
        ? `Instance type ${b.instance_type_name} was not found.`
        : `Region ${b.region_name} was not found.`,
      "List the available instance types and regions, then try again.",
    );
  }
  if (!Array.isArray(b.ssh_key_names) || b.ssh_key_names.length !== 1) {
    return s.problem(400, "global/invalid-parameters", "Exactly one SSH key must be specified.");
  }
  const keyNames = Object.values(s.state.sshKeys).map((k) => k.name);
  if (!keyNames.includes(b.ssh_key_names[0])) {
    return s.problem(
      404,
      "global/object-does-not-exist",
      `SSH key ${b.ssh_key_names[0]} was not found.`,
      "Add the SSH key, then try again.",
    );
  }
  return undefined;
}

/** Why a launch's file systems are refused (unknown, or in another region), if they are. */
function fileSystemProblem(s: LambdaSandbox, b: LaunchBody, fsNames: string[]): Reply | undefined {
  for (const n of fsNames) {
    const fs = Object.values(s.state.filesystems).find((f) => f.name === n);
    if (!fs) {
      return s.problem(
        404,
        "global/object-does-not-exist",
        `Filesystem ${n} was not found.`,
        "Create the filesystem, then try again.",
      );
    }
    if (fs.region !== b.region_name) {
      return s.problem(
        400,
        "instance-operations/launch/file-system-in-wrong-region",
        `Filesystem ${n} is in ${fs.region}, not ${b.region_name}.`,
        "Launch the instance in the filesystem's region.",
      );
    }
  }
  return undefined;
}

/**
 * Why the account cannot take the launch: `insufficientCapacity` (true, or a list of instance type
 * names), or `instanceQuota` (default 8) instances already held.
 */
function capacityProblem(s: LambdaSandbox, b: LaunchBody): Reply | undefined {
  const short = s.settings.insufficientCapacity;
  if (short === true || (Array.isArray(short) && short.includes(b.instance_type_name))) {
    return s.problem(
      400,
      "instance-operations/launch/insufficient-capacity",
      "Not enough capacity to fulfill launch request.",
      "Choose an instance type with more availability, or try again later.",
    );
  }
  const live = Object.values(s.state.instances).filter(holds);
  if (live.length >= s.setting("instanceQuota", 8)) {
    return s.problem(
      400,
      "global/quota-exceeded",
      "Quota exceeded.",
      "Contact Support to increase your quota.",
    );
  }
  return undefined;
}

export function instanceRoutes(s: LambdaSandbox): Record<string, Handler> {
  const notFound = () => s.problem(404, "global/object-does-not-exist", "Specified instance does not exist.");
  return {
    listInstances: () => {
      s.advance();
      return ok(
        Object.values(s.state.instances)
          .filter((i) => i.status !== "terminated")
          .map((i) => instanceView(s, i)),
      );
    },
    getInstance: (ctx) => {
      s.advance();
      const i = s.state.instances[ctx.params.id];
      return i ? ok(instanceView(s, i)) : notFound();
    },
    postInstance: (ctx) => {
      s.advance();
      const i = s.state.instances[ctx.params.id];
      if (!i || i.status === "terminated") return notFound();
      const b = ctx.body as { name?: unknown } | undefined;
      if (typeof b?.name === "string") i.name = b.name;
      s.save();
      return ok(instanceView(s, i));
    },
    launchInstance: (ctx) => {
      s.advance();
      const b = ctx.body as LaunchBody;
      const fsNames = b.file_system_names ?? [];
      const refused = placementProblem(s, b) ?? fileSystemProblem(s, b, fsNames) ?? capacityProblem(s, b);
      if (refused) return refused;
      const n = s.state.nextHost++;
      const inst: StoredInstance = {
        id: hexId(),
        ...(b.name !== undefined ? { name: b.name } : {}),
        status: "booting",
        instance_type: b.instance_type_name,
        region: b.region_name,
        ssh_key_names: b.ssh_key_names,
        file_system_names: fsNames,
        ip: `198.51.100.${n % 250}`,
        private_ip: `10.0.2.${n % 250}`,
        ...(b.hostname ? { hostname: b.hostname } : {}),
        launchedAt: Date.now(),
      };
      s.state.instances[inst.id] = inst;
      s.save();
      return ok({ instance_ids: [inst.id] });
    },
    terminateInstance: (ctx) => {
      s.advance();
      const ids = (ctx.body as { instance_ids: string[] }).instance_ids;
      const found = ids.map((id) => s.state.instances[id]);
      if (found.some((i) => !i)) return notFound();
      for (const i of found) {
        if (i.status !== "terminated" && i.status !== "terminating") {
          i.status = "terminating";
          i.terminatedAt = Date.now();
        }
      }
      s.save();
      return ok({ terminated_instances: found.map((i) => instanceView(s, i)) });
    },
  };
}
