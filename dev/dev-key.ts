import fs from 'node:fs';
import { authenticateApiKey, createApiKey } from '../db/repositories/api-keys';
import { findOrCreateUserByEmail } from '../db/repositories/users';
import type { Db } from '../db';
import { devApiKeyFile } from '../platform/data-dir';

const DEV_USER_EMAIL = 'dev@localhost';

/**
 * The dev stack's API key: made once for `dev@localhost` and kept in `<dataDir>/dev-api-key`
 * (mode 0600), made again only if the stored one stopped working (revoked, or a new database).
 */
export async function ensureDevApiKey(db: Db, dataDir: string): Promise<string> {
  const file = devApiKeyFile(dataDir);
  if (fs.existsSync(file)) {
    const stored = fs.readFileSync(file, 'utf8').trim();
    if (await authenticateApiKey(db, stored)) return stored;
  }
  const user = await findOrCreateUserByEmail(db, DEV_USER_EMAIL);
  const { key } = await createApiKey(db, user.id, 'dev stack');
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
