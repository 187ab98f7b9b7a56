// Sources and destinations ("actors"): connector configurations checked against the connector's required
// fields, with the connector specification's `airbyte_secret` fields masked in every response.
import { type Ctx, type Handler, newId } from "../core";
import { clone, isPlainObject } from "../core/util";
import type { AirbyteSandbox } from "./index";
import { byCreation, inWorkspaces, type Json, page, type StoredActor } from "./state";

const MASK = "**********";

export type ActorKind = "source" | "destination";

interface Connector {
  definitionId: string;
  required: string[];
  /** Dotted paths of the connector specification's airbyte_secret fields. */
  secrets: string[];
}

/** The connectors the platform uses, with the definition ids and secret fields of Airbyte's registry. */
const SOURCES: Record<string, Connector> = {
  gong: {
    definitionId: "32382e40-3b49-4b99-9c5c-4076501914e7",
    required: ["access_key", "access_key_secret"],
    secrets: ["access_key", "access_key_secret"],
  },
};
const DESTINATIONS: Record<string, Connector> = {
  postgres: {
    definitionId: "25c5221d-dce2-4163-ade9-739ef790f503",
    required: ["host", "port", "database", "username"],
    secrets: ["password", "tunnel_method.tunnel_user_password", "tunnel_method.ssh_key"],
  },
  redis: {
    definitionId: "d4d3fef9-e319-45c2-881a-bd02ce44cc9f",
    required: ["host", "port", "username", "cache_type"],
    secrets: ["password", "tunnel_method.tunnel_user_password", "tunnel_method.ssh_key"],
  },
};

/** A create request (SourceCreateRequest / DestinationCreateRequest), as validated by the harness. */
interface CreateBody {
  name: string;
  workspaceId: string;
  definitionId?: string;
  configuration: Json;
}
type UpdateBody = Partial<CreateBody>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

function getPath(o: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((x, k) => (isObject(x) ? x[k] : undefined), o);
}
function setPath(o: Json, dotted: string, v: unknown): void {
  const keys = dotted.split(".");
  let cur = o;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (!next || !isObject(next)) return;
    cur = next;
  }
  cur[keys[keys.length - 1]] = v;
}

/** The connector a configuration names (by `<kind>Type` or definition id), or why it names none. */
function connector(
  kind: ActorKind,
  cfg: Json | undefined,
  definitionId?: string,
): { name: string; connector: Connector } | { error: string } {
  const table = kind === "source" ? SOURCES : DESTINATIONS;
  const typeKey = `${kind}Type`;
  const byType = cfg?.[typeKey] as string | undefined;
  const name = byType ?? Object.entries(table).find(([, c]) => c.definitionId === definitionId)?.[0];
  if (!name) return { error: `configuration.${typeKey} or definitionId is required` };
  const c = table[name];
  if (!c)
    return { error: `Unknown ${kind} type "${name}" (the sandbox knows ${Object.keys(table).join(", ")})` };
  if (definitionId && definitionId !== c.definitionId) {
    return { error: `definitionId ${definitionId} does not match ${kind} type "${name}"` };
  }
  const missing = c.required.filter((k) => getPath(cfg, k) === undefined || getPath(cfg, k) === "");
  if (missing.length) return { error: `configuration is missing required field(s): ${missing.join(", ")}` };
  return { name, connector: c };
}

/** The stored object as the API shows it: secrets masked. */
function present(kind: ActorKind, o: StoredActor): StoredActor {
  const out = clone(o);
  const c = (kind === "source" ? SOURCES : DESTINATIONS)[String(o[`${kind}Type`])];
  for (const s of c?.secrets ?? [])
    if (getPath(out.configuration, s) !== undefined) setPath(out.configuration, s, MASK);
  return out;
}

/** Incoming configuration: a masked value means "keep the stored secret", as in the real API. */
function unmask(incoming: unknown, stored: unknown): unknown {
  if (incoming === MASK) return stored;
  if (isPlainObject(incoming)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(incoming))
      out[k] = unmask(v, isObject(stored) ? stored[k] : undefined);
    return out;
  }
  return incoming;
}

const OPERATIONS: Record<ActorKind, string[]> = {
  source: ["listSources", "createSource", "getSource", "patchSource", "putSource", "deleteSource"],
  destination: [
    "listDestinations",
    "createDestination",
    "getDestination",
    "patchDestination",
    "putDestination",
    "deleteDestination",
  ],
};

/** The routes of sources or destinations. */
export function actorRoutes(s: AirbyteSandbox, kind: ActorKind): Record<string, Handler> {
  const coll = kind === "source" ? "sources" : "destinations";
  const idKey = `${kind}Id`;
  const typeKey = `${kind}Type`;
  const Cap = kind === "source" ? "Source" : "Destination";
  const [list, create, get, patch, put, del] = OPERATIONS[kind];
  const find = (ctx: Ctx): StoredActor | undefined => s.state[coll][ctx.params[idKey]];
  const notFound = (ctx: Ctx) =>
    s.problem(404, "resource-not-found", `${Cap} ${ctx.params[idKey]} was not found`);

  const update = (replace: boolean) => (ctx: Ctx) => {
    const o = find(ctx);
    if (!o) return notFound(ctx);
    const b = (ctx.body ?? {}) as UpdateBody;
    const next = clone(o);
    if (b.name !== undefined) next.name = b.name;
    if (b.configuration !== undefined) {
      const incoming = unmask(b.configuration, o.configuration) as Json;
      next.configuration = replace ? { ...incoming } : { ...o.configuration, ...incoming };
      next.configuration[typeKey] = o[typeKey];
      const found = connector(kind, next.configuration, o.definitionId);
      if ("error" in found) return s.problem(400, "bad-request", found.error);
    }
    s.state[coll][String(o[idKey])] = next;
    s.save();
    return { status: 200, body: present(kind, next) };
  };

  return {
    [list]: (ctx) => {
      const all = Object.values(s.state[coll]).sort(byCreation);
      return page(ctx, inWorkspaces(ctx, all), (o) => present(kind, o));
    },
    [create]: (ctx) => {
      const b = ctx.body as CreateBody;
      if (!s.state.workspaces[b.workspaceId]) {
        return s.problem(400, "bad-request", `Workspace ${b.workspaceId} does not exist`);
      }
      const found = connector(kind, b.configuration, b.definitionId);
      if ("error" in found) return s.problem(400, "bad-request", found.error);
      const id = newId();
      const stored: StoredActor = {
        [idKey]: id,
        name: b.name,
        [typeKey]: found.name,
        definitionId: found.connector.definitionId,
        workspaceId: b.workspaceId,
        configuration: { ...b.configuration, [typeKey]: found.name },
        createdAt: Math.floor(Date.now() / 1000),
      };
      s.state[coll][id] = stored;
      s.save();
      return { status: 200, body: present(kind, stored) };
    },
    [get]: (ctx) => {
      const o = find(ctx);
      return o ? { status: 200, body: present(kind, o) } : notFound(ctx);
    },
    [patch]: update(false),
    [put]: update(true),
    [del]: (ctx) => {
      const o = find(ctx);
      if (!o) return notFound(ctx);
      const inUse = Object.values(s.state.connections).some((c) => c[idKey] === o[idKey]);
      if (inUse) return s.problem(400, "bad-request", `${Cap} ${o[idKey]} is used by a connection`);
      delete s.state[coll][String(o[idKey])];
      s.save();
      return { status: 204 };
    },
  };
}
