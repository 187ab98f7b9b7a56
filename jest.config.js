// Three suites: unit (Pulumi mocks, no I/O), contract (providers against the in-process sandbox) and
// e2e (the real Pulumi engine through the Automation API). `npm test` runs them all.
const transform = { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] };
const common = { testEnvironment: "node", transform, moduleFileExtensions: ["ts", "js", "json"] };

module.exports = {
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/tests/unit/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/tests/unit/setup.ts"],
    },
    { ...common, displayName: "contract", testMatch: ["<rootDir>/tests/contract/**/*.test.ts"] },
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"] },
  ],
};
