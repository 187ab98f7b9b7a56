// Stand-in for Slack incoming webhooks: records every message so tests can count alerts.
import * as path from "node:path";
import { type Reply, Service } from "../core";
import { OpenApiSpec } from "../openapi";

export const SLACK_SANDBOX = { webhookPath: "/services/T0SANDBOX/B0SANDBOX/sandboxsecret" };

interface SlackState {
  messages: Record<string, { id: string; text: string; at: string }>;
}

export class SlackSandbox extends Service<SlackState> {
  readonly name = "slack";
  readonly spec = new OpenApiSpec(path.join(__dirname, "..", "specs", "slack-incoming-webhook.yaml"));

  constructor() {
    super();
    this.on("postWebhookMessage", (ctx) => {
      if (ctx.path !== SLACK_SANDBOX.webhookPath) return { status: 404, text: "no_service" };
      const id = String(Object.keys(this.state.messages).length + 1);
      const { text } = ctx.body as { text: string }; // required by the description, checked before this runs
      this.state.messages[id] = { id, text, at: new Date().toISOString() };
      this.save();
      return { status: 200, text: "ok" };
    });
  }

  protected seed(): SlackState {
    return { messages: {} };
  }

  protected authenticate(): Reply | undefined {
    return undefined; // the webhook URL is the credential
  }

  problem(status: number, title: string): Reply {
    return { status, text: title === "bad-request" ? "invalid_payload" : title };
  }
}
