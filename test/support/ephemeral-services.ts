import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServices } from '../../dev/stack';
import { freePort } from '../../platform/ports';

export interface EphemeralServices {
  databaseUrl: string;
  temporalAddress: string;
  stop(): Promise<void>;
}

/**
 * A throwaway Postgres and headless, in-memory Temporal dev server on free ports in a temp dir (for
 * the test suite and the benchmark); `stop()` ends both and removes the dir.
 */
export async function startEphemeralServices(prefix: string): Promise<EphemeralServices> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // the embedded Postgres runs as user postgres when we are root
  const temporalPort = await freePort();
  const { postgres, temporal } = await startServices({
    postgres: { dataDir: path.join(dir, 'data'), port: await freePort(), logFile: path.join(dir, 'postgres.log') },
    temporal: {
      dataDir: dir,
      port: temporalPort,
      uiPort: 0,
      headless: true,
      persistent: false,
      logFile: path.join(dir, 'temporal.log'),
    },
  });
  return {
    databaseUrl: postgres!.url,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    async stop() {
      await temporal?.stop(5000);
      await postgres?.handle.stop(5000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
