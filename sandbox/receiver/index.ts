// Stand-in for Sophia's Gong webhook receiver (specs/gong-webhook-receiver.yaml), the consumer of the
// rotated `gong` secret. The real app gets the secret from its carriers (the GitHub Actions secret and
// Vercel variable GONG_WEBHOOK_SECRET), which the program sets to the current slot as it sets the
// `gongWebhookSetup` output; those carriers' plugins cannot be built here, so this receiver reads that
// output of its stack on every call (the sandbox stack unless settings say otherwise) and accepts exactly
// the key it finds there: what a freshly deployed app would accept.
import * as path from "node:path";
import { type Ctx, type Reply, Service } from "../core";
import { OpenApiSpec } from "../openapi";

interface ReceiverState {
  received: Record<string, { id: string; at: string; accepted: boolean }>;
}

export class ReceiverSandbox extends Service<ReceiverState> {
  readonly name = "receiver";
  readonly spec = new OpenApiSpec(path.join(__dirname, "..", "specs", "gong-webhook-receiver.yaml"), {
    basePath: "",
  });

  constructor() {
    super();
    this.on("receiveGongWebhook", async (ctx: Ctx) => {
      let expected: string | undefined;
      try {
        expected = await this.currentKey();
      } catch (err) {
        return {
          status: 503,
          body: { error: `cannot read the stack's gongWebhookSetup: ${(err as Error).message}` },
        };
      }
      const accepted = Boolean(expected) && ctx.query.key === expected;
      const id = String(Object.keys(this.state.received).length + 1);
      this.state.received[id] = { id, at: new Date().toISOString(), accepted };
      this.save();
      return accepted ? { status: 200, body: { ok: true } } : { status: 401, body: { error: "invalid key" } };
    });
  }

  /** The key of the stack's gongWebhookSetup output (settings: stack, backendUrl, passphrase). */
  private async currentKey(): Promise<string | undefined> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const { ROOT, localEnv, ensureEngine } = await import("../../scripts/lib");
    ensureEngine({ quiet: true });
    const stackName = String(this.settings.stack ?? "sandbox");
    const env = localEnv({ stackName });
    if (this.settings.backendUrl) env.PULUMI_BACKEND_URL = String(this.settings.backendUrl);
    else if (process.env.PULUMI_BACKEND_URL) env.PULUMI_BACKEND_URL = process.env.PULUMI_BACKEND_URL;
    const stack = await LocalWorkspace.selectStack({ stackName, workDir: ROOT }, { envVars: env });
    const setup = (await stack.outputs()).gongWebhookSetup?.value;
    return setup?.webhookUrl ? (new URL(setup.webhookUrl).searchParams.get("key") ?? undefined) : undefined;
  }

  protected seed(): ReceiverState {
    return { received: {} };
  }

  protected authenticate(): Reply | undefined {
    return undefined; // the key in the URL is the credential, checked by the handler
  }

  problem(status: number, title: string, detail: string): Reply {
    return { status, body: { error: `${title}: ${detail}` } };
  }
}
