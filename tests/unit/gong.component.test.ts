// The Gong component under Pulumi's mocks (no engine, no network).
import * as pulumi from "@pulumi/pulumi";
import { type GongArgs, GongWorkspace, webhookUrlWithKey } from "../../integrations/gong";
import { installMocks, type Registered, settle } from "../helpers/mocks";

const registered: Registered[] = installMocks();

const WS = "6543219876543210987";
const FULL: GongArgs = {
  namePrefix: "sophia-unit",
  workspaceId: WS,
  crmIntegration: { name: "crm", ownerEmail: "ops@example.com" },
  permissionProfiles: [
    { name: "analysts", permissions: { callsAccess: { permissionLevel: "all" }, scoreCalls: true } },
    { name: "viewers" },
  ],
  webhook: { url: "https://hooks.example.com/gong?source=gong", secret: pulumi.secret("s3cr3t-value") },
};

/** Builds the component and waits until every child's registration has settled. */
async function build(args: GongArgs) {
  registered.length = 0;
  const c = new GongWorkspace("gong", args);
  await Promise.all([
    settle(c.urn),
    settle(c.crmIntegration?.integrationId),
    ...Object.values(c.permissionProfiles).map((p) => settle(p.profileId)),
    settle(c.webhookSetup),
  ]);
  return c;
}
const ofType = (t: string) =>
  registered.filter((r) => r.type === t).sort((a, b) => a.name.localeCompare(b.name));

describe("GongWorkspace", () => {
  it("creates the CRM integration and one profile per entry, with prefixed names", async () => {
    await build(FULL);
    expect(ofType("sophia:integrations:Gong").map((r) => r.name)).toEqual(["gong"]);
    const crm = ofType("pulumi-nodejs:dynamic/gong:CrmIntegration");
    expect(crm.map((r) => [r.name, r.inputs.name, r.inputs.ownerEmail])).toEqual([
      ["gong-crm", "sophia-unit-crm", "ops@example.com"],
    ]);
    const profiles = ofType("pulumi-nodejs:dynamic/gong:PermissionProfile");
    expect(profiles.map((r) => [r.name, r.inputs.name, r.inputs.workspaceId])).toEqual([
      ["gong-profile-analysts", "sophia-unit-analysts", WS],
      ["gong-profile-viewers", "sophia-unit-viewers", WS],
    ]);
    expect(profiles[0].inputs.permissions).toEqual({
      callsAccess: { permissionLevel: "all" },
      scoreCalls: true,
    });
    expect(profiles[1].inputs.permissions).toEqual({});
  });

  it("outputs the webhook rule's values as a secret, with the key in the URL", async () => {
    const c = await build(FULL);
    const setup = await settle(c.webhookSetup);
    expect(setup.secret).toBe(true);
    expect(setup.value).toEqual({
      ruleName: "sophia-unit-webhook",
      action: "Fire webhook",
      webhookUrl: "https://hooks.example.com/gong?source=gong&key=s3cr3t-value",
      authenticationMethod: "URL includes key",
      keyParameter: "key",
    });
    // the secret reaches no resource input
    expect(JSON.stringify(registered.map((r) => r.inputs))).not.toContain("s3cr3t-value");
  });

  it("encodes a secret that is not URL-safe", () => {
    expect(webhookUrlWithKey("https://h.example.com/x", "a&b=c d")).toBe(
      "https://h.example.com/x?key=a%26b%3Dc+d",
    );
  });

  it("warns at program time that Gong keeps removed profiles, naming the managed ones", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(async () => undefined);
    try {
      await build(FULL);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(
        /Gong cannot delete permission profiles through its API: .*Managed here: sophia-unit-analysts, sophia-unit-viewers$/,
      );
      warn.mockClear();
      await build({ namePrefix: "p", workspaceId: WS });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("leaves out the CRM integration, profiles and webhook when not asked for", async () => {
    const c = await build({ namePrefix: "p", workspaceId: WS });
    expect(registered.map((r) => r.type)).toEqual(["sophia:integrations:Gong"]);
    expect(c.crmIntegration).toBeUndefined();
    expect(c.webhookSetup).toBeUndefined();
  });

  it("refuses a profile listed twice", () => {
    expect(
      () =>
        new GongWorkspace("dup", {
          namePrefix: "p",
          workspaceId: WS,
          permissionProfiles: [{ name: "a" }, { name: "a" }],
        }),
    ).toThrow('GongWorkspace dup: permission profile "a" is listed twice');
  });
});
