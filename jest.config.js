/** What both tiers share. */
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  testTimeout: 60_000,
  slowTestThreshold: 30,
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    // Pure logic: no Postgres, no Temporal (`npm run test:unit`, a few seconds).
    { ...common, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration', '<rootDir>/test/workflows', '<rootDir>/test/e2e', '<rootDir>/test/browser'],
      // One embedded Postgres and one Temporal dev server for the whole run (real ones, no mocks);
      // each test file uses its own users, task queue and ids. A project's globalSetup runs only
      // when at least one of its test files is selected: a run of unit tests alone starts neither.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 60_000,
  // The Temporal SDK's native runtime keeps the event loop alive after its workers stop.
  forceExit: true,
};
