// Airbyte public API v1 client (sandbox/specs/vendor/airbyte/api.yaml), on the shared client layer.
import { AIRBYTE } from "../../integrations/airbyte/keys";
import { requiredSetting } from "../../integrations/keys";
import { type ConfigGet, cachedClient } from "../dynamic";
import { ApiClient, type ApiClientOptions, ClientCredentialsAuth } from "../http/client";

export interface AirbyteSettings {
  /** Base URL of the public API (airbyteApiUrl; its default in integrations/airbyte/keys.ts) */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface SourceResponse {
  sourceId: string;
  name: string;
  sourceType: string;
  definitionId: string;
  workspaceId: string;
  configuration: Record<string, unknown>;
  createdAt: number;
}

export interface DestinationResponse {
  destinationId: string;
  name: string;
  destinationType: string;
  definitionId: string;
  workspaceId: string;
  configuration: Record<string, unknown>;
  createdAt: number;
}

export interface StreamConfiguration {
  name: string;
  syncMode?: string;
  cursorField?: string[];
  primaryKey?: string[][];
}

export interface ConnectionResponse {
  connectionId: string;
  name: string;
  sourceId: string;
  destinationId: string;
  workspaceId: string;
  status: string;
  schedule: { scheduleType: string; cronExpression?: string; basicTiming?: string };
  configurations: { streams?: StreamConfiguration[] };
  namespaceDefinition?: string;
  prefix?: string;
  nonBreakingSchemaUpdatesBehavior?: string;
  createdAt: number;
  tags: unknown[];
}

export interface WorkspaceResponse {
  workspaceId: string;
  name: string;
  dataResidency: string;
}

export interface Collections {
  sources: SourceResponse;
  destinations: DestinationResponse;
  connections: ConnectionResponse;
}
export type Collection = keyof Collections;

interface Page<T> {
  data: T[];
  next?: string;
}

/** The mask Airbyte puts in place of every secret configuration value it returns. */
export const AIRBYTE_SECRET_MASK = "**********";

/** Settings from the stack config (as handed to a dynamic provider's configure) or the environment. */
export function airbyteSettings(get: (key: string) => string | undefined): AirbyteSettings {
  return {
    apiUrl: requiredSetting("Airbyte", AIRBYTE.airbyteApiUrl, get),
    clientId: requiredSetting("Airbyte", AIRBYTE.airbyteClientId, get),
    clientSecret: requiredSetting("Airbyte", AIRBYTE.airbyteClientSecret, get, "secret config"),
  };
}

export class AirbyteClient {
  readonly http: ApiClient;

  constructor(settings: AirbyteSettings, extra: Partial<ApiClientOptions> = {}) {
    const base = settings.apiUrl.replace(/\/+$/, "");
    const tokenHttp = new ApiClient({ service: "Airbyte", baseUrl: base, ...extra });
    this.http = new ApiClient({
      service: "Airbyte",
      baseUrl: base,
      ...extra,
      auth: new ClientCredentialsAuth({
        service: "Airbyte",
        tokenUrl: `${base}/applications/token`,
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        fetchToken: () =>
          tokenHttp.request("POST", "/applications/token", {
            noAuth: true,
            body: {
              client_id: settings.clientId,
              client_secret: settings.clientSecret,
              grant_type: "client_credentials",
            },
          }),
      }),
    });
  }

  private async listAll<T>(path: string, query: Record<string, string | number | boolean | string[]>) {
    const out: T[] = [];
    const limit = 100;
    for (let offset = 0; ; offset += limit) {
      const page = await this.http.get<Page<T>>(path, { ...query, limit, offset });
      out.push(...page.data);
      if (page.data.length < limit || !page.next) return out;
    }
  }

  listWorkspaces(): Promise<WorkspaceResponse[]> {
    return this.listAll<WorkspaceResponse>("/workspaces", {});
  }
  getWorkspace(id: string): Promise<WorkspaceResponse | undefined> {
    return this.http.getOrGone(`/workspaces/${encodeURIComponent(id)}`);
  }

  // One generic set of calls for the three collections: the provider closures that capture this class
  // stay small (Pulumi serializes every method of it into each resource's state).
  list<C extends Collection>(collection: C, workspaceId: string): Promise<Collections[C][]> {
    return this.listAll<Collections[C]>(`/${collection}`, { workspaceIds: [workspaceId] });
  }
  get<C extends Collection>(collection: C, id: string): Promise<Collections[C] | undefined> {
    return this.http.getOrGone(`/${collection}/${encodeURIComponent(id)}`);
  }
  create<C extends Collection>(
    collection: C,
    body: unknown,
    recover: () => Promise<unknown>,
  ): Promise<Collections[C]> {
    return this.http.request("POST", `/${collection}`, { body, recover });
  }
  patch<C extends Collection>(collection: C, id: string, body: unknown): Promise<Collections[C]> {
    return this.http.request("PATCH", `/${collection}/${encodeURIComponent(id)}`, { body });
  }
  remove(collection: Collection, id: string): Promise<void> {
    return this.http.deleteOrGone(`/${collection}/${encodeURIComponent(id)}`);
  }
}

/** The client for the configured stack (provider process), built once per settings and shared. */
export function configuredAirbyte(get: ConfigGet): AirbyteClient {
  const s = airbyteSettings(get);
  return cachedClient(
    "Airbyte",
    `${s.apiUrl}|${s.clientId}|${s.clientSecret.length}`,
    () => new AirbyteClient(s),
  );
}
