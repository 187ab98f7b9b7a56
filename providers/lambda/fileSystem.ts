// LambdaFileSystem: a persistent file system in one Lambda Cloud region. The API has no update and no GET
// by id (read lists them), and refuses to delete a file system mounted by an instance
// (400 `filesystems/filesystem-in-use`): delete waits a bounded time for it to be detached (an instance
// being terminated in the same run), then reports the API's code and suggestion.
import type * as pulumi from "@pulumi/pulumi";
import { isApiError } from "../http/client";
import { dynamicProvider, dynamicResource, str } from "../kit";
import {
  configuredLambda,
  type FilesystemApi,
  inLambdaRegion,
  type LambdaClient,
  lambdaErrorOf,
  sleep,
} from "./client";

export interface FileSystemInputs {
  name: string;
  region: string;
}

export interface FileSystemOutputs extends FileSystemInputs {
  fileSystemId: string;
  mountPoint: string;
  isInUse: boolean;
  created: string;
}

const outputs = (remote: FilesystemApi): FileSystemOutputs => ({
  name: remote.name,
  region: remote.region.name,
  fileSystemId: remote.id,
  mountPoint: remote.mount_point,
  isInUse: remote.is_in_use,
  created: remote.created,
});

/** Deletes a file system, waiting while an instance still holds it (up to detachTimeoutMs); gone is fine. */
async function removeFileSystem(c: LambdaClient, id: string): Promise<void> {
  const deadline = Date.now() + c.timing.detachTimeoutMs;
  for (;;) {
    try {
      await c.deleteFilesystem(id);
      return;
    } catch (err) {
      if (isApiError(err) && err.status === 404) return; // already gone
      const inUse = lambdaErrorOf(err)?.code === "filesystems/filesystem-in-use";
      if (!inUse || Date.now() >= deadline) throw err;
      await sleep(c.timing.pollIntervalMs);
    }
  }
}

export const fileSystemProvider = dynamicProvider<FileSystemInputs, FileSystemOutputs, LambdaClient>({
  client: configuredLambda,
  rules: {
    name: [
      str({ re: /^[a-zA-Z]+[0-9a-zA-Z-]*$/, what: "letters first, then letters, digits and dashes" }),
      (v) => (typeof v === "string" && v.length > 60 ? "name must be at most 60 characters" : undefined),
    ],
    region: [str(), inLambdaRegion],
  },
  // no update: any change replaces; names are unique in an account, so the old one must go before a new
  // one of the same name is made
  diff: { replace: ["name", "region"], deleteFirst: "name" },

  async create(inputs, api) {
    const c = api();
    const findExisting = async () => (await c.listFilesystems()).find((f) => f.name === inputs.name);
    // Orphans: the name carries the stack's prefix, so a file system of that name the state does not hold
    // was left by an interrupted run of this stack. One in the declared region is adopted; one in another
    // region (file systems cannot move) is deleted once detached, and made anew in the declared one.
    const existing = await findExisting();
    if (existing?.region.name === inputs.region) return { id: existing.id, outs: outputs(existing) };
    if (existing) await removeFileSystem(c, existing.id);
    const remote = await c.createFilesystem({ name: inputs.name, region: inputs.region }, findExisting);
    return { id: remote.id, outs: outputs(remote) };
  },

  async read(id, _props, api) {
    const remote = (await api().listFilesystems()).find((f) => f.id === id);
    return remote && outputs(remote);
  },

  async delete(id, _props, api) {
    await removeFileSystem(api(), id);
  },
});

export interface FileSystemArgs {
  name: pulumi.Input<string>;
  region: pulumi.Input<string>;
}

export class LambdaFileSystem extends dynamicResource<FileSystemArgs>()(fileSystemProvider, {
  declaredIn: __filename,
  type: "lambda:FileSystem",
  outputs: ["name", "region", "fileSystemId", "mountPoint", "isInUse", "created"],
}) {}
