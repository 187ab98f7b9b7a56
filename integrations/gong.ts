// The Gong workspace: the tenant's generic CRM integration, permission profiles, and the values an admin
// enters for the webhook rule (which only Gong's UI can create).
//
// Webhook rule, by hand, once per stack and again after each secret rotation (the stack output
// `gongWebhookSetup` holds every value, as a secret: `pulumi stack output gongWebhookSetup --show-secrets`):
//   1. In Gong: Company settings → Ecosystem → Automation rules → Add rule; name it `ruleName`.
//   2. Choose the calls that trigger it (the filters are a product decision, not managed here).
//   3. Action "Fire webhook": paste `webhookUrl` (the receiving URL with the verification key in its query
//      string) and pick the authentication method `authenticationMethod` ("URL includes key").
//   4. "Test webhook": the receiver must answer 2xx to a payload with isTest=true. Save the rule.
// The receiver accepts a request only when its `key` query parameter equals the secret. The lead creates the
// secret with a random resource whose keepers rotate it; after a rotation, repeat step 3 with the new URL.
import * as pulumi from "@pulumi/pulumi";
import { GongCrmIntegration } from "../providers/gong/crmIntegration";
import { GongPermissionProfile } from "../providers/gong/permissionProfile";

export type GongPermissionLevel = "all" | "managers-team" | "report-to-them" | "own" | "none";

export interface GongScopedAccess {
  permissionLevel: GongPermissionLevel;
  /** User ids for the managers-team level. */
  teamLeadIds?: string[];
}

/** The permission fields of Gong's PermissionProfileDTO that profiles may set; unset fields are not managed. */
export interface GongPermissions {
  callsAccess?: GongScopedAccess;
  dealsAccess?: GongScopedAccess;
  emailsAccess?: GongScopedAccess;
  libraryFolderAccess?: {
    permissionLevel: "none" | "all" | "specific-folders";
    libraryFolderIds?: string[];
    managePublicFolder?: boolean;
    manageStreams?: boolean;
    manageFolderCalls?: boolean;
    shareFoldersAndStreams?: boolean;
  };
  scoreCalls?: boolean;
  downloadCallMedia?: boolean;
  shareCallsWithCustomers?: boolean;
  manuallyScheduleAndUploadCalls?: boolean;
  privateCalls?: boolean;
  deleteCalls?: boolean;
  trimCalls?: boolean;
  listenInCalls?: boolean;
  deleteEmails?: boolean;
  callsAndSearch?: boolean;
  library?: boolean;
  deals?: boolean;
  createEditAndDeleteDealsBoards?: boolean;
  dealsInlineEditing?: boolean;
  account?: boolean;
  coaching?: boolean;
  usage?: boolean;
  teamStats?: boolean;
  initiatives?: boolean;
  market?: boolean;
  activity?: boolean;
  forecast?: boolean;
  forecastManage?: boolean;
  engageManageCompanyTemplates?: boolean;
  engageManageCompanySequences?: boolean;
  engageSnoozeFlowToDosForOthers?: boolean;
  manageGeneralBusinessSettings?: boolean;
  manageScorecards?: boolean;
  exportCallsAndCoachingDataToCSV?: boolean;
  crmDataInlineEditing?: boolean;
  crmDataImport?: boolean;
  viewRevenueAnalytics?: boolean;
  manageRevenueAnalytics?: boolean;
}

export interface GongPermissionProfileArgs {
  /** Name in Gong, after the prefix: `<namePrefix>-<name>`. */
  name: string;
  permissions?: GongPermissions;
}

export interface GongArgs {
  /** Prefix of every object name in Gong, e.g. "sophia-production". */
  namePrefix: string;
  /** Gong's numeric workspace id (GET /v2/workspaces). */
  workspaceId: string;
  /** Protect the CRM integration from deletion (production): deleting it deletes its CRM data in Gong. */
  protect?: boolean;
  /** The tenant's one generic CRM integration; Gong refuses a second one under another name. */
  crmIntegration?: {
    name: string;
    ownerEmail: string;
    /** How long a delete waits for Gong to finish (default 600 s). */
    deleteTimeoutSeconds?: number;
  };
  permissionProfiles?: GongPermissionProfileArgs[];
  /** The webhook rule an admin creates in Gong's UI (see the steps above). */
  webhook?: {
    /** The receiving endpoint, https. */
    url: pulumi.Input<string>;
    /** The verification secret (a random resource with keepers, rotated by the lead). */
    secret: pulumi.Input<string>;
    /** Rule name in Gong (default `<namePrefix>-webhook`). */
    ruleName?: string;
  };
}

export interface GongWebhookSetup {
  ruleName: string;
  action: "Fire webhook";
  webhookUrl: string;
  authenticationMethod: "URL includes key";
  /** The query parameter of webhookUrl that carries the secret. */
  keyParameter: "key";
}

/** The receiving URL with the verification key added to its query string. */
export function webhookUrlWithKey(url: string, secret: string): string {
  const u = new URL(url);
  u.searchParams.set("key", secret);
  return u.toString();
}

export class GongWorkspace extends pulumi.ComponentResource {
  readonly crmIntegration?: GongCrmIntegration;
  readonly permissionProfiles: Record<string, GongPermissionProfile> = {};
  /** What an admin enters in Gong's webhook rule; secret (the URL carries the key). */
  readonly webhookSetup?: pulumi.Output<GongWebhookSetup>;

  constructor(name: string, args: GongArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:integrations:Gong", name, {}, opts);
    const child = { parent: this };
    const p = args.namePrefix;

    if (args.crmIntegration) {
      const c = args.crmIntegration;
      this.crmIntegration = new GongCrmIntegration(
        `${name}-crm`,
        {
          name: `${p}-${c.name}`,
          ownerEmail: c.ownerEmail,
          ...(c.deleteTimeoutSeconds !== undefined ? { deleteTimeoutSeconds: c.deleteTimeoutSeconds } : {}),
        },
        // Deleting (or replacing) the integration deletes every CRM object synced into Gong.
        { ...child, protect: args.protect ?? false },
      );
    }

    const profiles = args.permissionProfiles ?? [];
    const seen: string[] = [];
    for (const profile of profiles) {
      if (seen.includes(profile.name)) {
        throw new Error(`GongWorkspace ${name}: permission profile "${profile.name}" is listed twice`);
      }
      seen.push(profile.name);
      this.permissionProfiles[profile.name] = new GongPermissionProfile(
        `${name}-profile-${profile.name}`,
        {
          workspaceId: args.workspaceId,
          name: `${p}-${profile.name}`,
          permissions: (profile.permissions ?? {}) as Record<string, unknown>,
        },
        child,
      );
    }
    if (profiles.length > 0) {
      // Gong's API cannot delete a permission profile: say so where every preview shows it.
      pulumi.log.warn(
        `Gong cannot delete permission profiles through its API: removing one from permissionProfiles leaves it in Gong (delete it in Gong's UI). Managed here: ${profiles.map((x) => `${p}-${x.name}`).join(", ")}`,
        this,
      );
    }

    if (args.webhook) {
      const w = args.webhook;
      const ruleName = w.ruleName ?? `${p}-webhook`;
      this.webhookSetup = pulumi.secret(
        pulumi.all([w.url, w.secret]).apply(
          ([url, secret]): GongWebhookSetup => ({
            ruleName,
            action: "Fire webhook",
            webhookUrl: webhookUrlWithKey(url, secret),
            authenticationMethod: "URL includes key",
            keyParameter: "key",
          }),
        ),
      );
    }

    this.registerOutputs({
      crmIntegrationId: this.crmIntegration?.integrationId,
      permissionProfileIds: Object.fromEntries(
        Object.entries(this.permissionProfiles).map(([k, r]) => [k, r.profileId]),
      ),
      webhookSetup: this.webhookSetup,
    });
  }
}
