/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // One embedded Postgres and one Temporal dev server for the whole run (real ones, no mocks);
  // each test file uses its own users, task queue and ids.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  // The Temporal SDK's native runtime keeps the event loop alive after its workers stop.
  forceExit: true,
  slowTestThreshold: 30,
};
