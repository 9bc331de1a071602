import { createApiKey, revokeApiKey, verifyApiKeyCached } from '../../db/repositories/api-keys';
import type { TestUser } from '../support/harness';
import { useStack } from '../support/stack';

/**
 * The API's in-memory trust in a verified key (verifyApiKeyCached) against Postgres: a revocation
 * in this process voids it, even one that lands while a lookup of the key is in flight.
 */
const { h, createUser } = useStack({ fake: false });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('key-cache');
});

/** Resolves once some query waits for a lock (the lookup's `last_used_at` write, held up below). */
async function untilALockIsAwaited(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await h.db.raw('SELECT count(*)::int AS waiting FROM pg_locks WHERE NOT granted');
    if (rows[0].waiting > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the lookup never waited for the lock');
}

describe('verified API keys in memory', () => {
  it('trusts a key it verified, and asks Postgres again after a revocation in this process', async () => {
    const created = await createApiKey(h.db, user.id, 'cached');
    expect(await verifyApiKeyCached(h.db, created.key)).toEqual({ keyId: created.id, userId: user.id });
    expect(await verifyApiKeyCached(h.db, created.key)).toEqual({ keyId: created.id, userId: user.id });
    expect(await revokeApiKey(h.db, user.id, created.id)).toBe(true);
    expect(await verifyApiKeyCached(h.db, created.key)).toBeUndefined();
  });

  it('does not keep a key whose lookup overlapped its revocation', async () => {
    const created = await createApiKey(h.db, user.id, 'racing'); // never used: the lookup writes last_used_at
    let lookup: Promise<unknown> | undefined;
    await h.db.transaction(async (trx) => {
      await trx('api_keys').where({ id: created.id }).forUpdate().first(); // holds up that write
      lookup = verifyApiKeyCached(h.db, created.key); // reads the key unrevoked, then waits
      await untilALockIsAwaited();
      expect(await revokeApiKey(trx, user.id, created.id)).toBe(true);
    });
    // The lookup began before the revocation: it may answer the key, but must not keep it.
    await lookup;
    expect(await verifyApiKeyCached(h.db, created.key)).toBeUndefined();
  });

  it('never keeps a key that failed, so a later good secret is still looked up', async () => {
    expect(await verifyApiKeyCached(h.db, `hg_live_${'q'.repeat(40)}`)).toBeUndefined();
    const created = await createApiKey(h.db, user.id, 'after a failure');
    const wrong = `${created.key.slice(0, 'hg_live_'.length + 12)}${'B'.repeat(28)}`;
    expect(await verifyApiKeyCached(h.db, wrong)).toBeUndefined();
    expect(await verifyApiKeyCached(h.db, created.key)).toEqual({ keyId: created.id, userId: user.id });
    expect(await verifyApiKeyCached(h.db, wrong)).toBeUndefined();
  });
});
