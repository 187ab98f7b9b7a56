// The provider kit: the check, diff, read and configure it generates from a declaration, the per-process
// client cache and the properties a resource class registers.
import { cachedClient, configValue, dropCachedClients, UNKNOWN } from "../../providers/dynamic";
import {
  dynamicProvider,
  flag,
  holdsProviderCode,
  must,
  object,
  optional,
  required,
  resourceProps,
  str,
  text,
} from "../../providers/kit";
import { providerReference } from "../../providers/reference";

interface Inputs {
  name: string;
  slug: string;
  region: string;
  note?: string;
  enabled?: boolean;
  settings?: Record<string, unknown>;
}
interface Outputs extends Inputs {
  objectId: string;
}

const remote = new Map<string, Outputs>();
const provider = dynamicProvider<Inputs, Outputs, Map<string, Outputs>>({
  client: () => remote,
  rules: {
    name: str(),
    slug: str({ re: /^[a-z-]+$/, what: "a slug" }),
    region: required((v) => (v === "north" ? undefined : `region "${v}" is not north`)),
    note: text,
    enabled: flag,
    settings: [
      object,
      optional((v) => (Object.keys(v as object).length > 2 ? "settings: too many" : undefined)),
    ],
  },
  validate: (n) => (n.note === n.name ? [{ property: "note", reason: "note repeats the name" }] : []),
  diff: { replace: ["slug", "region"], update: ["name", "note", "enabled", "settings"], deleteFirst: "slug" },
  async create(inputs, api) {
    const outs = { ...inputs, objectId: `o-${inputs.slug}` };
    api().set(outs.objectId, outs);
    return { id: outs.objectId, outs };
  },
  async read(id, _props, api) {
    return api().get(id);
  },
  async delete(id, _props, api) {
    api().delete(id);
  },
});

const valid: Inputs = { name: "n", slug: "s", region: "north" };
const outs: Outputs = { ...valid, objectId: "o-s" };

describe("generated check", () => {
  it("accepts valid inputs and returns them", async () => {
    expect(await provider.check!({} as Inputs, valid)).toEqual({ inputs: valid, failures: [] });
  });

  it("names the property of each failing rule, in the declared order, then the cross-property checks", async () => {
    const bad = { name: " ", slug: "Not A Slug", note: "", enabled: "yes", settings: [] };
    const res = await provider.check!({} as Inputs, bad as never);
    expect(res.failures).toEqual([
      { property: "name", reason: "name is required and must be a non-empty string" },
      { property: "slug", reason: 'slug must be a slug; got "Not A Slug"' },
      { property: "region", reason: "region is required" },
      { property: "enabled", reason: "enabled must be true or false" },
      { property: "settings", reason: "settings must be an object" },
    ]);
    const cross = await provider.check!({} as Inputs, { ...valid, note: "n", region: "south" });
    expect(cross.failures).toEqual([
      { property: "region", reason: 'region "south" is not north' },
      { property: "note", reason: "note repeats the name" },
    ]);
  });

  it("lets unknown values through (a preview input that depends on another resource)", async () => {
    const res = await provider.check!({} as Inputs, { name: UNKNOWN, slug: UNKNOWN, region: UNKNOWN });
    expect(res.failures).toEqual([]);
  });
});

describe("generated diff", () => {
  it("reports no change for equal inputs", async () => {
    expect(await provider.diff!("o-s", outs, valid)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("updates in place for update keys", async () => {
    expect(await provider.diff!("o-s", outs, { ...valid, name: "m", settings: { a: 1 } })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("replaces for replace keys, deleting first when the identity is kept", async () => {
    expect(await provider.diff!("o-s", outs, { ...valid, region: "south" })).toEqual({
      changes: true,
      replaces: ["region"],
      deleteBeforeReplace: true,
    });
    expect(await provider.diff!("o-s", outs, { ...valid, slug: "t" })).toEqual({
      changes: true,
      replaces: ["slug"],
      deleteBeforeReplace: false,
    });
  });

  it("counts an unknown value as a change", async () => {
    expect((await provider.diff!("o-s", outs, { ...valid, region: UNKNOWN })).replaces).toEqual(["region"]);
  });
});

describe("generated lifecycle", () => {
  it("remembers the configuration for configValue", async () => {
    await provider.configure!({ config: { get: (k: string) => (k === "x" ? "1" : undefined) } } as never);
    expect(configValue("x")).toBe("1");
  });

  it("reads an object, and answers a gone one with an empty id", async () => {
    const created = await provider.create(valid);
    expect(await provider.read!(created.id, created.outs)).toEqual({ id: "o-s", props: outs });
    await provider.delete!(created.id, created.outs!);
    expect(await provider.read!(created.id, created.outs)).toEqual({ id: "", props: {} });
  });

  it("refuses an in-place change when the declaration has no update (its diff replaces instead)", async () => {
    await expect(provider.update!("o-s", outs, { ...valid, name: "m" })).rejects.toThrow(
      "o-s cannot be changed in place",
    );
  });
});

describe("a resource written before providers were stored by reference", () => {
  // its state holds the provider's code (pulumi.dynamic's serialization by value); a reference holds the
  // package name loader.js is linked under
  const code = { __provider: "exports.handler = __f0; function __f0() { /* 40 KB */ }" };
  const reference = { __provider: providerReference("tests/unit/kit.test.ts", "kit:Object") };

  it("is told from one holding a reference", () => {
    expect(holdsProviderCode({ ...outs, ...code })).toBe(true);
    expect(holdsProviderCode({ ...outs, ...reference })).toBe(false);
    expect(holdsProviderCode(outs)).toBe(false);
  });

  it("diffs as an update, with nothing else changed, and as before when something is", async () => {
    expect(await provider.diff!("o-s", { ...outs, ...code }, { ...valid, ...reference })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await provider.diff!("o-s", { ...outs, ...reference }, { ...valid, ...reference })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(
      (await provider.diff!("o-s", { ...outs, ...code }, { ...valid, region: "south" })).replaces,
    ).toEqual(["region"]);
  });

  it("is updated without an API call: its outputs are kept, without the old provider", async () => {
    const calls: string[] = [];
    const withUpdate = dynamicProvider<Inputs, Outputs, string[]>({
      client: () => calls,
      rules: { name: str(), slug: str(), region: str() },
      diff: { replace: ["slug", "region"], update: ["name"] },
      async create(inputs, api) {
        api().push("create");
        return { id: "o-s", outs: { ...inputs, objectId: "o-s" } };
      },
      async read(_id, props, api) {
        api().push("read");
        return props;
      },
      async update(_id, _olds, news, api) {
        api().push("update");
        return { ...news, objectId: "o-s" };
      },
      async delete(_id, _props, api) {
        api().push("delete");
      },
    });
    const res = await withUpdate.update!("o-s", { ...outs, ...code }, { ...valid, ...reference });
    expect(res).toEqual({ outs });
    expect(calls).toEqual([]);
    // the same provider calls its update when a property of its own changed as well
    const renamed = await withUpdate.update!(
      "o-s",
      { ...outs, ...code },
      { ...valid, ...reference, name: "m" },
    );
    expect(renamed.outs).toMatchObject({ name: "m" });
    expect(calls).toEqual(["update"]);
  });
});

describe("cachedClient", () => {
  it("makes one client per service and key", () => {
    let made = 0;
    const make = () => ({ n: ++made });
    const a = cachedClient("KitTest", "url|a", make);
    expect(cachedClient("KitTest", "url|a", make)).toBe(a);
    expect(cachedClient("KitTest", "url|b", make)).not.toBe(a);
    expect(made).toBe(2);
    dropCachedClients("KitTest");
    expect(cachedClient("KitTest", "url|a", make)).not.toBe(a);
  });

  it("does not hand today's code a client cached by a provider serialized before references", () => {
    // the slot code stored by value in older states uses (dynamic.ts before provider references)
    const legacy = new Map([["url|a", { old: true }]]);
    Reflect.set(globalThis, "__sophiaKitLegacy", legacy);
    try {
      expect(cachedClient("KitLegacy", "url|a", () => ({ old: false }))).toEqual({ old: false });
      expect(legacy.get("url|a")).toEqual({ old: true });
    } finally {
      Reflect.deleteProperty(globalThis, "__sophiaKitLegacy");
    }
  });
});

describe("resourceProps", () => {
  interface Args {
    name: string;
    tags?: string[];
    key?: string;
  }
  interface Outs extends Args {
    objectId: string;
  }
  it("registers exposed outputs unset, applies defaults and registers an absent secret unset", () => {
    const props = resourceProps<Args, Outs, "objectId" | "key">(
      { name: "n" },
      {
        type: "m:T",
        declaredIn: __filename,
        outputs: ["objectId", "key"],
        defaults: { tags: [] },
        secrets: ["key"],
      },
    );
    expect(props).toEqual({ objectId: undefined, name: "n", tags: [] });
    expect(Object.keys(props).sort()).toEqual(["key", "name", "objectId", "tags"]);
  });
});

describe("must", () => {
  it("returns a found value and names a missing one", () => {
    expect(must({ a: 1 }, "x")).toEqual({ a: 1 });
    expect(() => must(undefined, "Portkey: config was not found")).toThrow("Portkey: config was not found");
  });
});

describe("stables", () => {
  // the same declaration, with the outputs an update keeps declared
  const keeping = dynamicProvider<Inputs, Outputs, Map<string, Outputs>>({
    client: () => remote,
    rules: {},
    diff: { replace: ["slug", "region"], update: ["name", "settings"], stables: ["objectId"] },
    create: async () => ({ id: "o-s", outs }),
    read: async () => outs,
    delete: async () => {},
  });

  it("lists the declared outputs and the replace keys when the diff is an update", async () => {
    const res = await keeping.diff!("o-s", outs, { ...valid, name: "m" });
    expect(res).toEqual({ changes: true, replaces: [], stables: ["objectId", "slug", "region"] });
  });

  it("keeps an unknown update input an update, with stables (a value from a resource updated in this preview)", async () => {
    const res = await keeping.diff!("o-s", outs, { ...valid, name: UNKNOWN, settings: { a: UNKNOWN } });
    expect(res).toEqual({ changes: true, replaces: [], stables: ["objectId", "slug", "region"] });
  });

  it("lists none for a replacement or no change", async () => {
    expect(await keeping.diff!("o-s", outs, { ...valid, name: "m", slug: UNKNOWN })).toEqual({
      changes: true,
      replaces: ["slug"],
    });
    expect(await keeping.diff!("o-s", outs, valid)).toEqual({ changes: false, replaces: [] });
  });

  it("keeps an Airbyte destination's actorId, so a connection's destinationId stays known in a preview", async () => {
    const { actorProvider } = await import("../../providers/airbyte/actor");
    const { connectionProvider } = await import("../../providers/airbyte/connection");
    const ws = "00000000-0000-4000-8000-000000000001";
    const dest = {
      name: "pg",
      workspaceId: ws,
      connectorType: "postgres",
      configuration: { host: "a" },
      actorId: "00000000-0000-4000-8000-0000000000d1",
      definitionId: "00000000-0000-4000-8000-0000000000de",
      createdAt: 1,
    };
    const destDiff = await actorProvider("destination").diff!(dest.actorId, dest, {
      ...dest,
      configuration: { host: "b" },
    });
    expect(destDiff.replaces).toEqual([]);
    expect(destDiff.stables).toContain("actorId");
    const conn = {
      name: "c",
      workspaceId: ws,
      sourceId: "00000000-0000-4000-8000-0000000000a1",
      destinationId: dest.actorId,
      streams: [],
      schedule: { scheduleType: "manual" as const },
      connectionId: "00000000-0000-4000-8000-0000000000c1",
      createdAt: 1,
    };
    // the engine keeps a stable output known, so the connection sees the same destinationId: no replacement
    expect(await connectionProvider.diff!(conn.connectionId, conn, { ...conn, name: "c2" })).toMatchObject({
      changes: true,
      replaces: [],
      stables: expect.arrayContaining(["connectionId", "destinationId"]),
    });
  });
});
