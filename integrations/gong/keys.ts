// gong: its config keys, defined once (see integrations/keys.ts).
import { defineKeys, URL_RULE } from "../keys";
import type { Shape } from "../shape";

/** The boolean permission flags of Gong's PermissionProfileDTO (the Gong provider manages these too). */
export const GONG_PROFILE_FLAGS = [
  "scoreCalls",
  "downloadCallMedia",
  "shareCallsWithCustomers",
  "manuallyScheduleAndUploadCalls",
  "privateCalls",
  "deleteCalls",
  "trimCalls",
  "listenInCalls",
  "deleteEmails",
  "callsAndSearch",
  "library",
  "deals",
  "createEditAndDeleteDealsBoards",
  "dealsInlineEditing",
  "account",
  "coaching",
  "usage",
  "teamStats",
  "initiatives",
  "market",
  "activity",
  "forecast",
  "forecastManage",
  "engageManageCompanyTemplates",
  "engageManageCompanySequences",
  "engageSnoozeFlowToDosForOthers",
  "manageGeneralBusinessSettings",
  "manageScorecards",
  "exportCallsAndCoachingDataToCSV",
  "crmDataInlineEditing",
  "crmDataImport",
  "viewRevenueAnalytics",
  "manageRevenueAnalytics",
];

const SCOPED: Shape = { permissionLevel: "string", teamLeadIds: "strings" };

/** The permission fields of Gong's PermissionProfileDTO a profile may set (integrations/gong.ts, GongPermissions). */
const GONG_PERMISSIONS: Shape = {
  callsAccess: SCOPED,
  dealsAccess: SCOPED,
  emailsAccess: SCOPED,
  libraryFolderAccess: {
    permissionLevel: { oneOf: ["none", "all", "specific-folders"] },
    libraryFolderIds: "strings",
    managePublicFolder: "boolean",
    manageStreams: "boolean",
    manageFolderCalls: "boolean",
    shareFoldersAndStreams: "boolean",
  },
  ...Object.fromEntries(GONG_PROFILE_FLAGS.map((k) => [k, "boolean" as const])),
};

export const GONG = defineKeys({
  gongEnabled: {
    type: "boolean",
    description: "Manage Gong's CRM integration and permission profiles, and the webhook rule's secret.",
    defaultValue: false,
  },
  gongApiUrl: {
    type: "string",
    description:
      "The Gong tenant's API base URL (each tenant has its own, e.g. https://us-12345.api.gong.io).",
    defaultValue: "",
    required: true,
    ...URL_RULE,
    what: "the Gong tenant's API base URL, an http(s) URL like https://us-12345.api.gong.io",
  },
  gongWorkspaceId: {
    type: "string",
    description: "Gong's numeric workspace id (GET /v2/workspaces).",
    defaultValue: "",
    required: true,
    pattern: /^\d{1,20}$/,
    what: "Gong's numeric workspace id (GET /v2/workspaces)",
  },
  gongCrmIntegration: {
    type: "object",
    description:
      'The tenant\'s one generic CRM integration, {"name": "...", "ownerEmail": "..."} (optional).',
    defaultValue: {},
    shape: { name: "string", ownerEmail: "string", deleteTimeoutSeconds: "integer" },
  },
  gongPermissionProfiles: {
    type: "array",
    items: "object",
    description:
      'Permission profiles, [{"name": "integration-readonly", "permissions": {...}}]; Gong cannot delete one.',
    defaultValue: [],
    shape: { name: "string", permissions: GONG_PERMISSIONS },
  },
  gongWebhookUrl: {
    type: "string",
    description: "The endpoint Gong's webhook rule calls; its secret is minted and rotated here (optional).",
    defaultValue: "",
    ...URL_RULE,
  },
  gongAccessKey: { type: "string", description: "Gong API access key (Basic auth user).", secret: true },
  gongAccessKeySecret: {
    type: "string",
    description: "Gong API access key secret (Basic auth password).",
    secret: true,
  },
});
