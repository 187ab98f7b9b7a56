// LambdaFileSystem: a persistent file system in one Lambda Cloud region. The API has no update and no GET
// by id (read lists them), and refuses to delete a file system mounted by an instance
// (400 `filesystems/filesystem-in-use`): delete waits a bounded time for it to be detached (an instance
// being terminated in the same run), then reports the API's code and suggestion.
import * as pulumi from "@pulumi/pulumi";
import { type CheckFailure, configValue, isUnknown, rememberConfig, requireString } from "../dynamic";
import { isApiError } from "../http/client";
import { configuredLambda, type FilesystemApi, LAMBDA_REGIONS, lambdaErrorOf, sleep } from "./client";

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

export const fileSystemProvider: pulumi.dynamic.ResourceProvider<FileSystemInputs, FileSystemOutputs> = {
  async configure(req) {
    rememberConfig(req);
  },

  async check(_olds, news) {
    const failures: CheckFailure[] = [];
    const n = news as unknown as Record<string, unknown>;
    requireString(failures, n, "name", {
      re: /^[a-zA-Z]+[0-9a-zA-Z-]*$/,
      what: "letters first, then letters, digits and dashes",
    });
    if (typeof n.name === "string" && n.name.length > 60) {
      failures.push({ property: "name", reason: "name must be at most 60 characters" });
    }
    requireString(failures, n, "region");
    if (typeof n.region === "string" && n.region && !LAMBDA_REGIONS.includes(n.region)) {
      failures.push({
        property: "region",
        reason: `region "${n.region}" is not one of ${LAMBDA_REGIONS.join(", ")}`,
      });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const replaces = ["name", "region"].filter(
      (k) =>
        isUnknown((news as any)[k]) || (olds as any)[k] !== (news as unknown as Record<string, unknown>)[k],
    );
    return {
      changes: replaces.length > 0,
      replaces,
      // names are unique in an account: the old one must go before a new one of the same name is made
      deleteBeforeReplace: replaces.length > 0 && olds.name === news.name,
    };
  },

  async create(inputs) {
    const c = configuredLambda(configValue);
    const findExisting = async () => (await c.listFilesystems()).find((f) => f.name === inputs.name);
    const existing = await findExisting();
    if (existing) {
      if (existing.region.name !== inputs.region) {
        throw new Error(
          `Lambda: a file system named "${inputs.name}" already exists in ${existing.region.name}, not ${inputs.region}; file systems cannot move between regions`,
        );
      }
      return { id: existing.id, outs: outputs(existing) }; // adopt
    }
    const remote = await c.createFilesystem({ name: inputs.name, region: inputs.region }, findExisting);
    return { id: remote.id, outs: outputs(remote) };
  },

  async read(id) {
    const remote = (await configuredLambda(configValue).listFilesystems()).find((f) => f.id === id);
    if (!remote) return { id: "", props: {} as FileSystemOutputs };
    return { id, props: outputs(remote) };
  },

  async delete(id) {
    const c = configuredLambda(configValue);
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
  },
};

export interface FileSystemArgs {
  name: pulumi.Input<string>;
  region: pulumi.Input<string>;
}

export class LambdaFileSystem extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  declare readonly fileSystemId: pulumi.Output<string>;
  declare readonly mountPoint: pulumi.Output<string>;
  declare readonly isInUse: pulumi.Output<boolean>;
  constructor(name: string, args: FileSystemArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      fileSystemProvider,
      name,
      { ...args, fileSystemId: undefined, mountPoint: undefined, isInUse: undefined, created: undefined },
      opts,
      "lambda",
      "FileSystem",
    );
  }
}
