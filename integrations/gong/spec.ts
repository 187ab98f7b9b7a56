// Gong: the CRM integration, permission profiles and the webhook rule's minted secret.
import * as pulumi from "@pulumi/pulumi";
import { CARRIERS } from "../credentials";
import type { GongArgs, GongWorkspace } from "../gong";
import { defineIntegration, enabledBy, type ReadContext } from "../spec";
import { GONG } from "./keys";

export type GongConfig = Omit<GongArgs, "webhook" | "protect"> & { webhookUrl?: string };

/** Gong's API credentials: Airbyte's Gong source reads with them and the Gong module manages with them. */
export const gongCredentials = (ctx: ReadContext) => ({
  accessKey: ctx.ciCredential(GONG.gongAccessKey),
  accessKeySecret: ctx.ciCredential(GONG.gongAccessKeySecret),
});

function crmIntegration(ctx: ReadContext): GongArgs["crmIntegration"] {
  const raw = ctx.r.object(GONG.gongCrmIntegration);
  if (!raw) return undefined;
  const where = ctx.r.full(GONG.gongCrmIntegration);
  if (typeof raw.name !== "string" || !raw.name) ctx.r.problems.push(`${where}.name is required`);
  if (typeof raw.ownerEmail !== "string" || !/^[^@\s]+@[^@\s]+$/.test(raw.ownerEmail)) {
    ctx.r.problems.push(
      `${where}.ownerEmail must be an e-mail address; got ${JSON.stringify(raw.ownerEmail)}`,
    );
  }
  return raw as NonNullable<GongArgs["crmIntegration"]>;
}

export const gong = defineIntegration({
  name: "gong",
  keys: GONG,
  enabled: enabledBy(GONG.gongEnabled),
  ciCredentials: [GONG.gongAccessKey, GONG.gongAccessKeySecret],
  read: (ctx): GongConfig => {
    const { r } = ctx;
    const workspaceId = r.string(GONG.gongWorkspaceId);
    const crm = crmIntegration(ctx);
    const permissionProfiles = r.objectList<NonNullable<GongArgs["permissionProfiles"]>[number]>(
      GONG.gongPermissionProfiles,
    );
    const webhookUrl = r.optionalString(GONG.gongWebhookUrl);
    r.string(GONG.gongApiUrl); // read by the provider at call time; checked here so a missing one fails the preview
    return {
      namePrefix: ctx.namePrefix,
      workspaceId,
      ...(crm ? { crmIntegration: crm } : {}),
      permissionProfiles,
      webhookUrl,
    };
  },
  compose: ({ webhookUrl, ...cfg }, ctx): GongWorkspace => {
    const { GongWorkspace } = require("../gong") as typeof import("../gong");
    const secret = ctx.credential("gong");
    return new GongWorkspace("gong", {
      ...cfg,
      protect: ctx.protect,
      webhook: webhookUrl && secret ? { url: webhookUrl, secret: secret.current } : undefined,
    });
  },
  outputs: (gong) => ({
    gongPermissionProfileIds: pulumi.all(
      Object.fromEntries(Object.entries(gong.permissionProfiles).map(([k, v]) => [k, v.id])),
    ),
    ...(gong.crmIntegration ? { gongCrmIntegrationId: gong.crmIntegration.id } : {}),
    // What an admin enters in Gong's webhook rule (secret: the URL carries the key).
    ...(gong.webhookSetup ? { gongWebhookSetup: gong.webhookSetup } : {}),
  }),
  mints: {
    service: "gong",
    resource: "gong-webhook-secret",
    when: (c) => c.carried || (c.on && c.has(GONG.gongWebhookUrl)),
  },
  carries: (_gong, credential) => ({ [CARRIERS.gong[0]]: credential.current }),
  sandboxUrls: (at) => ({
    [GONG.gongApiUrl.name]: at("gong"),
    // Sophia's webhook receiver stand-in, the consumer of the rotated gong secret
    [GONG.gongWebhookUrl.name]: at("receiver", "/api/webhooks/gong"),
  }),
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
