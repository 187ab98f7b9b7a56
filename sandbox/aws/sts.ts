// STS: GetCallerIdentity (who the credentials are); any other Action is InvalidAction. STS answers XML.
import { randomUUID } from "node:crypto";
import type { Handler } from "../core";
import type { AwsSandbox } from "./index";
import { AWS_SANDBOX } from "./state";

export const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";

export function stsRoutes(s: AwsSandbox): Record<string, Handler> {
  return {
    stsAction: (ctx) => {
      // a form body (Action=...&Version=...), its fields checked against the description before this runs
      const { Action } = ctx.body as { Action?: string };
      if (Action !== "GetCallerIdentity") {
        return s.stsError(400, "InvalidAction", `Could not find operation ${Action} for version 2011-06-15`);
      }
      const me = s.caller!;
      return {
        status: 200,
        headers: { "content-type": "text/xml", "x-amzn-requestid": randomUUID() },
        text: `<GetCallerIdentityResponse xmlns="${STS_NS}">
  <GetCallerIdentityResult>
    <Arn>${me.arn}</Arn>
    <UserId>${me.userId}</UserId>
    <Account>${AWS_SANDBOX.account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`,
      };
    },
  };
}
