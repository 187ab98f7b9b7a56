// The frame of an end-to-end test on the real engine: the stand-ins it needs, a stack of its own on a file
// backend in a temporary directory, its config, and the cleanup afterwards (the stack, its
// Pulumi.<stack>.yaml in the project, the directory, the stand-ins).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { GONG_SANDBOX } from "../../sandbox/gong";
import { LAMBDA_SANDBOX } from "../../sandbox/lambda";
import { OPENROUTER_SANDBOX } from "../../sandbox/openrouter";
import { PORTKEY_SANDBOX } from "../../sandbox/portkey";
import { ensureEngine, localEnv, localStack, ROOT } from "../../scripts/lib";
import { startTestSandbox, type TestSandbox } from "./sandbox";

export interface E2eStack {
  name: string;
  stack: Stack;
  /** The test's temporary directory; the state backend is its state/ folder. */
  work: string;
  backendDir: string;
  /** The environment that points `pulumi` and `sophia` at this stack's backend. */
  env: Record<string, string>;
  sb: TestSandbox;
  services: string[];
}

/** Starts the stand-ins `services` and opens the stack `<prefix>-<pid>` on a fresh file backend. */
export async function openE2eStack(prefix: string, services: string[]): Promise<E2eStack> {
  ensureEngine({ quiet: true });
  const sb = await startTestSandbox(services);
  const name = `${prefix}-${process.pid}`;
  const work = mkdtempSync(path.join(tmpdir(), `sophia-${prefix}-`));
  const backendDir = path.join(work, "state");
  try {
    const stack = await localStack({ stackName: name, backendDir });
    return { name, stack, work, backendDir, env: localEnv({ stackName: name, backendDir }), sb, services };
  } catch (err) {
    await sb.close();
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Removes the stack (with whatever it still holds) and everything the frame made; answers the exchanges
 * of the stand-ins that departed from their vendor's description, for the test to assert there were none.
 */
export async function closeE2eStack(e: E2eStack | undefined): Promise<unknown[]> {
  if (!e) return [];
  const violations = (await Promise.all(e.services.map((s) => e.sb.admin(s).violations()))).flat();
  try {
    await e.stack.workspace.removeStack(e.name, { force: true });
  } finally {
    rmSync(path.join(ROOT, `Pulumi.${e.name}.yaml`), { force: true });
    rmSync(e.work, { recursive: true, force: true });
    await e.sb.close();
  }
  return violations;
}

/**
 * Sets the stack's config: `plain` values and `secrets` (stored as secrets). Structured values (lists,
 * objects) go into the stack file as YAML, the way an operator writes them: the project declares their
 * types, and `pulumi config set` would store them as strings.
 */
export async function setStackConfig(
  e: E2eStack,
  plain: Record<string, string | object>,
  secrets: Record<string, string>,
): Promise<void> {
  const entries = Object.entries(plain);
  await e.stack.setAllConfig({
    ...Object.fromEntries(entries.flatMap(([k, v]) => (typeof v === "string" ? [[k, { value: v }]] : []))),
    ...Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, { value: v, secret: true }])),
  });
  const file = path.join(ROOT, `Pulumi.${e.name}.yaml`);
  const doc = parseYaml(readFileSync(file, "utf8"));
  for (const [k, v] of entries) if (typeof v !== "string") doc.config[`sophia-ai:${k}`] = v;
  writeFileSync(file, stringifyYaml(doc));
}

/** The stand-ins of the five SaaS integrations saasConfig turns on. */
export const SAAS_SERVICES = ["airbyte", "gong", "portkey", "openrouter", "lambda"];

/** The credentials the stand-ins of SAAS_SERVICES accept, and the databases' passwords. */
export const SAAS_SECRETS = {
  airbyteClientSecret: AIRBYTE_SANDBOX.clientSecret,
  gongAccessKey: GONG_SANDBOX.accessKey,
  gongAccessKeySecret: GONG_SANDBOX.accessKeySecret,
  portkeyApiKey: PORTKEY_SANDBOX.apiKey,
  openrouterManagementKey: OPENROUTER_SANDBOX.managementKey,
  lambdaApiKey: LAMBDA_SANDBOX.apiKey,
  postgresPassword: "e2e-postgres-password-a41d",
  redisPassword: "e2e-redis-password-0b6e",
};

/**
 * The plain config of a stack with Airbyte (Gong → PostgreSQL, Redis), Gong (a permission profile, a CRM
 * integration, the webhook), Portkey, OpenRouter and Lambda (an SSH key, a file system, no instance)
 * against the stand-ins, as Pulumi.sandbox.yaml has it.
 */
export function saasConfig(sb: TestSandbox, gongWebhookUrl: string): Record<string, string | object> {
  return {
    airbyteApiUrl: sb.url("airbyte"),
    airbyteClientId: AIRBYTE_SANDBOX.clientId,
    airbyteWorkspaceId: AIRBYTE_SANDBOX.workspaceId,
    postgresHost: "127.0.0.1",
    postgresUser: "sophia",
    postgresSslMode: "disable",
    redisHost: "127.0.0.1",
    redisSsl: "false",
    gongEnabled: "true",
    gongApiUrl: sb.url("gong"),
    gongWorkspaceId: GONG_SANDBOX.workspaceId,
    gongWebhookUrl,
    gongCrmIntegration: { name: "crm", ownerEmail: "ops@sophia-ai.example" },
    gongPermissionProfiles: [
      { name: "integration-readonly", permissions: { callsAccess: { permissionLevel: "all" } } },
    ],
    openrouterEnabled: "true",
    openrouterApiUrl: sb.url("openrouter"),
    openrouterKeys: [
      { name: "app", limit: 25, limitReset: "monthly" },
      { name: "portkey", limit: 10 },
    ],
    llmModels: { allow: ["openai/gpt-4o", "anthropic/claude-3.5-sonnet"] },
    portkeyEnabled: "true",
    portkeyApiUrl: sb.url("portkey"),
    portkeyProviders: [{ name: "openrouter", provider: "openrouter", openrouterKey: "portkey" }],
    portkeyConfigs: [
      {
        name: "chat",
        strategy: "fallback",
        targets: [
          { provider: "openrouter", overrideParams: { model: "anthropic/claude-3.5-sonnet" } },
          { provider: "openrouter", overrideParams: { model: "openai/gpt-4o" } },
        ],
      },
    ],
    lambdaEnabled: "true",
    lambdaApiUrl: sb.url("lambda"),
    lambdaSshKeys: [{ name: "ops" }],
    lambdaFileSystems: [{ name: "models", region: "us-east-1" }],
  };
}
