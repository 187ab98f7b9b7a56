// The Lambda stand-in's objects, credentials and catalogue (regions, instance types).
import { randomBytes } from "node:crypto";
import type { Reply } from "../core";

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

export const REGIONS: Record<string, string> = {
  "us-east-1": "Virginia, USA",
  "us-west-1": "California, USA",
  "us-south-1": "Texas, USA",
  "europe-central-1": "Germany",
  "asia-northeast-1": "Tokyo, Japan",
};

/** Instance types: description, GPU, price (cents per hour), specs [vcpus, memory GiB, storage GiB, gpus]. */
export const TYPES: Record<string, { description: string; gpu: string; price: number; specs: number[] }> = {
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

export interface StoredKey {
  id: string;
  name: string;
  public_key: string;
}
export interface StoredFs {
  id: string;
  name: string;
  region: string;
  created: string;
  bytes_used: number;
}
export interface StoredInstance {
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

export interface LambdaState {
  sshKeys: Record<string, StoredKey>;
  filesystems: Record<string, StoredFs>;
  instances: Record<string, StoredInstance>;
  nextHost: number;
}

export const hexId = () => randomBytes(16).toString("hex");

/** A success answer: Lambda wraps every result in {data}. */
export const ok = (data: unknown): Reply => ({ status: 200, body: { data } });

export const regionView = (name: string) => ({ name, description: REGIONS[name] ?? name });

/** Whether an instance still holds what it was given (its file systems): not terminated or preempted. */
export const holds = (i: StoredInstance) => i.status !== "terminated" && i.status !== "preempted";
