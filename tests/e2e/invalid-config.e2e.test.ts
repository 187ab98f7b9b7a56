// The engine's preview of an invalid stack config fails naming the key and what is expected, and no stand-in
// receives a single request: config.ts refuses the config before anything is declared, so no provider
// runs. A sample of tests/unit/invalid-config.test.ts's cases, one per kind, on the real engine.
import {
  closeE2eStack,
  type E2eStack,
  openE2eStack,
  SAAS_SECRETS,
  SAAS_SERVICES,
  saasConfig,
  setStackConfig,
} from "../helpers/e2eStack";
import { budget, formatStepTimings, step } from "../helpers/steps";

/** [what it breaks, the values set, what the preview's error must say] */
const CASES: [string, Record<string, string | object>, RegExp][] = [
  [
    "a typo inside a structured value",
    { openrouterKeys: [{ name: "app", limt: 25 }] },
    /sophia-ai:openrouterKeys\[0\]\.limt is not a property it has \(did you mean limit\?\)/,
  ],
  [
    "a typo of a top-level key",
    { airbyteEnabeld: "true" },
    /sophia-ai:airbyteEnabeld is not a setting of this program \(did you mean airbyteEnabled\?\)/,
  ],
  [
    "SQL in a schema name",
    { postgresSchema: "gong; DROP SCHEMA public" },
    /sophia-ai:postgresSchema must be a PostgreSQL identifier/,
  ],
  [
    "plain http to a vendor",
    { portkeyApiUrl: "http://api.portkey.ai/v1" },
    /sophia-ai:portkeyApiUrl must be https \(or http to this machine\)/,
  ],
  [
    "a 10,000-character name",
    { namePrefix: "a".repeat(10_000) },
    /sophia-ai:namePrefix must be at most 1024 characters/,
  ],
];

// Measured: a failing preview ~10-20 s on 2 cores; ×4 for a busy machine.
const BUDGET = { preview: 90_000 };
jest.setTimeout(budget(Object.fromEntries(CASES.map(([what]) => [what, BUDGET.preview]))));

let e: E2eStack;
let valid: Record<string, string | object>;

beforeAll(async () => {
  e = await openE2eStack("e2e-invalid", SAAS_SERVICES);
  valid = saasConfig(e.sb, "https://hooks.sophia-ai.example/api/webhooks/gong");
});

afterAll(async () => {
  console.log(formatStepTimings("invalid-config.e2e"));
  expect(await closeE2eStack(e)).toEqual([]);
});

test.each(CASES)(
  "%s: the preview fails naming it, and no stand-in hears a request",
  async (what, values, message) => {
    await setStackConfig(e, { ...valid, ...values }, SAAS_SECRETS);
    for (const s of SAAS_SERVICES) await e.sb.admin(s).reset();
    const failed = await step(
      `preview with ${what}`,
      () => e.stack.preview().catch((err: unknown) => err),
      BUDGET.preview,
    );
    expect(String((failed as Error)?.message ?? failed)).toMatch(message);
    for (const s of SAAS_SERVICES) expect([s, await e.sb.admin(s).requests()]).toEqual([s, []]);
    for (const k of Object.keys(values)) await e.stack.removeConfig(k).catch(() => undefined);
  },
);
