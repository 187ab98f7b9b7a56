// AirbyteSource and AirbyteDestination: Airbyte calls both "actors"; their API objects differ only in
// names, so one provider factory serves both.
import type * as pulumi from "@pulumi/pulumi";
import { type CheckFailure, deepMerge, isPlainObject, isUnknown, UUID, withoutSecrets } from "../dynamic";
import { dynamicProvider, dynamicResource, object, optional, type ProviderDeclaration, str } from "../kit";
import {
  AIRBYTE_SECRET_MASK,
  type AirbyteClient,
  configuredAirbyte,
  type DestinationResponse,
  type SourceResponse,
} from "./client";

export type ActorKind = "source" | "destination";

export interface ActorInputs {
  name: string;
  workspaceId: string;
  /** Connector type, e.g. "gong", "postgres", "redis"; sent as configuration.sourceType/destinationType. */
  connectorType: string;
  /** Connector definition UUID; optional when the API can infer it from the connector type. */
  definitionId?: string;
  /** Plain connector settings, compared with the API's answer to detect drift. */
  configuration?: Record<string, unknown>;
  /** Secret connector settings (passwords, keys): kept secret in state, never diffed against the API's masks. */
  secretConfiguration?: Record<string, unknown>;
}

export interface ActorOutputs extends ActorInputs {
  actorId: string;
  definitionId: string;
  createdAt: number;
}

interface ActorApi {
  id: string;
  name: string;
  workspaceId: string;
  type: string;
  definitionId: string;
  configuration: Record<string, unknown>;
  createdAt: number;
}

/** An actor with its kind-specific id and type fields under common names. */
function view(a: SourceResponse | DestinationResponse): ActorApi {
  const [id, type] = "sourceId" in a ? [a.sourceId, a.sourceType] : [a.destinationId, a.destinationType];
  return { ...a, id, type };
}

/** The API calls of one kind of actor, with the kind-specific id and type fields renamed. */
function api(kind: ActorKind, client: AirbyteClient) {
  const coll = kind === "source" ? "sources" : "destinations";
  return {
    list: async (ws: string) => (await client.list(coll, ws)).map(view),
    get: async (id: string) => {
      const a = await client.get(coll, id);
      return a && view(a);
    },
    create: async (body: unknown, recover: () => Promise<unknown>) =>
      view(await client.create(coll, body, recover)),
    patch: async (id: string, body: unknown) => view(await client.patch(coll, id, body)),
    remove: (id: string) => client.remove(coll, id),
  };
}
type ActorOps = ReturnType<typeof api>;

/** The connector type's key in an actor's configuration: sourceType or destinationType. */
const typeKeyOf = (kind: ActorKind) => (kind === "source" ? "sourceType" : "destinationType");

function outputs(kind: ActorKind, remote: ActorApi, inputs: ActorInputs): ActorOutputs {
  const typeKey = typeKeyOf(kind);
  return {
    name: remote.name,
    workspaceId: remote.workspaceId,
    connectorType: remote.type,
    definitionId: remote.definitionId,
    configuration: withoutSecrets(
      Object.fromEntries(Object.entries(remote.configuration ?? {}).filter(([k]) => k !== typeKey)),
      inputs.secretConfiguration,
      AIRBYTE_SECRET_MASK,
    ),
    ...(inputs.secretConfiguration ? { secretConfiguration: inputs.secretConfiguration } : {}),
    actorId: remote.id,
    createdAt: remote.createdAt,
  };
}

const body = (kind: ActorKind, inputs: ActorInputs) => ({
  name: inputs.name,
  configuration: {
    ...deepMerge(inputs.configuration ?? {}, inputs.secretConfiguration ?? {}),
    [typeKeyOf(kind)]: inputs.connectorType,
  },
});

/** A key may be plain or secret, not both (a nested object may be split between the two). */
function setOnce(n: Record<string, unknown>): CheckFailure[] {
  const { configuration: plain, secretConfiguration: secret } = n;
  if (!isPlainObject(plain) || !isPlainObject(secret)) return [];
  return Object.keys(secret)
    .filter((k) => k in plain && !isPlainObject(plain[k]))
    .map((k) => ({
      property: "configuration",
      reason: `configuration.${k} is also set in secretConfiguration; set it in one place`,
    }));
}

/**
 * Orphans: the name carries the stack's prefix, so an actor of that name in the workspace that the state
 * does not hold was made by an interrupted run. One of the declared connector type is adopted and patched
 * to the declared configuration; one of another type (which cannot change) is deleted and made anew.
 */
async function createActor(kind: ActorKind, o: ActorOps, inputs: ActorInputs) {
  const desired = body(kind, inputs);
  const named = async () => (await o.list(inputs.workspaceId)).filter((a) => a.name === inputs.name);
  const findExisting = async () => (await named()).find((a) => a.type === inputs.connectorType);
  const found = await named();
  for (const other of found.filter((a) => a.type !== inputs.connectorType)) await o.remove(other.id);
  const existing = found.find((a) => a.type === inputs.connectorType);
  const remote = existing
    ? await o.patch(existing.id, desired)
    : await o.create(
        {
          ...desired,
          workspaceId: inputs.workspaceId,
          ...(inputs.definitionId ? { definitionId: inputs.definitionId } : {}),
        },
        findExisting,
      );
  return { id: remote.id, outs: outputs(kind, remote, inputs) };
}

const checkAndDiff: Pick<
  ProviderDeclaration<ActorInputs, ActorOutputs, ActorOps>,
  "rules" | "validate" | "diff"
> = {
  rules: {
    name: str(),
    workspaceId: str(UUID),
    connectorType: str({ re: /^[a-z0-9-]+$/, what: 'a connector name like "postgres"' }),
    definitionId: optional(str(UUID)),
    configuration: object,
    secretConfiguration: object,
  },
  validate: setOnce,
  diff: {
    replace: ["workspaceId", "connectorType"],
    replaceIf: {
      definitionId: (olds, news) =>
        news.definitionId !== undefined &&
        !isUnknown(news.definitionId) &&
        news.definitionId !== olds.definitionId,
    },
    update: ["name", "configuration", "secretConfiguration"],
    // Adoption matches by name: the old object must be gone before a replacement of the same name is made.
    deleteFirst: "name",
    // an update patches name and configuration: the id, connector definition and creation time stay
    stables: ["actorId", "definitionId", "createdAt"],
  },
};

export function actorProvider(kind: ActorKind): pulumi.dynamic.ResourceProvider<ActorInputs, ActorOutputs> {
  return dynamicProvider<ActorInputs, ActorOutputs, ActorOps>({
    ...checkAndDiff,
    client: (get) => api(kind, configuredAirbyte(get)),
    create: (inputs, ops) => createActor(kind, ops(), inputs),
    async read(id, props, ops) {
      const remote = await ops().get(id);
      return remote && outputs(kind, remote, props);
    },
    async update(id, _olds, news, ops) {
      return outputs(kind, await ops().patch(id, body(kind, news)), news);
    },
    async delete(id, _props, ops) {
      await ops().remove(id);
    },
  });
}

export interface ActorArgs {
  name: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  connectorType: pulumi.Input<string>;
  definitionId?: pulumi.Input<string>;
  configuration?: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
  secretConfiguration?: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
}

// One provider object per kind, so Pulumi serializes each once per program run (it caches by object).
const providers = { source: actorProvider("source"), destination: actorProvider("destination") };

/** A source or destination: one resource class, typed airbyte:Source or airbyte:Destination. */
const actorClass = (kind: ActorKind) =>
  dynamicResource<ActorArgs>()(providers[kind], {
    declaredIn: __filename,
    type: kind === "source" ? "airbyte:Source" : "airbyte:Destination",
    outputs: ["actorId", "name", "configuration", "createdAt"],
    secrets: ["secretConfiguration"],
  });

export class AirbyteSource extends actorClass("source") {}
export class AirbyteDestination extends actorClass("destination") {}
