import type { Queryable } from '../index';

/** How long an Idempotency-Key of a run start is remembered. */
const IDEMPOTENCY_KEY_TTL_HOURS = 24;

export interface IdempotencyKeyRow {
  owner_id: string;
  key: string;
  genie_id: string;
  request_hash: string;
  run_id: string;
  created_at: Date;
}

const fresh = `created_at > now() - interval '${IDEMPOTENCY_KEY_TTL_HOURS} hours'`;

/** The owner's key, if it was used within the last 24 hours. */
export async function findIdempotencyKey(
  db: Queryable,
  ownerId: string,
  key: string
): Promise<IdempotencyKeyRow | undefined> {
  return db<IdempotencyKeyRow>('run_idempotency_keys').where({ owner_id: ownerId, key }).whereRaw(fresh).first();
}

/**
 * Claims the key for a run: true when this request owns it now (new, or older than 24 h and
 * replaced); false when a request within 24 h already holds it.
 */
export async function claimIdempotencyKey(
  db: Queryable,
  ownerId: string,
  claim: { key: string; genieId: string; requestHash: string; runId: string }
): Promise<boolean> {
  const row = { genie_id: claim.genieId, request_hash: claim.requestHash, run_id: claim.runId };
  const claimed: unknown[] = await db('run_idempotency_keys')
    .insert({ owner_id: ownerId, key: claim.key, ...row })
    .onConflict(['owner_id', 'key'])
    .merge({ ...row, created_at: db.fn.now() })
    .whereRaw(`run_idempotency_keys.created_at <= now() - interval '${IDEMPOTENCY_KEY_TTL_HOURS} hours'`)
    .returning('run_id');
  return claimed.length > 0;
}
