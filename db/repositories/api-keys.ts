import { generateApiKey, parseApiKey, secretMatches } from '../../security/api-keys';
import type { Queryable } from '../index';

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

/** Creates a key for the user; the returned `key` is the only time the secret exists in clear. */
export async function createApiKey(
  db: Queryable,
  userId: string,
  name?: string
): Promise<{ id: string; key: string; prefix: string }> {
  const generated = generateApiKey();
  const [row] = await db<ApiKeyRow>('api_keys')
    .insert({ user_id: userId, prefix: generated.prefix, secret_sha256: generated.secretSha256, name: name ?? null })
    .returning(['id']);
  return { id: row!.id, key: generated.key, prefix: generated.prefix };
}

/**
 * The key a presented secret is, or undefined when it is malformed, unknown or revoked. Compares
 * hashes in constant time and records when the key was last used.
 */
export async function verifyApiKey(
  db: Queryable,
  presented: string
): Promise<{ keyId: string; userId: string } | undefined> {
  const parsed = parseApiKey(presented);
  if (!parsed) return undefined;
  const row = await db<ApiKeyRow>('api_keys').where({ prefix: parsed.prefix }).first();
  if (!row || row.revoked_at || !secretMatches(parsed.secret, row.secret_sha256)) return undefined;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    await db('api_keys').where({ id: row.id }).update({ last_used_at: db.fn.now() });
  }
  return { keyId: row.id, userId: row.user_id };
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
  const count = await db('api_keys')
    .where({ id: keyId, user_id: userId })
    .whereNull('revoked_at')
    .update({ revoked_at: db.fn.now() });
  return count > 0;
}

/**
 * Revokes a key by its id alone: for the operator CLI (`api-key revoke --id`), which acts across
 * users. Returns the key's user id, or undefined when no unrevoked key has that id.
 */
export async function revokeApiKeyAsOperator(db: Queryable, keyId: string): Promise<string | undefined> {
  const rows: Array<{ user_id: string }> = await db('api_keys')
    .where({ id: keyId })
    .whereNull('revoked_at')
    .update({ revoked_at: db.fn.now() })
    .returning(['user_id']);
  return rows[0]?.user_id;
}
