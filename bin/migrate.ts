// `npm run migrate`: applies pending database migrations and exits.
import { createDb, migrateLatest } from '../db';
import { getConfig } from '../platform/config';
import { openDatabase } from '../cli/database';
import { runMain } from '../platform/process';

runMain('migrate', async () => {
  const config = getConfig();
  const database = await openDatabase(config, console.log);
  const db = createDb(database.url);
  try {
    const applied = await migrateLatest(db);
    console.log(
      applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'Database is up to date.'
    );
  } finally {
    await db.destroy();
    await database.release();
  }
});
