import type { ToolDeps } from '../../activities';
import type { Db } from '../../db';
import { parseKeys } from '../../security/encryption-keys';
import { Vault } from '../../security/vault';
import { genieDataConverter } from '../../temporal/client';

/** The suite's encryption keys (API and worker must share them, as in production). */
export const TEST_ENCRYPTION_KEYS = `test1:${Buffer.alloc(32, 17).toString('base64')}`;

export const testVault = () => new Vault(parseKeys(TEST_ENCRYPTION_KEYS));

/** The suite's Temporal payload keys: every client and worker of the tests encrypts with them. */
export const TEST_PAYLOAD_KEYS = `tp1:${Buffer.alloc(32, 23).toString('base64')}`;

export const testDataConverter = () => genieDataConverter(parseKeys(TEST_PAYLOAD_KEYS, 'TEST_PAYLOAD_KEYS'));

/** Tool dependencies for calling tools directly (no SMTP, nothing private reachable). */
export const testToolDeps = (db: Db, overrides: Partial<ToolDeps> = {}): ToolDeps => ({
  db,
  vault: testVault(),
  fetchPolicy: { allowHosts: [] },
  notify: { maxPerRun: 20 },
  ...overrides,
});
