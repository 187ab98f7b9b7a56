// Stand-in for the Lambda Cloud API v1 (sandbox/specs/vendor/lambda/openapi.json, v1.8.3), reduced to
// SSH keys, file systems and instances.
//
// Faithful where the project depends on it:
// - auth: `Authorization: Bearer <key>`, or Basic with `base64(<key>:)` or the bare key (the description's
//   bearerAuth and basicAuth schemes); anything else is 401 `global/invalid-api-key`.
// - errors: {error: {code, message, suggestion}} with the description's codes.
// - rate limits from the description's introduction: one request per second in general, launches one per
//   12 s; both answered 429 with Retry-After. Settings: `requestsPerWindow` (1), `windowMs` (1000),
//   `launchIntervalMs` (12000). The launch limit is counted apart from the general one.
// - instances: launch needs exactly one existing SSH key, known instance type, file systems in the same
//   region; they boot (`booting` → `active` after `bootMs`, default 3000) and terminate (`terminating` →
//   `terminated` after `terminateMs`, default 2000). The list shows instances that are not terminated;
//   GET by id still answers a terminated one. `insufficientCapacity` (true, or a list of instance type
//   names) answers launches with 400 `instance-operations/launch/insufficient-capacity`;
//   `instanceQuota` (default 8) with 400 `global/quota-exceeded`.
// - SSH keys: a key without `public_key` is generated (ed25519) and its private key returned once.
// - file systems: names unique per account (400 `global/duplicate`); one mounted by an instance that is
//   not terminated is in use and refuses delete with 400 `filesystems/filesystem-in-use`.
// The description documents no 429 (the limits are in its prose only): the stand-in's own 429s are
// recorded as violations by the harness, which is why the client paces itself to never provoke them.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "./core";
import { OpenApiSpec, vendorSpecDir } from "./openapi";

export const LAMBDA_SANDBOX = {
  apiKey: "secret_sandbox-lambda_0123456789abcdef",
  userId: "3da5a70a57a7422ea8a7203f98b2198b",
  email: "infra@sophia-ai.example",
};

export const LAMBDA_OPERATIONS = [
  "listInstances",
  "getInstance",
  "postInstance",
  "launchInstance",
  "terminateInstance",
  "listSSHKeys",
  "addSSHKey",
  "deleteSSHKey",
  "listFilesystems",
  "createFilesystem",
  "filesystemDelete",
];

const REGIONS: Record<string, string> = {
  "us-east-1": "Virginia, USA",
  "us-west-1": "California, USA",
  "us-south-1": "Texas, USA",
  "europe-central-1": "Germany",
  "asia-northeast-1": "Tokyo, Japan",
};

const TYPES: Record<string, { description: string; gpu: string; price: number; specs: number[] }> = {
  gpu_1x_a10: {
    description: "1x A10 (24 GB PCIe)",
    gpu: "A10 (24 GB PCIe)",
    price: 75,
    specs: [30, 200, 1400, 1],
  },
  gpu_1x_a100_sxm4: {
    description: "1x A100 (40 GB SXM4)",
    gpu: "A100 (40 GB SXM4)",
    price: 129,
    specs: [30, 200, 512, 1],
  },
  gpu_8x_h100_sxm5: {
    description: "8x H100 (80 GB SXM5)",
    gpu: "H100 (80 GB SXM5)",
    price: 2392,
    specs: [208, 1800, 24780, 8],
  },
};

interface StoredKey {
  id: string;
  name: string;
  public_key: string;
}
interface StoredFs {
  id: string;
  name: string;
  region: string;
  created: string;
  bytes_used: number;
}
interface StoredInstance {
  id: string;
  name?: string;
  status: "booting" | "active" | "unhealthy" | "terminating" | "terminated" | "preempted";
  instance_type: string;
  region: string;
  ssh_key_names: string[];
  file_system_names: string[];
  ip: string;
  private_ip: string;
  hostname?: string;
  launchedAt: number;
  terminatedAt?: number;
}

interface LambdaState {
  sshKeys: Record<string, StoredKey>;
  filesystems: Record<string, StoredFs>;
  instances: Record<string, StoredInstance>;
  nextHost: number;
}

const hexId = () => randomBytes(16).toString("hex");

const CODES: Record<number, string> = {
  400: "global/invalid-parameters",
  401: "global/invalid-api-key",
  403: "global/account-inactive",
  404: "global/object-does-not-exist",
  429: "global/rate-limit-exceeded",
  500: "global/internal-error",
};

export class LambdaSandbox extends Service<LambdaState> {
  readonly name = "lambda";
  readonly spec = new OpenApiSpec(path.join(vendorSpecDir(), "lambda", "openapi.json"), {
    operations: LAMBDA_OPERATIONS,
  });
  private recent: number[] = [];
  private lastLaunch = 0;

  constructor() {
    super();
    this.routes();
  }

  protected seed(): LambdaState {
    return { sshKeys: {}, filesystems: {}, instances: {}, nextHost: 2 };
  }

  private setting<T>(key: string, fallback: T): T {
    return (this.settings[key] as T | undefined) ?? fallback;
  }

  /** An error in Lambda's shape; `title` is used as the code when it is one (contains a slash). */
  problem(status: number, title: string, detail: string, suggestion?: string): Reply {
    const code = title.includes("/") ? title : (CODES[status] ?? (status >= 500 ? CODES[500] : CODES[400]));
    return {
      status,
      body: {
        error: {
          code,
          message: detail || title,
          ...(suggestion ? { suggestion } : status >= 500 ? { suggestion: "Try again later." } : {}),
        },
      },
    };
  }

  protected authenticate(ctx: Ctx): Reply | undefined {
    const auth = String(ctx.headers.authorization ?? "");
    const key = LAMBDA_SANDBOX.apiKey;
    const basic = auth.startsWith("Basic ") ? auth.slice(6).trim() : undefined;
    const ok =
      auth === `Bearer ${key}` ||
      (basic !== undefined &&
        (basic === key || Buffer.from(basic, "base64").toString("utf8").replace(/:$/, "") === key));
    if (!ok) {
      return this.problem(
        401,
        "global/invalid-api-key",
        "API key was invalid, expired, or deleted.",
        "Check your API key or create a new one, then try again.",
      );
    }
    return this.limit(ctx);
  }

  private tooMany(retryMs: number, message: string): Reply {
    const reply = this.problem(429, "global/rate-limit-exceeded", message, "Slow down and try again.");
    reply.headers = { "retry-after": String(Math.max(1, Math.ceil(retryMs / 1000))) };
    return reply;
  }

  /** One request per second in general; launches one per 12 s (counted on their own). */
  private limit(ctx: Ctx): Reply | undefined {
    const now = Date.now();
    if (ctx.method === "POST" && ctx.path === "/api/v1/instance-operations/launch") {
      const interval = this.setting("launchIntervalMs", 12_000);
      if (now - this.lastLaunch < interval) {
        return this.tooMany(this.lastLaunch + interval - now, "Too many launch requests.");
      }
      this.lastLaunch = now;
      return undefined;
    }
    const windowMs = this.setting("windowMs", 1000);
    this.recent = this.recent.filter((t) => t > now - windowMs);
    if (this.recent.length >= this.setting("requestsPerWindow", 1)) {
      return this.tooMany(this.recent[0] + windowMs - now, "Too many requests.");
    }
    this.recent.push(now);
    return undefined;
  }

  /** Moves instances along booting → active and terminating → terminated as time passes. */
  private advance(): void {
    const now = Date.now();
    let changed = false;
    for (const i of Object.values(this.state.instances)) {
      if (i.status === "booting" && now - i.launchedAt >= this.setting("bootMs", 3000)) {
        i.status = "active";
        changed = true;
      }
      if (i.status === "terminating" && now - (i.terminatedAt ?? now) >= this.setting("terminateMs", 2000)) {
        i.status = "terminated";
        changed = true;
      }
    }
    if (changed) this.save();
  }

  private regionView(name: string) {
    return { name, description: REGIONS[name] ?? name };
  }

  private fsInUse(fs: StoredFs): boolean {
    return Object.values(this.state.instances).some(
      (i) => i.status !== "terminated" && i.status !== "preempted" && i.file_system_names.includes(fs.name),
    );
  }

  private fsView(fs: StoredFs) {
    return {
      id: fs.id,
      name: fs.name,
      mount_point: `/lambda/nfs/${fs.name}`,
      created: fs.created,
      created_by: { id: LAMBDA_SANDBOX.userId, email: LAMBDA_SANDBOX.email, status: "active" },
      is_in_use: this.fsInUse(fs),
      region: this.regionView(fs.region),
      bytes_used: fs.bytes_used,
    };
  }

  private instanceView(i: StoredInstance) {
    const t = TYPES[i.instance_type];
    const live = i.status === "booting" || i.status === "active" || i.status === "unhealthy";
    const action = live
      ? { available: i.status === "active" }
      : {
          available: false,
          reason_code: "vm-is-terminating",
          reason_description: "The instance is terminating or terminated.",
        };
    const fsByName = Object.values(this.state.filesystems);
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
      region: this.regionView(i.region),
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

  private notFound(what: string): Reply {
    return this.problem(404, "global/object-does-not-exist", `Specified ${what} does not exist.`);
  }

  private routes(): void {
    const ok = (data: unknown): Reply => ({ status: 200, body: { data } });

    // ---- SSH keys ----
    this.on("listSSHKeys", () => ok(Object.values(this.state.sshKeys)));
    this.on("addSSHKey", (ctx) => {
      const { name, public_key } = ctx.body ?? {};
      if (Object.values(this.state.sshKeys).some((k) => k.name === name)) {
        return this.problem(400, "global/invalid-parameters", `An SSH key named "${name}" already exists.`);
      }
      let publicKey = public_key as string | undefined;
      let privateKey: string | undefined;
      if (publicKey === undefined) {
        const pair = generateKeyPairSync("ed25519");
        const raw = Buffer.from(pair.publicKey.export({ format: "jwk" }).x as string, "base64url");
        const wire = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)]);
        publicKey = `ssh-ed25519 ${wire.toString("base64")} ${name}`;
        privateKey = pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
      } else if (!/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+) [A-Za-z0-9+/=]+/.test(publicKey.trim())) {
        return this.problem(400, "global/invalid-parameters", "Invalid public key.", "Check the public key.");
      }
      const key: StoredKey = { id: hexId(), name, public_key: publicKey.trim() };
      this.state.sshKeys[key.id] = key;
      this.save();
      return ok(privateKey ? { ...key, private_key: privateKey } : key);
    });
    this.on("deleteSSHKey", (ctx) => {
      // The description documents no 404 for this route: an unknown id is invalid parameters.
      if (!this.state.sshKeys[ctx.params.id]) {
        return this.problem(400, "global/invalid-parameters", "Invalid SSH key ID.");
      }
      delete this.state.sshKeys[ctx.params.id];
      this.save();
      return ok({});
    });

    // ---- file systems ----
    this.on("listFilesystems", () => {
      this.advance();
      return ok(Object.values(this.state.filesystems).map((f) => this.fsView(f)));
    });
    this.on("createFilesystem", (ctx) => {
      const { name, region } = ctx.body;
      if (Object.values(this.state.filesystems).some((f) => f.name === name)) {
        return this.problem(400, "global/duplicate", `A filesystem named "${name}" already exists.`);
      }
      const fs: StoredFs = {
        id: hexId(),
        name,
        region,
        created: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        bytes_used: 0,
      };
      this.state.filesystems[fs.id] = fs;
      this.save();
      return ok(this.fsView(fs));
    });
    this.on("filesystemDelete", (ctx) => {
      this.advance();
      const fs = this.state.filesystems[ctx.params.id];
      if (!fs) return this.problem(404, "global/object-does-not-exist", "Filesystem was not found.");
      if (this.fsInUse(fs)) {
        return this.problem(
          400,
          "filesystems/filesystem-in-use",
          `Filesystem "${fs.name}" is mounted by an instance.`,
          "Terminate the instances that use the filesystem, then try again.",
        );
      }
      delete this.state.filesystems[fs.id];
      this.save();
      return ok({ deleted_ids: [fs.id] });
    });

    // ---- instances ----
    this.on("listInstances", () => {
      this.advance();
      return ok(
        Object.values(this.state.instances)
          .filter((i) => i.status !== "terminated")
          .map((i) => this.instanceView(i)),
      );
    });
    this.on("getInstance", (ctx) => {
      this.advance();
      const i = this.state.instances[ctx.params.id];
      return i ? ok(this.instanceView(i)) : this.notFound("instance");
    });
    this.on("postInstance", (ctx) => {
      this.advance();
      const i = this.state.instances[ctx.params.id];
      if (!i || i.status === "terminated") return this.notFound("instance");
      if (typeof ctx.body?.name === "string") i.name = ctx.body.name;
      this.save();
      return ok(this.instanceView(i));
    });
    this.on("launchInstance", (ctx) => {
      this.advance();
      const b = ctx.body;
      const type = TYPES[b.instance_type_name];
      if (!type || !REGIONS[b.region_name]) {
        return this.problem(
          404,
          "global/object-does-not-exist",
          !type
            ? `Instance type ${b.instance_type_name} was not found.`
            : `Region ${b.region_name} was not found.`,
          "List the available instance types and regions, then try again.",
        );
      }
      if (!Array.isArray(b.ssh_key_names) || b.ssh_key_names.length !== 1) {
        return this.problem(400, "global/invalid-parameters", "Exactly one SSH key must be specified.");
      }
      const keyNames = Object.values(this.state.sshKeys).map((k) => k.name);
      if (!keyNames.includes(b.ssh_key_names[0])) {
        return this.problem(
          404,
          "global/object-does-not-exist",
          `SSH key ${b.ssh_key_names[0]} was not found.`,
          "Add the SSH key, then try again.",
        );
      }
      const fsNames: string[] = b.file_system_names ?? [];
      for (const n of fsNames) {
        const fs = Object.values(this.state.filesystems).find((f) => f.name === n);
        if (!fs) {
          return this.problem(
            404,
            "global/object-does-not-exist",
            `Filesystem ${n} was not found.`,
            "Create the filesystem, then try again.",
          );
        }
        if (fs.region !== b.region_name) {
          return this.problem(
            400,
            "instance-operations/launch/file-system-in-wrong-region",
            `Filesystem ${n} is in ${fs.region}, not ${b.region_name}.`,
            "Launch the instance in the filesystem's region.",
          );
        }
      }
      const short = this.settings.insufficientCapacity;
      if (short === true || (Array.isArray(short) && short.includes(b.instance_type_name))) {
        return this.problem(
          400,
          "instance-operations/launch/insufficient-capacity",
          "Not enough capacity to fulfill launch request.",
          "Choose an instance type with more availability, or try again later.",
        );
      }
      const live = Object.values(this.state.instances).filter(
        (i) => i.status !== "terminated" && i.status !== "preempted",
      );
      if (live.length >= this.setting("instanceQuota", 8)) {
        return this.problem(
          400,
          "global/quota-exceeded",
          "Quota exceeded.",
          "Contact Support to increase your quota.",
        );
      }
      const n = this.state.nextHost++;
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
      this.state.instances[inst.id] = inst;
      this.save();
      return ok({ instance_ids: [inst.id] });
    });
    this.on("terminateInstance", (ctx) => {
      this.advance();
      const ids: string[] = ctx.body.instance_ids;
      const found = ids.map((id) => this.state.instances[id]);
      if (found.some((i) => !i)) return this.notFound("instance");
      for (const i of found) {
        if (i.status !== "terminated" && i.status !== "terminating") {
          i.status = "terminating";
          i.terminatedAt = Date.now();
        }
      }
      this.save();
      return ok({ terminated_instances: found.map((i) => this.instanceView(i)) });
    });
  }
}

/** An SSH wire-format string: 4-byte big-endian length, then the bytes. */
function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}
