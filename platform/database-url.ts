import type { Config } from './config';
import { embeddedDatabaseUrl } from './data-dir';
import { StartupError } from './errors';

/**
 * `DATABASE_URL`, or else the embedded Postgres that `npm start` runs for `GENIE_DATA_DIR` on
 * `GENIE_PG_PORT`. Throws a one-line `StartupError` when neither exists.
 */
export function resolveDatabaseUrl(config: Config): string {
  const url = config.DATABASE_URL ?? embeddedDatabaseUrl(config.dataDir, config.GENIE_PG_PORT);
  if (!url) {
    throw new StartupError(
      `DATABASE_URL is not set and ${config.dataDir} holds no embedded Postgres; set DATABASE_URL or run \`npm start\` first.`
    );
  }
  return url;
}
