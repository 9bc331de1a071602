import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrateLatest } from '../../db';
import { startServices } from '../../lib/dev/stack';
import type { ChildHandle } from '../../lib/dev/processes';
import { freePort } from '../../lib/ports';

declare global {
  var __GENIE_TEST_STACK__: { handles: ChildHandle[]; dir: string } | undefined;
}

/**
 * Starts the real services the suite runs against — an embedded Postgres and a Temporal dev server
 * on free ports in a temp dir — migrates the database, and hands their addresses to the test
 * workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genie-test-'));
  fs.chmodSync(dir, 0o755); // the embedded Postgres runs as user postgres when we are root
  const started = Date.now();
  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const { postgres, temporal } = (await startServices({
    postgres: { dataDir: path.join(dir, 'data'), port: pgPort, logFile: path.join(dir, 'postgres.log') },
    temporal: {
      dataDir: dir,
      port: temporalPort,
      uiPort: 0,
      headless: true,
      persistent: false,
      logFile: path.join(dir, 'temporal.log'),
    },
  })) as Required<Awaited<ReturnType<typeof startServices>>>;
  globalThis.__GENIE_TEST_STACK__ = { handles: [temporal, postgres.handle], dir };
  const db = createDb(postgres.url);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  process.env.DATABASE_URL = postgres.url;
  process.env.TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
  process.env.GENIE_TEST_DIR = dir;
  process.stdout.write(
    `\n[test stack] Postgres :${pgPort}, Temporal :${temporalPort} up in ${Date.now() - started} ms\n`
  );
}
