// Property-based tests of every dynamic provider's check (fast-check): whatever the engine hands it, check
// answers without throwing, names a property in every failure, passes inputs that are valid by
// construction unchanged, names the one property a test breaks, and lets unknown preview values through.
// Each provider is described once (a Subject); the properties at the bottom run against every Subject.
import type * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { actorProvider } from "../../providers/airbyte/actor";
import { connectionProvider, SYNC_MODES } from "../../providers/airbyte/connection";
import { type CheckFailure, isPlainObject, UNKNOWN } from "../../providers/dynamic";
import { catalogSpecProvider } from "../../providers/estuary/catalogSpec";
import { crmIntegrationProvider } from "../../providers/gong/crmIntegration";
import {
  PROFILE_FLAGS,
  permissionProfileProvider,
  SCOPED_ACCESSES,
} from "../../providers/gong/permissionProfile";
import { LAMBDA_REGIONS } from "../../providers/lambda/client";
import { fileSystemProvider } from "../../providers/lambda/fileSystem";
import { instanceProvider } from "../../providers/lambda/instance";
import { sshKeyProvider } from "../../providers/lambda/sshKey";
import { apiKeyProvider, LIMIT_RESETS } from "../../providers/openrouter/apiKey";
import { modelPolicyProvider } from "../../providers/openrouter/modelPolicy";
import { configProvider } from "../../providers/portkey/config";
import { guardrailActions, guardrailProvider } from "../../providers/portkey/guardrail";
import { integrationProvider } from "../../providers/portkey/integration";
import { providerProvider } from "../../providers/portkey/provider";

type Inputs = Record<string, unknown>;
type Check = (news: Inputs) => Promise<{ inputs: Inputs; failures: CheckFailure[] }>;

/** What a test needs to know of one provider's check. */
interface Subject {
  name: string;
  check: Check;
  /** Every input property of the provider's input interface. */
  properties: string[];
  /** Inputs valid by construction (names matching their patterns, cross-property rules kept). */
  valid: fc.Arbitrary<Inputs>;
  /** What check returns for valid inputs, where it normalizes them; the inputs themselves otherwise. */
  normalized?: (inputs: Inputs) => Inputs;
  /** Per property, values check must refuse naming that property; ABSENT deletes the property. */
  broken: Record<string, fc.Arbitrary<unknown>>;
  /** Per identifier-like property, spellings with a newline or over the vendor's length limit. */
  identifiers?: Record<string, fc.Arbitrary<string>>;
}

const RUNS = { numRuns: 150 };
/** A property deleted from the inputs (rather than set to a value). */
const ABSENT = Symbol("absent");

/** The provider's check on fresh inputs (no old inputs: a create). */
function checkOf<I>(provider: pulumi.dynamic.ResourceProvider<I>): Check {
  return async (news) => {
    const check = provider.check;
    if (!check) throw new Error("the provider has no check");
    const result = await check({} as I, news as I);
    return { inputs: result.inputs as Inputs, failures: result.failures ?? [] };
  };
}

/** The input property a failure is about: `config` for `config.targets[0].weight`. */
const rootOf = (property: string) => property.split(/[.[]/)[0];
const names = (failures: CheckFailure[], property: string) =>
  failures.some((f) => rootOf(f.property) === property);

// ---- arbitraries shared by the subjects ----

const nonBlank = fc.string({ minLength: 1 }).filter((s) => s.trim() !== "");
const blank = fc.constantFrom("", " ", "\t", " \n ");
/** A value of any JSON type but string. */
const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);
const notObject = fc.oneof(fc.integer(), fc.boolean(), fc.string(), fc.array(fc.integer(), { maxLength: 2 }));
const notBoolean = fc.oneof(fc.integer(), fc.constantFrom("true", "false"), fc.constant(null));
/** A required string property that is absent, of another type or blank. */
const badRequiredString = fc.oneof(fc.constant(ABSENT), notString, blank);
/** A required string property that is wrong in any way, including strings not matching `re`. */
const badMatching = (re: RegExp) =>
  fc.oneof(
    badRequiredString,
    fc.string().filter((s) => !re.test(s)),
  );
const badOptionalString = fc.oneof(notString, blank);
/** Valid strings with a newline put somewhere in them (the end included). */
const withNewline = (valid: fc.Arbitrary<string>) =>
  fc.tuple(valid, fc.nat(), fc.constantFrom("\n", "\r\n")).map(([s, at, nl]) => {
    const i = at % (s.length + 1);
    return `${s.slice(0, i)}${nl}${s.slice(i)}`;
  });
/** A property absent, or set to a value from `arb`. */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** An object of required and optional fields (an optional one is left out rather than set to undefined). */
const fields = (
  required: Record<string, fc.Arbitrary<unknown>>,
  opt: Record<string, fc.Arbitrary<unknown>> = {},
) => fc.record({ ...required, ...opt }, { requiredKeys: Object.keys(required) });

/** Plain JSON-ish values of every kind, with keys that trip naive code (`toString`, `__proto__`). */
const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(UNKNOWN),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom("toString", "valueOf", "__proto__", "name", "id", "type")),
      tie("value"),
      // the engine's deserialized objects have Object's prototype
      { maxKeys: 3, noNullPrototype: true },
    ),
  ),
})).value;

/** Inputs of any shape: the provider's properties (any values, often absent) and stray keys. */
const anyInputs = (properties: string[]) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(properties.map((p) => [p, jsonish])), { requiredKeys: [] }),
      fc.dictionary(fc.string(), jsonish, { maxKeys: 2 }),
    )
    .map(([known, stray]) => ({ ...stray, ...known }));

/** `inputs` with `property` set to `value`, or deleted for ABSENT. */
function withValue(inputs: Inputs, property: string, value: unknown): Inputs {
  const out = { ...inputs };
  if (value === ABSENT) delete out[property];
  else out[property] = value;
  return out;
}

/** `v` with the nodes `pick` chooses (by path, e.g. `config.targets[1].provider`) made unknown. */
function withUnknowns(v: unknown, pick: (path: string) => boolean, path = ""): unknown {
  if (path && pick(path)) return UNKNOWN;
  if (Array.isArray(v)) return v.map((x, i) => withUnknowns(x, pick, `${path}[${i}]`));
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, withUnknowns(x, pick, path ? `${path}.${k}` : k)]),
  );
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const badUuid = badMatching(UUID_RE);
const badOptionalUuid = fc.oneof(
  badOptionalString,
  fc.string().filter((s) => !UUID_RE.test(s)),
);

// ---- Airbyte ----

const CONNECTOR = /^[a-z0-9-]+$/;
/** Connector settings; plain and secret keys are kept apart (a key may not be in both). */
const settings = (prefix: string) =>
  fc.dictionary(
    fc.string().map((k) => `${prefix}${k}`),
    fc.jsonValue(),
    { maxKeys: 3 },
  );

function airbyteActors(): Subject[] {
  const valid = fields(
    { name: nonBlank, workspaceId: fc.uuid(), connectorType: fc.stringMatching(CONNECTOR) },
    { definitionId: fc.uuid(), configuration: settings("plain_"), secretConfiguration: settings("secret_") },
  );
  const broken = {
    name: badRequiredString,
    workspaceId: badUuid,
    connectorType: badMatching(CONNECTOR),
    definitionId: badOptionalUuid,
    configuration: notObject,
    secretConfiguration: notObject,
  };
  return (["source", "destination"] as const).map((kind) => ({
    name: `airbyte ${kind}`,
    check: checkOf(actorProvider(kind)),
    properties: Object.keys(broken),
    valid,
    broken,
    identifiers: {
      workspaceId: withNewline(fc.uuid()),
      connectorType: withNewline(fc.stringMatching(CONNECTOR)),
    },
  }));
}

/** Quartz cron expressions with exactly one of day-of-month and day-of-week "?". */
const quartzCron = fc
  .record({
    second: fc.integer({ min: 0, max: 59 }),
    minute: fc.oneof(fc.integer({ min: 0, max: 59 }).map(String), fc.constantFrom("*", "0/15", "5-10")),
    hour: fc.oneof(fc.integer({ min: 0, max: 23 }).map(String), fc.constant("*")),
    byWeekday: fc.boolean(),
    day: fc.oneof(fc.integer({ min: 1, max: 31 }).map(String), fc.constantFrom("*", "L", "15W")),
    month: fc.constantFrom("*", "1", "JAN", "1-6", "*/2"),
    weekday: fc.constantFrom("*", "MON", "2", "MON-FRI", "6L", "2#3"),
    year: fc.option(fc.integer({ min: 1970, max: 2199 }).map(String), { nil: undefined }),
  })
  .map((c) =>
    [
      c.second,
      c.minute,
      c.hour,
      c.byWeekday ? "?" : c.day,
      c.month,
      c.byWeekday ? c.weekday : "?",
      ...(c.year ? [c.year] : []),
    ].join(" "),
  );

const stream = fields(
  { name: nonBlank },
  {
    syncMode: fc.constantFrom(...SYNC_MODES),
    cursorField: fc.array(nonBlank, { maxLength: 2 }),
    primaryKey: fc.array(fc.array(nonBlank, { minLength: 1, maxLength: 2 }), { maxLength: 2 }),
  },
);

function airbyteConnection(): Subject {
  const broken = {
    name: badRequiredString,
    workspaceId: badUuid,
    sourceId: badUuid,
    destinationId: badUuid,
    streams: fc.oneof(
      fc.constant(ABSENT),
      notObject,
      fc.constantFrom(
        [],
        [{}],
        [{ name: "" }],
        [{ name: "a" }, { name: "a" }],
        [{ name: "a", syncMode: "x" }],
      ),
    ),
    schedule: fc.oneof(
      fc.constant(ABSENT),
      notObject,
      fc.constantFrom(
        { scheduleType: "hourly" },
        { scheduleType: "cron" },
        { scheduleType: "manual", cronExpression: "0 0 * * * ?" },
        { scheduleType: "cron", cronExpression: "0 0 * * *" },
        { scheduleType: "cron", cronExpression: "0 0 12 * * *" },
        { scheduleType: "cron", cronExpression: "0 0 25 ? * *" },
      ),
    ),
    status: fc.constantFrom("paused", "ACTIVE", 1, null),
    namespaceDefinition: fc.constantFrom("customformat", 1, null),
    nonBreakingSchemaUpdatesBehavior: fc.constantFrom("propagate", true, null),
  };
  return {
    name: "airbyte connection",
    check: checkOf(connectionProvider),
    properties: [...Object.keys(broken), "prefix"],
    valid: fields(
      {
        name: nonBlank,
        workspaceId: fc.uuid(),
        sourceId: fc.uuid(),
        destinationId: fc.uuid(),
        streams: fc.uniqueArray(stream, { minLength: 1, maxLength: 4, selector: (s) => s.name }),
        schedule: fc.oneof(
          fc.constant({ scheduleType: "manual" }),
          quartzCron.map((cronExpression) => ({ scheduleType: "cron", cronExpression })),
        ),
      },
      {
        status: fc.constantFrom("active", "inactive"),
        namespaceDefinition: fc.constantFrom("source", "destination", "custom_format"),
        prefix: fc.string(),
        nonBreakingSchemaUpdatesBehavior: fc.constantFrom(
          "ignore",
          "disable_connection",
          "propagate_columns",
          "propagate_fully",
        ),
      },
    ),
    broken,
    identifiers: { sourceId: withNewline(fc.uuid()), destinationId: withNewline(fc.uuid()) },
  };
}

// ---- Estuary ----

const SEGMENT = /^[a-zA-Z0-9\-_.]+$/;
const catalogName = fc
  .array(fc.stringMatching(SEGMENT), { minLength: 2, maxLength: 4 })
  .map((segments) => segments.join("/"));
/** Endpoint-config keys that name no credential (those belong in secretSpec). */
const configKey = fc.constantFrom(
  "host",
  "port",
  "database",
  "user",
  "schema",
  "warehouse",
  "region",
  "bucket",
);
const configValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 2 }),
);
const endpoint = fc
  .dictionary(configKey, configValue)
  .map((config) => ({ connector: { image: "ghcr.io/estuary/source-postgres:v1", config } }));
const bindings = fc.array(
  fc.record({ resource: fc.dictionary(configKey, fc.string()), target: catalogName }),
  {
    maxLength: 2,
  },
);
/** A spec with what its type requires (flow.schema.json's top-level properties). */
const specOfType = {
  capture: fc.record({ endpoint, bindings }),
  materialization: fc.record({ endpoint, bindings }),
  collection: fc.record({ key: fc.array(fc.stringMatching(/^\/[a-z_]+$/), { minLength: 1, maxLength: 2 }) }),
  test: fc.dictionary(configKey, fc.string(), { maxKeys: 2 }),
};
const secretSpec = fc
  .dictionary(fc.constantFrom("password", "api_key", "credentials_json", "private_key"), nonBlank, {
    minKeys: 1,
  })
  .map((config) => ({ endpoint: { connector: { config } } }));

function estuaryCatalogSpec(): Subject {
  const valid = fc
    .constantFrom(...(Object.keys(specOfType) as (keyof typeof specOfType)[]))
    .chain((specType) =>
      fields(
        { catalogName, specType: fc.constant(specType), spec: specOfType[specType] },
        {
          secretSpec,
          dataPlaneName: fc.constantFrom("ops/dp/public/gcp-us-central1-c1", "ops/dp/public/aws-eu-west-1"),
        },
      ),
    );
  const credentialInSpec = { endpoint: { connector: { config: { password: "hunter2" } } }, bindings: [] };
  return {
    name: "estuary catalogSpec",
    check: checkOf(catalogSpecProvider),
    properties: ["catalogName", "specType", "spec", "secretSpec", "dataPlaneName"],
    valid,
    broken: {
      catalogName: fc.oneof(
        badRequiredString,
        fc.constantFrom("single-segment", "a//b", "a/b/", "/a/b", "a b/c", "a/b\n"),
      ),
      specType: fc.oneof(fc.constant(ABSENT), notString, fc.constantFrom("source", "Capture", "")),
      spec: fc.oneof(fc.constant(ABSENT), notObject, fc.constant(credentialInSpec)),
      secretSpec: fc.oneof(
        notObject,
        fc.constantFrom(
          { bindings: [] },
          { endpoint: { connector: { image: "x" } } },
          { endpoint: { connector: { config: { "0": "x" } } } },
          { endpoint: { connector: { config: { sops: {} } } } },
        ),
      ),
      dataPlaneName: badOptionalString,
    },
    identifiers: { catalogName: withNewline(catalogName) },
  };
}

// ---- Gong ----

const email = fc.emailAddress();

function gongCrmIntegration(): Subject {
  const badSeconds = fc.constantFrom(0, -1, "10", Number.POSITIVE_INFINITY, Number.NaN, null);
  return {
    name: "gong crmIntegration",
    check: checkOf(crmIntegrationProvider),
    properties: ["name", "ownerEmail", "deleteTimeoutSeconds", "deletePollSeconds"],
    valid: fields(
      { name: nonBlank, ownerEmail: email },
      {
        deleteTimeoutSeconds: fc.integer({ min: 1, max: 86_400 }),
        deletePollSeconds: fc.double({ min: 0.001, max: 60, noNaN: true }),
      },
    ),
    broken: {
      name: badRequiredString,
      ownerEmail: fc.oneof(
        badRequiredString,
        fc.constantFrom("no-at", "a@b", "a b@c.de", "@c.de", "a@@c.de"),
      ),
      deleteTimeoutSeconds: badSeconds,
      deletePollSeconds: badSeconds,
    },
    identifiers: { ownerEmail: withNewline(email) },
  };
}

const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
const scopedAccess = fc.oneof(
  fc.record({ permissionLevel: fc.constantFrom("all", "report-to-them", "own", "none") }),
  fields(
    { permissionLevel: fc.constant("managers-team") },
    { teamLeadIds: fc.array(digits(19), { maxLength: 3 }) },
  ),
);
const libraryAccess = fc.oneof(
  fields({ permissionLevel: fc.constant("none") }, { managePublicFolder: fc.constant(false) }),
  fields(
    { permissionLevel: fc.constantFrom("all", "specific-folders") },
    {
      libraryFolderIds: fc.array(digits(19), { maxLength: 3 }),
      managePublicFolder: fc.boolean(),
      manageStreams: fc.boolean(),
      shareFoldersAndStreams: fc.boolean(),
    },
  ),
);
const permissions = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...PROFILE_FLAGS), fc.boolean()),
    fc.dictionary(fc.constantFrom(...SCOPED_ACCESSES), scopedAccess),
    maybe(libraryAccess),
  )
  .map(([flags, scoped, library]) => ({
    ...flags,
    ...scoped,
    ...(library ? { libraryFolderAccess: library } : {}),
  }));

function gongPermissionProfile(): Subject {
  return {
    name: "gong permissionProfile",
    check: checkOf(permissionProfileProvider),
    properties: ["workspaceId", "name", "permissions"],
    valid: fields({ workspaceId: digits(20), name: nonBlank }, { permissions }),
    // an absent permissions object means none managed
    normalized: (i) => ({ ...i, permissions: i.permissions ?? {} }),
    broken: {
      workspaceId: badMatching(/^\d{1,20}$/),
      name: badRequiredString,
      permissions: fc.oneof(
        fc.oneof(fc.integer(), fc.boolean(), fc.string(), fc.constant([])),
        fc.constantFrom(
          { scoreCalls: "yes" },
          { notAPermission: true },
          { callsAccess: { permissionLevel: "everyone" } },
          { callsAccess: { permissionLevel: "own", teamLeadIds: ["1"] } },
          { callsAccess: "all" },
          { libraryFolderAccess: { permissionLevel: "none", libraryFolderIds: ["1"] } },
          { libraryFolderAccess: { permissionLevel: "all", colour: "red" } },
        ),
      ),
    },
    identifiers: {
      workspaceId: fc.oneof(withNewline(digits(20)), fc.stringMatching(/^[0-9]{21,30}$/)),
    },
  };
}

// ---- Lambda ----

/** A name of 1 to `max` characters on one line (not all blank). */
const lineOf = (max: number) =>
  fc.string({ minLength: 1, maxLength: max }).filter((s) => s.trim() !== "" && !/[\n\r\u2028\u2029]/.test(s));
const overLong = (max: number) =>
  fc.string({ minLength: max + 1, maxLength: max + 40 }).filter((s) => s.trim() !== "");
const region = fc.constantFrom(...LAMBDA_REGIONS);
const badRegion = fc.oneof(badRequiredString, fc.constantFrom("us-east-9", "US-EAST-1", "us-east-1 "));
const publicKey = fc
  .record({
    type: fc.constantFrom("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "sk-ssh-ed25519@openssh.com"),
    body: fc.stringMatching(/^[A-Za-z0-9+/=]+$/),
    comment: maybe(fc.string()),
    around: fc.constantFrom("", " ", "\n", "\r\n", "\t"),
  })
  .map((k) => `${k.around}${k.type} ${k.body}${k.comment === undefined ? "" : ` ${k.comment}`}${k.around}`);

function lambdaSshKey(): Subject {
  return {
    name: "lambda sshKey",
    check: checkOf(sshKeyProvider),
    properties: ["name", "publicKey"],
    valid: fields({ name: lineOf(64) }, { publicKey }),
    // Lambda stores a key without surrounding whitespace (a .pub file's trailing newline)
    normalized: (i) => (typeof i.publicKey === "string" ? { ...i, publicKey: i.publicKey.trim() } : i),
    broken: {
      name: badRequiredString,
      publicKey: fc.oneof(
        notString,
        fc.constantFrom(
          "",
          "AAAA",
          "ssh-ed25519",
          "-----BEGIN OPENSSH PRIVATE KEY-----",
          "ssh-ed25519 AAAA\nssh-rsa BBBB",
        ),
        fc.string().map((s) => `x${s}`),
      ),
    },
    identifiers: { name: fc.oneof(withNewline(lineOf(64)), overLong(64)) },
  };
}

const FILE_SYSTEM = /^[a-zA-Z]+[0-9a-zA-Z-]*$/;
const fileSystemName = fc.stringMatching(/^[a-zA-Z][0-9a-zA-Z-]{0,59}$/);

function lambdaFileSystem(): Subject {
  return {
    name: "lambda fileSystem",
    check: checkOf(fileSystemProvider),
    properties: ["name", "region"],
    valid: fc.record({ name: fileSystemName, region }),
    broken: { name: badMatching(FILE_SYSTEM), region: badRegion },
    identifiers: {
      name: fc.oneof(withNewline(fileSystemName), fc.stringMatching(/^[a-zA-Z][0-9a-zA-Z-]{60,80}$/)),
      region: withNewline(region),
    },
  };
}

const INSTANCE_TYPE = /^[a-z0-9_]+$/;

function lambdaInstance(): Subject {
  return {
    name: "lambda instance",
    check: checkOf(instanceProvider),
    properties: ["name", "instanceType", "region", "sshKeyNames", "fileSystemNames"],
    valid: fields(
      {
        name: lineOf(64),
        instanceType: fc.stringMatching(INSTANCE_TYPE),
        region,
        sshKeyNames: fc.tuple(nonBlank),
      },
      { fileSystemNames: fc.uniqueArray(fileSystemName, { maxLength: 3 }) },
    ),
    broken: {
      name: badRequiredString,
      instanceType: badMatching(INSTANCE_TYPE),
      region: badRegion,
      sshKeyNames: fc.oneof(fc.constant(ABSENT), fc.constantFrom("key", [], ["a", "b"], [""], [1], null)),
      fileSystemNames: fc.constantFrom("fs", [""], ["a", "a"], [1], null, {}),
    },
    identifiers: {
      name: fc.oneof(withNewline(lineOf(64)), overLong(64)),
      instanceType: withNewline(fc.stringMatching(INSTANCE_TYPE)),
      region: withNewline(region),
    },
  };
}

// ---- OpenRouter ----

/** Instants with a four-digit year, written as the API writes them (with or without milliseconds). */
const utcTimestamp = fc
  .tuple(
    fc.date({
      min: new Date("2000-01-01T00:00:00Z"),
      max: new Date("9999-12-31T23:59:59Z"),
      noInvalidDate: true,
    }),
    fc.boolean(),
  )
  .map(([d, millis]) => (millis ? d.toISOString() : d.toISOString().replace(/\.\d{3}Z$/, "Z")));

function openRouterApiKey(): Subject {
  const badFlag = notBoolean;
  return {
    name: "openrouter apiKey",
    check: checkOf(apiKeyProvider()),
    properties: ["name", "limit", "limitReset", "expiresAt", "includeByokInLimit", "disabled", "keepers"],
    valid: fields(
      { name: nonBlank.filter((s) => !s.includes("#")) },
      {
        limit: fc.double({ min: 0, max: 1e6, noNaN: true }),
        limitReset: fc.constantFrom(...LIMIT_RESETS),
        expiresAt: utcTimestamp,
        includeByokInLimit: fc.boolean(),
        disabled: fc.boolean(),
        keepers: fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
      },
    ),
    broken: {
      name: fc.oneof(
        badRequiredString,
        nonBlank.map((s) => `${s}#1`),
      ),
      limit: fc.constantFrom(-1, -0.01, "5", Number.NaN, null, true),
      limitReset: fc.constantFrom("hourly", "Daily", 1, null),
      expiresAt: fc.constantFrom(
        "2027-12-31",
        "2027-12-31T23:59:59",
        "2027-12-31T23:59:59+01:00",
        "2027-13-01T00:00:00Z",
        "31/12/2027",
        1_800_000_000,
        null,
      ),
      includeByokInLimit: badFlag,
      disabled: badFlag,
      keepers: fc.constantFrom("k", [], { a: 1 }, { a: null }, 5),
    },
  };
}

const MODEL_ID = /^[a-z0-9-]{1,12}\/[a-z0-9.:-]{1,20}$/;

function openRouterModelPolicy(): Subject {
  const valid = fc
    .uniqueArray(fc.stringMatching(MODEL_ID), { maxLength: 5 })
    .chain((allow) => fc.record({ allow: fc.constant(allow), fallbacks: fc.shuffledSubarray(allow) }));
  const badList = fc.oneof(
    fc.constant(ABSENT),
    fc.constantFrom("openai/gpt-4o", null, {}, ["gpt-4o"], ["openai/gpt 4o"], ["openai/gpt-4o\n"], [1]),
    fc.stringMatching(MODEL_ID).map((id) => [id, id]),
  );
  return {
    name: "openrouter modelPolicy",
    check: checkOf(modelPolicyProvider()),
    properties: ["allow", "fallbacks"],
    valid,
    // every fallback must also be allowed: an uppercase id is never generated for allow
    broken: { allow: badList, fallbacks: fc.oneof(badList, fc.constant(["NOT/ALLOWED"])) },
  };
}

// ---- Portkey ----

const SLUG = /^[a-zA-Z0-9_-]+$/;
const slug = fc.stringMatching(SLUG);
const PROVIDER_ID = /^[a-z0-9-]+$/;

function portkeyIntegration(): Subject {
  return {
    name: "portkey integration",
    check: checkOf(integrationProvider),
    properties: ["name", "slug", "aiProviderId", "apiKey", "description", "workspaceId"],
    valid: fields(
      { name: nonBlank, slug, aiProviderId: fc.stringMatching(PROVIDER_ID), apiKey: nonBlank },
      { description: fc.string(), workspaceId: nonBlank },
    ),
    broken: {
      name: badRequiredString,
      slug: badMatching(SLUG),
      aiProviderId: badMatching(PROVIDER_ID),
      apiKey: badRequiredString,
      description: notString,
      workspaceId: badOptionalString,
    },
    identifiers: { slug: withNewline(slug), aiProviderId: withNewline(fc.stringMatching(PROVIDER_ID)) },
  };
}

const usageLimits = fc
  .record(
    {
      credit_limit: fc.integer({ min: 1, max: 1e6 }),
      type: fc.constantFrom("cost", "tokens"),
      periodic_reset: fc.constantFrom("monthly", "weekly"),
      alertShare: fc.double({ min: 0, max: 1, noNaN: true }),
    },
    { requiredKeys: ["credit_limit", "alertShare"] },
  )
  .map(({ alertShare, ...u }) => ({
    ...u,
    alert_threshold: Math.max(1, Math.floor(u.credit_limit * alertShare)),
  }));
const rateLimit = fc.record({
  type: fc.constantFrom("requests", "tokens"),
  unit: fc.constantFrom("rpm", "rph", "rpd"),
  value: fc.nat(),
});

function portkeyProvider(): Subject {
  return {
    name: "portkey provider",
    check: checkOf(providerProvider),
    properties: ["name", "slug", "integrationSlug", "workspaceId", "note", "usageLimits", "rateLimit"],
    valid: fields(
      { name: nonBlank, slug, integrationSlug: slug },
      { workspaceId: nonBlank, note: fc.string(), usageLimits, rateLimit },
    ),
    broken: {
      name: badRequiredString,
      slug: badMatching(SLUG),
      integrationSlug: badMatching(SLUG),
      workspaceId: badOptionalString,
      note: notString,
      usageLimits: fc.oneof(
        notObject,
        fc.constantFrom(
          { credit_limit: 0 },
          { credit_limit: 1.5 },
          { alert_threshold: "5" },
          { type: "dollars" },
          { periodic_reset: "daily" },
          { credit_limit: 5, alert_threshold: 6 },
        ),
      ),
      rateLimit: fc.oneof(
        notObject,
        fc.constantFrom(
          {},
          { type: "calls", unit: "rpm", value: 1 },
          { type: "requests", unit: "rps", value: 1 },
          { type: "requests", unit: "rpm", value: -1 },
          { type: "requests", unit: "rpm", value: 0.5 },
        ),
      ),
    },
    identifiers: { slug: withNewline(slug), integrationSlug: withNewline(slug) },
  };
}

const target = fields(
  { provider: slug.map((s) => `@${s}`) },
  { override_params: fc.record({ model: nonBlank }) },
);
const guardrailSlugs = fc.array(slug, { maxLength: 2 });
/** Gateway configs: fallback over two or more targets without weights, or load balancing by weight. */
const gatewayConfig = fc
  .oneof(
    fc.record({
      strategy: fc.constant({ mode: "fallback" }),
      targets: fc.array(target, { minLength: 2, maxLength: 3 }),
    }),
    fc.record({
      strategy: fc.constant({ mode: "loadbalance" }),
      targets: fc
        .array(fc.tuple(target, fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 3 })
        .map((ts) => ts.map(([t, weight], i) => ({ ...t, weight: i === 0 ? weight + 0.1 : weight }))),
    }),
  )
  .chain((routing) =>
    fields(
      {},
      {
        cache: fields({ mode: fc.constantFrom("simple", "semantic") }, { max_age: fc.integer({ min: 1 }) }),
        retry: fc.record({ attempts: fc.integer({ min: 0, max: 5 }) }),
        input_guardrails: guardrailSlugs,
        output_guardrails: guardrailSlugs,
        request_timeout: fc.integer({ min: 1, max: 600_000 }),
      },
    ).map((extras) => ({ ...routing, ...extras })),
  );

function portkeyConfig(): Subject {
  const lb = (targets: unknown[]) => ({ strategy: { mode: "loadbalance" }, targets });
  return {
    name: "portkey config",
    check: checkOf(configProvider),
    properties: ["name", "workspaceId", "config"],
    valid: fields({ name: nonBlank, config: gatewayConfig }, { workspaceId: nonBlank }),
    broken: {
      name: badRequiredString,
      workspaceId: badOptionalString,
      config: fc.oneof(
        fc.constant(ABSENT),
        notObject,
        fc.constantFrom(
          { targets: [{ provider: "@a" }] },
          { strategy: { mode: "fallback" }, targets: [{ provider: "@a" }] },
          { strategy: { mode: "single" }, targets: [{ provider: "@a" }] },
          lb([]),
          lb([{ provider: "a" }]),
          lb([{ provider: "@a", weight: -1 }]),
          lb([{ provider: "@a", weight: 0 }]),
          lb([{ provider: "@a", colour: "red" }]),
          lb([{ provider: "@a", override_params: { model: "" } }]),
          { ...lb([{ provider: "@a" }]), retry: { attempts: 6 } },
          { ...lb([{ provider: "@a" }]), cache: { mode: "exact" } },
          { ...lb([{ provider: "@a" }]), input_guardrails: [""] },
          { ...lb([{ provider: "@a" }]), virtual_key: "vk" },
        ),
      ),
    },
  };
}

const CHECK_ID = /^[a-z0-9-]+\.[a-zA-Z0-9]+$/;
const guardrailCheck = fields(
  { id: fc.stringMatching(CHECK_ID) },
  {
    parameters: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 }),
    name: fc.string(),
    is_enabled: fc.boolean(),
  },
);

function portkeyGuardrail(): Subject {
  const actions = fc
    .tuple(
      fc.boolean(),
      fc.boolean(),
      fc.dictionary(
        fc.string().map((k) => `x_${k}`),
        fc.jsonValue(),
        { maxKeys: 1 },
      ),
    )
    .map(([deny, runAsync, extra]) => ({ ...guardrailActions(deny, runAsync), ...extra }));
  const { on_fail: _dropped, ...noOnFail } = guardrailActions();
  return {
    name: "portkey guardrail",
    check: checkOf(guardrailProvider),
    properties: ["name", "workspaceId", "checks", "actions"],
    valid: fields(
      { name: nonBlank, checks: fc.array(guardrailCheck, { minLength: 1, maxLength: 3 }), actions },
      { workspaceId: nonBlank },
    ),
    broken: {
      name: badRequiredString,
      workspaceId: badOptionalString,
      checks: fc.oneof(
        fc.constant(ABSENT),
        notObject,
        fc.constantFrom([], [{}], [{ id: "regexMatch" }], [{ id: "default.regexMatch", parameters: "x" }]),
      ),
      actions: fc.oneof(
        fc.constant(ABSENT),
        notObject,
        fc.constantFrom({}, { ...guardrailActions(), deny: "yes" }, noOnFail, {
          ...guardrailActions(),
          on_success: { feedback: { value: "5", weight: 1 } },
        }),
      ),
    },
  };
}

// ---- the properties, for every provider ----

const subjects: Subject[] = [
  ...airbyteActors(),
  airbyteConnection(),
  estuaryCatalogSpec(),
  gongCrmIntegration(),
  gongPermissionProfile(),
  lambdaSshKey(),
  lambdaFileSystem(),
  lambdaInstance(),
  openRouterApiKey(),
  openRouterModelPolicy(),
  portkeyIntegration(),
  portkeyProvider(),
  portkeyConfig(),
  portkeyGuardrail(),
];

/** One property's arbitrary: a valid input with that property set to one of `values[property]`. */
const oneBroken = (s: Subject, values: Record<string, fc.Arbitrary<unknown>>) =>
  fc
    .constantFrom(...Object.keys(values))
    .chain((property) =>
      fc.record({ inputs: s.valid, property: fc.constant(property), value: values[property] }),
    );

describe.each(subjects.map((s) => [s.name, s] as const))("%s check", (_name, s) => {
  test("never throws, and every failure names an input property and says what is wrong with it", async () => {
    await fc.assert(
      fc.asyncProperty(anyInputs(s.properties), async (inputs) => {
        const { failures } = await s.check(inputs);
        for (const f of failures) {
          expect(s.properties).toContain(rootOf(f.property));
          expect(f.reason).toContain(f.property);
        }
      }),
      RUNS,
    );
  });

  test("passes inputs valid by construction, and returns them as given (or normalized)", async () => {
    await fc.assert(
      fc.asyncProperty(s.valid, async (inputs) => {
        const given = structuredClone(inputs);
        const result = await s.check(inputs);
        expect(result.failures).toEqual([]);
        expect(result.inputs).toEqual(s.normalized ? s.normalized(given) : given);
      }),
      RUNS,
    );
  });

  test("names the one property broken in valid inputs (deleted, mistyped or malformed)", async () => {
    await fc.assert(
      fc.asyncProperty(oneBroken(s, s.broken), async ({ inputs, property, value }) => {
        const { failures } = await s.check(withValue(inputs, property, value));
        expect(names(failures, property)).toBe(true);
      }),
      RUNS,
    );
  });

  test("reports no failure for a property whose value is unknown, whatever the other inputs", async () => {
    const arb = fc.tuple(anyInputs(s.properties), fc.constantFrom(...s.properties));
    await fc.assert(
      fc.asyncProperty(arb, async ([inputs, property]) => {
        const { failures } = await s.check(withValue(inputs, property, UNKNOWN));
        expect(failures.filter((f) => rootOf(f.property) === property)).toEqual([]);
      }),
      RUNS,
    );
  });

  test("passes valid inputs with any of their properties, elements or fields unknown", async () => {
    const arb = fc.tuple(s.valid, fc.func(fc.nat(3)));
    await fc.assert(
      fc.asyncProperty(arb, async ([inputs, draw]) => {
        const previewed = withUnknowns(inputs, (path) => draw(path) === 0);
        expect((await s.check(previewed as Inputs)).failures).toEqual([]);
      }),
      RUNS,
    );
  });

  const identifiers = s.identifiers;
  if (identifiers) {
    test("refuses identifiers with a newline or over the length limit", async () => {
      await fc.assert(
        fc.asyncProperty(oneBroken(s, identifiers), async ({ inputs, property, value }) => {
          const { failures } = await s.check(withValue(inputs, property, value));
          expect(names(failures, property)).toBe(true);
        }),
        RUNS,
      );
    });
  }
});

// ---- counterexamples the properties found ----

const check = (s: Subject | undefined, inputs: Inputs) => {
  if (!s) throw new Error("no such subject");
  return s.check(inputs);
};
const subject = (name: string) => subjects.find((s) => s.name === name);
const uuid = "6f1c2a4e-2b1d-4c3e-9f00-1a2b3c4d5e6f";
const connection = {
  name: "gong-to-snowflake",
  workspaceId: uuid,
  sourceId: uuid,
  destinationId: uuid,
  streams: [{ name: "calls" }],
  schedule: { scheduleType: "manual" },
};

/**
 * Counterexamples the properties found: inputs with unknown preview values inside a property that check
 * refused (fixed in the kit: a property with an unknown anywhere inside is checked once it is known).
 */
type Pin = [subject: string, what: string, inputs: Inputs];
const airbytePins: Pin[] = [
  [
    "airbyte connection",
    "an unknown schedule.scheduleType",
    { ...connection, schedule: { scheduleType: UNKNOWN, cronExpression: UNKNOWN } },
  ],
  [
    "airbyte connection",
    "two streams with unknown names",
    { ...connection, streams: [{ name: UNKNOWN }, { name: UNKNOWN }] },
  ],
  [
    "airbyte connection",
    "an unknown stream syncMode",
    { ...connection, streams: [{ name: "calls", syncMode: UNKNOWN }] },
  ],
];
const gongLambdaOpenRouterPins: Pin[] = [
  [
    "gong permissionProfile",
    "an unknown permissionLevel beside teamLeadIds",
    {
      workspaceId: "1",
      name: "p",
      permissions: { callsAccess: { permissionLevel: UNKNOWN, teamLeadIds: ["7"] } },
    },
  ],
  [
    "lambda instance",
    "two unknown file system names",
    {
      name: "i",
      instanceType: "gpu_1x_a10",
      region: "us-east-1",
      sshKeyNames: ["k"],
      fileSystemNames: [UNKNOWN, UNKNOWN],
    },
  ],
  [
    "openrouter modelPolicy",
    "an unknown allowed id that a fallback names",
    { allow: [UNKNOWN], fallbacks: ["openai/gpt-4o"] },
  ],
];
const portkeyPins: Pin[] = [
  [
    "portkey provider",
    "an unknown rateLimit.unit or usageLimits.type",
    {
      name: "p",
      slug: "p",
      integrationSlug: "i",
      rateLimit: { type: "requests", unit: UNKNOWN, value: 1 },
      usageLimits: { type: UNKNOWN },
    },
  ],
  [
    "portkey config",
    "an unknown cache.mode or retry.attempts",
    {
      name: "c",
      config: {
        strategy: { mode: "loadbalance" },
        targets: [{ provider: "@p" }],
        cache: { mode: UNKNOWN },
        retry: { attempts: UNKNOWN },
      },
    },
  ],
  [
    "portkey guardrail",
    "an unknown check id or feedback weight",
    {
      name: "g",
      checks: [{ id: UNKNOWN }],
      actions: {
        ...guardrailActions(),
        on_fail: { feedback: { value: -5, weight: UNKNOWN, metadata: "" } },
      },
    },
  ],
];

describe("counterexamples found by the properties", () => {
  test("airbyte connection: an enum value with a non-function toString is a failure, not a throw (fixed)", async () => {
    const { failures } = await check(subject("airbyte connection"), {
      ...connection,
      namespaceDefinition: { toString: 1 },
      streams: [{ name: "calls", syncMode: { toString: 1 } }],
    });
    expect(failures.map((f) => f.property)).toEqual(["streams", "namespaceDefinition"]);
  });

  test.each([...airbytePins, ...gongLambdaOpenRouterPins, ...portkeyPins])(
    "%s: %s passes check in a preview (fixed: a value with an unknown inside is checked once known)",
    async (name, _what, inputs) => {
      expect((await check(subject(name), inputs)).failures).toEqual([]);
    },
  );

  test("airbyte connection: a prefix that is not a string is refused (fixed: prefix has a rule)", async () => {
    const { failures } = await check(subject("airbyte connection"), { ...connection, prefix: 5 });
    expect(names(failures, "prefix")).toBe(true);
  });

  test("openrouter apiKey: expiresAt on a day the month lacks is refused (fixed: the date must exist)", async () => {
    const { failures } = await check(subject("openrouter apiKey"), {
      name: "k",
      expiresAt: "2027-02-30T00:00:00Z",
    });
    expect(names(failures, "expiresAt")).toBe(true);
  });
});
