// Setup of the unit suite (jest setupFilesAfterEnv).
// Closure serialization cannot walk modules loaded through jest's module registry, so the dynamic
// providers' code is not serialized in unit tests. The end-to-end suite runs the real serialization (and
// checks the state file holds no secret).
jest.mock("@pulumi/pulumi/runtime/closure/serializeClosure", () => ({
  serializeFunction: async () => ({
    text: "/* serialized by the real engine run, see tests/e2e */",
    containsSecrets: false,
  }),
}));
