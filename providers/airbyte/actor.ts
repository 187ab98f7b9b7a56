// AirbyteSource and AirbyteDestination: Airbyte calls both "actors"; their API objects differ only in
// names, so one provider factory serves both.
import * as pulumi from "@pulumi/pulumi";
import {
  type CheckFailure,
  changedKeys,
  configValue,
  deepMerge,
  isPlainObject,
  isUnknown,
  optionalObject,
  rememberConfig,
  requireString,
  UUID,
  withoutSecrets,
} from "../dynamic";
import { AIRBYTE_SECRET_MASK, type AirbyteClient, configuredAirbyte } from "./client";

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

/** The API calls of one kind of actor, with the kind-specific id and type fields renamed. */
function api(kind: ActorKind, client: AirbyteClient) {
  const coll = kind === "source" ? "sources" : "destinations";
  const view = (a: any): ActorApi => ({ ...a, id: a[`${kind}Id`], type: a[`${kind}Type`] });
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

export function actorProvider(kind: ActorKind): pulumi.dynamic.ResourceProvider<ActorInputs, ActorOutputs> {
  const ops = () => api(kind, configuredAirbyte(configValue));

  const typeKey = kind === "source" ? "sourceType" : "destinationType";
  const outputs = (remote: ActorApi, inputs: ActorInputs): ActorOutputs => ({
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
  });

  const body = (inputs: ActorInputs) => ({
    name: inputs.name,
    configuration: {
      ...deepMerge(inputs.configuration ?? {}, inputs.secretConfiguration ?? {}),
      [typeKey]: inputs.connectorType,
    },
  });

  return {
    async configure(req) {
      rememberConfig(req);
    },

    async check(_olds, news) {
      const failures: CheckFailure[] = [];
      const n = news as unknown as Record<string, unknown>;
      requireString(failures, n, "name");
      requireString(failures, n, "workspaceId", UUID);
      requireString(failures, n, "connectorType", {
        re: /^[a-z0-9-]+$/,
        what: 'a connector name like "postgres"',
      });
      if (n.definitionId !== undefined) requireString(failures, n, "definitionId", UUID);
      optionalObject(failures, n, "configuration");
      optionalObject(failures, n, "secretConfiguration");
      if (isPlainObject(n.configuration) && isPlainObject(n.secretConfiguration)) {
        for (const k of Object.keys(n.secretConfiguration)) {
          if (k in n.configuration && !isPlainObject(n.configuration[k])) {
            failures.push({
              property: "configuration",
              reason: `configuration.${k} is also set in secretConfiguration; set it in one place`,
            });
          }
        }
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const replaces = changedKeys(olds as any, news as any, ["workspaceId", "connectorType"]);
      if (
        news.definitionId !== undefined &&
        !isUnknown(news.definitionId) &&
        news.definitionId !== olds.definitionId
      ) {
        replaces.push("definitionId");
      }
      const updates = changedKeys(olds as any, news as any, ["name", "configuration", "secretConfiguration"]);
      return {
        changes: replaces.length + updates.length > 0,
        replaces,
        // Adoption matches by name: the old object must be gone before a replacement of the same name is made.
        deleteBeforeReplace: replaces.length > 0 && olds.name === news.name,
      };
    },

    async create(inputs) {
      const o = ops();
      const desired = body(inputs);
      const findExisting = async () =>
        (await o.list(inputs.workspaceId)).find(
          (a) => a.name === inputs.name && a.type === inputs.connectorType,
        );
      // Idempotent: adopt an object of the same name and connector type instead of creating a duplicate.
      const existing = await findExisting();
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
      return { id: remote.id, outs: outputs(remote, inputs) };
    },

    async read(id, props) {
      const remote = await ops().get(id);
      if (!remote) return { id: "", props: {} as ActorOutputs }; // gone: the engine drops it from state
      return { id, props: outputs(remote, props as ActorInputs) };
    },

    async update(id, _olds, news) {
      const o = ops();
      const remote = await o.patch(id, body(news));
      return { outs: outputs(remote, news) };
    },

    async delete(id) {
      await ops().remove(id);
    },
  };
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
abstract class AirbyteActor extends pulumi.dynamic.Resource {
  declare readonly actorId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly configuration: pulumi.Output<Record<string, unknown>>;
  declare readonly createdAt: pulumi.Output<number>;
  constructor(kind: ActorKind, name: string, args: ActorArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providers[kind],
      name,
      {
        ...args,
        secretConfiguration: args.secretConfiguration && pulumi.secret(args.secretConfiguration),
        actorId: undefined,
        createdAt: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["secretConfiguration"] }),
      "airbyte",
      kind === "source" ? "Source" : "Destination",
    );
  }
}

export class AirbyteSource extends AirbyteActor {
  constructor(name: string, args: ActorArgs, opts?: pulumi.CustomResourceOptions) {
    super("source", name, args, opts);
  }
}

export class AirbyteDestination extends AirbyteActor {
  constructor(name: string, args: ActorArgs, opts?: pulumi.CustomResourceOptions) {
    super("destination", name, args, opts);
  }
}
