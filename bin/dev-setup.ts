// Child process of `npm start`, once per start: brings the database up to date and makes sure of
// the dev API key (in GENIE_DATA_DIR/dev-api-key), then exits. A process of its own so that the
// supervisor, which runs as long as the stack, never loads knex and pg.
import { createDb, migrateLatest } from '../db';
import { ensureDevApiKey } from '../dev/dev-key';
import { getConfig } from '../platform/config';
import { resolveDatabaseUrl } from '../platform/database-url';
import { runMain } from '../platform/process';

runMain('dev-setup', async () => {
  const config = getConfig();
  const db = createDb(resolveDatabaseUrl(config), { max: 2 });
  try {
    await migrateLatest(db);
    await ensureDevApiKey(db, config.dataDir);
  } finally {
    await db.destroy();
  }
});
