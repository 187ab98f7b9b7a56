// End to end on the real engine: resources created with one set of provider credentials are updated and
// destroyed after the stack's config moves to another and the vendor refuses the first. The dynamic
// providers read their credentials from the stack's config each time they are called (configure()), not
// from what was serialized into the state at creation.
import { randomBytes } from "node:crypto";
import { AIRBYTE_SANDBOX } from "../../sandbox/airbyte";
import { closeE2eStack, type E2eStack, openE2eStack } from "../helpers/e2eStack";
import { type Admin, airbyteStackConfig } from "../helpers/sandbox";
import { budget, formatStepTimings, step } from "../helpers/steps";

// Measured on a busy machine (two full test runs beside it), × 3 or more.
const BUDGET = { up: 150_000, refused: 90_000, update: 150_000, refresh: 90_000, destroy: 120_000 };
jest.setTimeout(budget(BUDGET));

/** Credentials A: the stand-in's application as seeded. B: the same application after its secret is rotated. */
const SECRET_A = AIRBYTE_SANDBOX.clientSecret;
const SECRET_B = `e2e-airbyte-secret-b-${randomBytes(8).toString("hex")}`;
/** The kinds of object the stack manages at Airbyte, and their id fields. */
const KINDS = { sources: "sourceId", destinations: "destinationId", connections: "connectionId" };

let e: E2eStack;
let admin: Admin;

beforeAll(async () => {
  e = await openE2eStack("e2e-creds", ["airbyte"]);
  admin = e.sb.admin("airbyte");
  await e.stack.setAllConfig(
    airbyteStackConfig(
      e.sb.url("airbyte"),
      {
        postgresHost: "127.0.0.1",
        postgresUser: "sophia",
        postgresSslMode: "disable",
        redisHost: "127.0.0.1",
        redisSsl: "false",
      },
      {
        airbyteClientSecret: SECRET_A,
        gongAccessKey: "e2e-creds-gong-access-key",
        gongAccessKeySecret: "e2e-creds-gong-access-key-secret",
        postgresPassword: "e2e-creds-postgres-password",
        redisPassword: "e2e-creds-redis-password",
      },
    ),
  );
});

afterAll(async () => {
  console.log(formatStepTimings("credentials-change.e2e"));
  expect(await closeE2eStack(e)).toEqual([]);
});

/** The status of a token request with the application's id and `secret`. */
const tokenStatus = (secret: string) =>
  fetch(`${e.sb.url("airbyte")}/applications/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: AIRBYTE_SANDBOX.clientId,
      client_secret: secret,
      grant_type: "client_credentials",
    }),
  }).then((r) => r.status);

/** The stand-in's object ids of every kind the stack manages. */
const remoteIds = async () =>
  Object.fromEntries(
    await Promise.all(
      Object.entries(KINDS).map(async ([k, id]) => [k, (await admin.objects(k)).map((o) => o[id]).sort()]),
    ),
  );

test("created with credentials A; after the config moves to B and the vendor refuses A, update and destroy work", async () => {
  const up = await step("up with credentials A", () => e.stack.up(), BUDGET.up);
  expect(up.summary.resourceChanges).toEqual({ create: 6 });
  const created = await remoteIds();
  expect(created.connections).toHaveLength(1);

  // The vendor rotates the application's secret: A is refused from now on, and the tokens it got are void.
  await admin.edit("applications", AIRBYTE_SANDBOX.clientId, { clientSecret: SECRET_B });
  await admin.expireTokens();
  expect([await tokenStatus(SECRET_A), await tokenStatus(SECRET_B)]).toEqual([403, 200]);
  // The stack still configured with A cannot read its resources: the test is not passing on stale tokens.
  const refused = await step(
    "refresh with credentials A, refused",
    () => e.stack.refresh().catch((x) => x),
    BUDGET.refused,
  );
  expect(String(refused?.message ?? refused)).toContain("Invalid client_id or client_secret");

  // The stack's config moves to B, and the connection's schedule changes: the update goes through with B
  // alone. (A refresh before this up still calls with A, as observed here: the engine configures the
  // dynamic provider with the config recorded in the state's default provider until an up records B.)
  await e.stack.setConfig("airbyteClientSecret", { value: SECRET_B, secret: true });
  await e.stack.setConfig("airbyteSyncCron", { value: "0 0 */12 * * ?" });
  await admin.reset();
  const update = await step("up with credentials B", () => e.stack.up(), BUDGET.update);
  expect(update.summary.resourceChanges).toEqual({ update: 1, same: 5 });
  const [connection] = await admin.objects("connections");
  expect(connection.schedule).toEqual({ scheduleType: "cron", cronExpression: "0 0 */12 * * ?" });
  expect(await remoteIds()).toEqual(created);
  // and now a refresh reads every resource with B
  await step("refresh with credentials B", () => e.stack.refresh(), BUDGET.refresh);
  const tokens = (await admin.requests()).filter((r) => r.route === "POST /applications/token");
  expect(tokens.length).toBeGreaterThan(0);
  expect(tokens.map((r) => r.status)).toEqual(tokens.map(() => 200));

  const destroy = await step("destroy with credentials B", () => e.stack.destroy(), BUDGET.destroy);
  expect(destroy.summary.resourceChanges).toEqual({ delete: 6 });
  expect(await remoteIds()).toEqual({ sources: [], destinations: [], connections: [] });
});
