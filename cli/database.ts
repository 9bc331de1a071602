import { Client } from 'pg';
import type { Config } from '../platform/config';
import { startEmbeddedPostgres } from '../dev/postgres';
import { embeddedDatabaseUrl } from '../platform/data-dir';

export interface OpenedDatabase {
  url: string;
  /** Stops the embedded Postgres when this process started it; otherwise does nothing. */
  release(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The database an operator command uses: `DATABASE_URL`; else the embedded Postgres of
 * `GENIE_DATA_DIR` that a running `npm start` serves; else that embedded Postgres, started for the
 * length of the command.
 */
export async function openDatabase(config: Config, log: (line: string) => void): Promise<OpenedDatabase> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, release: () => Promise.resolve() };
  const existing = embeddedDatabaseUrl(config.dataDir, config.GENIE_PG_PORT);
  if (existing && (await answers(existing))) return { url: existing, release: () => Promise.resolve() };
  log(`Starting the embedded Postgres of ${config.dataDir} on port ${config.GENIE_PG_PORT} for this command...`);
  const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.GENIE_PG_PORT });
  return { url: pg.url, release: () => pg.stop() };
}
