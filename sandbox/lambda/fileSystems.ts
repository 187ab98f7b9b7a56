// File systems: names unique per account (400 `global/duplicate`); one mounted by an instance that is
// not terminated is in use and refuses delete with 400 `filesystems/filesystem-in-use`.
import type { Handler } from "../core";
import type { LambdaSandbox } from "./index";
import { hexId, holds, LAMBDA_SANDBOX, ok, regionView, type StoredFs } from "./state";

export function fileSystemRoutes(s: LambdaSandbox): Record<string, Handler> {
  const inUse = (fs: StoredFs) =>
    Object.values(s.state.instances).some((i) => holds(i) && i.file_system_names.includes(fs.name));
  const view = (fs: StoredFs) => ({
    id: fs.id,
    name: fs.name,
    mount_point: `/lambda/nfs/${fs.name}`,
    created: fs.created,
    created_by: { id: LAMBDA_SANDBOX.userId, email: LAMBDA_SANDBOX.email, status: "active" },
    is_in_use: inUse(fs),
    region: regionView(fs.region),
    bytes_used: fs.bytes_used,
  });

  return {
    listFilesystems: () => {
      s.advance();
      return ok(Object.values(s.state.filesystems).map(view));
    },
    createFilesystem: (ctx) => {
      const { name, region } = ctx.body as { name: string; region: string };
      if (Object.values(s.state.filesystems).some((f) => f.name === name)) {
        return s.problem(400, "global/duplicate", `A filesystem named "${name}" already exists.`);
      }
      const fs: StoredFs = {
        id: hexId(),
        name,
        region,
        created: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        bytes_used: 0,
      };
      s.state.filesystems[fs.id] = fs;
      s.save();
      return ok(view(fs));
    },
    filesystemDelete: (ctx) => {
      s.advance();
      const fs = s.state.filesystems[ctx.params.id];
      if (!fs) return s.problem(404, "global/object-does-not-exist", "Filesystem was not found.");
      if (inUse(fs)) {
        return s.problem(
          400,
          "filesystems/filesystem-in-use",
          `Filesystem "${fs.name}" is mounted by an instance.`,
          "Terminate the instances that use the filesystem, then try again.",
        );
      }
      delete s.state.filesystems[fs.id];
      s.save();
      return ok({ deleted_ids: [fs.id] });
    },
  };
}
