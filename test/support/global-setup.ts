import { createDb, migrateLatest } from '../../db';
import { startEphemeralServices, type EphemeralServices } from './ephemeral-services';
import { TEST_PAYLOAD_KEYS } from './keys';

declare global {
  var __GENIE_TEST_STACK__: EphemeralServices | undefined;
}

/**
 * Starts the real services the suite runs against — an embedded Postgres and a Temporal dev server
 * on free ports in a temp dir — migrates the database, and hands their addresses to the test
 * workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const services = await startEphemeralServices('genie-test-');
  globalThis.__GENIE_TEST_STACK__ = services;
  const db = createDb(services.databaseUrl);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  process.env.DATABASE_URL = services.databaseUrl;
  process.env.TEMPORAL_ADDRESS = services.temporalAddress;
  // Processes the tests start (bin/worker.ts, bin/api.ts, the CLI) encrypt payloads as the suite does.
  process.env.GENIE_PAYLOAD_KEYS = TEST_PAYLOAD_KEYS;
  process.env.GENIE_WORKER_METRICS_PORT = '0'; // workers the tests start serve no metrics, unless a test asks
  process.stdout.write(
    `\n[test stack] Postgres ${services.databaseUrl.replace(/:[^:@/]+@/, ':***@')}, Temporal ${services.temporalAddress} up in ${Date.now() - started} ms\n`
  );
}
