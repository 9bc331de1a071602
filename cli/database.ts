import { Client } from 'pg';
import type { Config } from '../platform/config';
import { startEmbeddedPostgres } from '../dev/postgres';
import { embeddedDatabaseUrl, runningStack } from '../platform/data-dir';
import { StartupError } from '../platform/errors';

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
  // A running `npm start` says on which port its Postgres is, whatever GENIE_PG_PORT it was given.
  const stack = config.pgPortGiven ? undefined : runningStack(config.dataDir);
  const port = stack?.pgPort ?? config.GENIE_PG_PORT;
  const existing = embeddedDatabaseUrl(config.dataDir, port);
  if (existing && (await answers(existing))) return { url: existing, release: () => Promise.resolve() };
  if (stack?.pgPort) {
    throw new StartupError(
      `The npm start of ${config.dataDir} (pid ${stack.pid}) runs Postgres on port ${port}, but it does not answer; wait for it to come back, or stop that stack.`
    );
  }
  log(`Starting the embedded Postgres of ${config.dataDir} on port ${port} for this command...`);
  const logs: string[] = [];
  const pg = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port,
    onLog: (line) => logs.push(line),
  }).catch((err: unknown) => {
    const tail = logs.slice(-5).join('\n');
    throw new StartupError(
      `${err instanceof Error ? err.message : String(err)}${tail ? `\nPostgres said:\n${tail}` : ''}`
    );
  });
  return { url: pg.url, release: () => pg.stop() };
}
