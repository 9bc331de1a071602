import { generateApiKey, parseApiKey, secretMatches } from '../../security/api-keys';
import type { Db, Queryable } from '../index';

export interface ApiKeyRow {
  id: string;
  user_id: string;
  prefix: string;
  secret_sha256: Buffer;
  name: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** How stale `last_used_at` may get before a request refreshes it (saves a write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Active (unrevoked) keys one user may hold at once. */
export const MAX_ACTIVE_API_KEYS = 50;

/** The user already holds MAX_ACTIVE_API_KEYS active keys: one must be revoked first. */
export class TooManyApiKeysError extends Error {
  override name = 'TooManyApiKeysError';
  readonly limit = MAX_ACTIVE_API_KEYS;

  constructor() {
    super(`This user has ${MAX_ACTIVE_API_KEYS} active API keys, the most one user may hold; revoke one first.`);
  }
}

/**
 * Creates a key for the user; the returned `key` is the only time the secret exists in clear.
 * Throws TooManyApiKeysError when the user already holds MAX_ACTIVE_API_KEYS active keys (counted
 * under a per-user lock, so concurrent requests cannot slip past it together).
 */
export async function createApiKey(
  db: Queryable,
  userId: string,
  name?: string
): Promise<{ id: string; key: string; prefix: string }> {
  const generated = generateApiKey();
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`api-keys:${userId}`]);
    const [{ n }] = (await trx('api_keys').where({ user_id: userId }).whereNull('revoked_at').count({ n: '*' })) as [
      { n: string | number },
    ];
    if (Number(n) >= MAX_ACTIVE_API_KEYS) throw new TooManyApiKeysError();
    const [row] = await trx<ApiKeyRow>('api_keys')
      .insert({ user_id: userId, prefix: generated.prefix, secret_sha256: generated.secretSha256, name: name ?? null })
      .returning(['id']);
    return { id: row!.id, key: generated.key, prefix: generated.prefix };
  });
}

interface VerifiedKey {
  keyId: string;
  userId: string;
  secretSha256: Buffer;
  /** When `last_used_at` was last known to be written (ms), or null. */
  lastUsedAt: number | null;
}

/** Writes `last_used_at` unless it was written within LAST_USED_RESOLUTION_MS; answers when it was. */
async function touch(db: Queryable, keyId: string, lastUsedAt: number | null): Promise<number | null> {
  if (lastUsedAt !== null && Date.now() - lastUsedAt <= LAST_USED_RESOLUTION_MS) return lastUsedAt;
  await db('api_keys').where({ id: keyId }).update({ last_used_at: db.fn.now() });
  return Date.now();
}

/** Reads the key of a parsed secret from Postgres: undefined when it is unknown, revoked or wrong. */
async function readKey(db: Queryable, parsed: { prefix: string; secret: string }): Promise<VerifiedKey | undefined> {
  const row = await db<ApiKeyRow>('api_keys').where({ prefix: parsed.prefix }).first();
  if (!row || row.revoked_at || !secretMatches(parsed.secret, row.secret_sha256)) return undefined;
  return {
    keyId: row.id,
    userId: row.user_id,
    secretSha256: row.secret_sha256,
    lastUsedAt: await touch(db, row.id, row.last_used_at?.getTime() ?? null),
  };
}

/**
 * The key a presented secret is, or undefined when it is malformed, unknown or revoked. Compares
 * hashes in constant time and records when the key was last used.
 */
async function verifyApiKey(db: Queryable, presented: string): Promise<{ keyId: string; userId: string } | undefined> {
  const parsed = parseApiKey(presented);
  const key = parsed && (await readKey(db, parsed));
  return key ? { keyId: key.keyId, userId: key.userId } : undefined;
}

/**
 * How long an API process trusts a key it verified before it asks Postgres again. A key revoked
 * through this process (the API's `DELETE /v1/api-keys/{id}`, or any `revokeApiKey*` call in it) is
 * refused from the next request: a revocation empties this process's cache. A key revoked elsewhere
 * (another API replica, the operator CLI) is refused by this process within this many ms.
 */
export const API_KEY_CACHE_TTL_MS = 5_000;
/** At most this many verified keys per database are kept (the oldest go first). */
const API_KEY_CACHE_MAX = 10_000;

interface CachedKey extends VerifiedKey {
  /** When this entry stops being trusted (ms). */
  expiresAt: number;
  /** The revocation epoch it was read in: any later revocation in this process voids it. */
  epoch: number;
}

/** Verified keys by lookup prefix, per database (a pool), so that two databases never mix. */
const keyCaches = new WeakMap<object, Map<string, CachedKey>>();
/** Goes up on every revocation in this process; an entry read before it is not trusted. */
let revocationEpoch = 0;

/** Voids every key this process has cached (called by every revocation). */
function forgetVerifiedApiKeys(): void {
  revocationEpoch++;
}

/**
 * {@link verifyApiKey} for the API's every request: a key verified within API_KEY_CACHE_TTL_MS is
 * taken from memory (its secret still compared, in constant time, with the stored hash). Only keys
 * that verified are kept: a malformed, unknown, revoked or wrong key always goes to Postgres, and
 * the caller counts the failure, so the cache never lets a guess past the failed-auth limiter.
 */
export async function verifyApiKeyCached(
  db: Db,
  presented: string
): Promise<{ keyId: string; userId: string } | undefined> {
  const parsed = parseApiKey(presented);
  if (!parsed) return undefined;
  let cache = keyCaches.get(db);
  if (!cache) keyCaches.set(db, (cache = new Map<string, CachedKey>()));
  const cached = cache.get(parsed.prefix);
  if (cached && (cached.epoch !== revocationEpoch || cached.expiresAt <= Date.now())) {
    cache.delete(parsed.prefix);
  } else if (cached && secretMatches(parsed.secret, cached.secretSha256)) {
    cached.lastUsedAt = await touch(db, cached.keyId, cached.lastUsedAt);
    return { keyId: cached.keyId, userId: cached.userId };
  }
  // A revocation while this lookup is in flight leaves its answer uncached (the epoch moves on).
  const epoch = revocationEpoch;
  const key = await readKey(db, parsed);
  if (!key) return undefined;
  if (epoch === revocationEpoch) {
    cache.delete(parsed.prefix); // set again below, last: the Map's order is oldest first
    cache.set(parsed.prefix, { ...key, expiresAt: Date.now() + API_KEY_CACHE_TTL_MS, epoch });
    if (cache.size > API_KEY_CACHE_MAX) cache.delete(cache.keys().next().value!);
  }
  return { keyId: key.keyId, userId: key.userId };
}

/** The user id a presented key belongs to, or undefined when the key is malformed, unknown or revoked. */
export async function authenticateApiKey(db: Queryable, presented: string): Promise<string | undefined> {
  return (await verifyApiKey(db, presented))?.userId;
}

/** The user's keys, newest first (never a secret: only the lookup prefix). */
export async function listApiKeys(db: Queryable, userId: string): Promise<ApiKeyRow[]> {
  return db<ApiKeyRow>('api_keys')
    .where({ user_id: userId })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
}

export async function findApiKey(db: Queryable, userId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  return db<ApiKeyRow>('api_keys').where({ id: keyId, user_id: userId }).first();
}

/** Revokes one of the user's keys; false when the user has no such key. */
export async function revokeApiKey(db: Queryable, userId: string, keyId: string): Promise<boolean> {
  try {
    const count = await db('api_keys')
      .where({ id: keyId, user_id: userId })
      .whereNull('revoked_at')
      .update({ revoked_at: db.fn.now() });
    return count > 0;
  } finally {
    // After the update: a lookup that read the key before it committed is not trusted either. (Inside
    // a transaction, a lookup between this and the commit may keep the key for the cache's TTL.)
    forgetVerifiedApiKeys();
  }
}

/**
 * Revokes a key by its id alone: for the operator CLI (`api-key revoke --id`), which acts across
 * users. Returns the key's user id, or undefined when no unrevoked key has that id.
 */
export async function revokeApiKeyAsOperator(db: Queryable, keyId: string): Promise<string | undefined> {
  try {
    const rows: Array<{ user_id: string }> = await db('api_keys')
      .where({ id: keyId })
      .whereNull('revoked_at')
      .update({ revoked_at: db.fn.now() })
      .returning(['user_id']);
    return rows[0]?.user_id;
  } finally {
    forgetVerifiedApiKeys();
  }
}
