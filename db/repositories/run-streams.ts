import type { Queryable } from '../index';

/** A stream row not refreshed for this long belongs to a process that is gone: it no longer counts. */
const STREAM_STALE_SECONDS = 30;

/**
 * Opens a stream slot for the key if it holds fewer than `max` live ones (across every API
 * process); answers the slot's id, or undefined when the key is at its limit. Counted under a
 * per-key lock, so concurrent opens cannot slip past the limit together.
 */
export async function claimStreamSlot(db: Queryable, apiKeyId: string, max: number): Promise<string | undefined> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`run-streams:${apiKeyId}`]);
    const stale = trx.raw(`now() - make_interval(secs => ?)`, [STREAM_STALE_SECONDS]);
    await trx('run_streams').where({ api_key_id: apiKeyId }).where('seen_at', '<=', stale).delete();
    const [{ n }] = (await trx('run_streams').where({ api_key_id: apiKeyId }).count({ n: '*' })) as [
      { n: string | number },
    ];
    if (Number(n) >= max) return undefined;
    const [row] = await trx<{ id: string; api_key_id: string }>('run_streams')
      .insert({ api_key_id: apiKeyId })
      .returning('id');
    return row!.id;
  });
}

/**
 * Marks the slots still open (this process's streams) and answers those whose API key has been
 * revoked (or deleted) since: their streams must close.
 */
export async function refreshStreamSlots(db: Queryable, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.raw<{ rows: Array<{ id: string; revoked: boolean }> }>(
    `UPDATE run_streams s SET seen_at = now()
       FROM run_streams r LEFT JOIN api_keys k ON k.id = r.api_key_id
      WHERE s.id = r.id AND s.id = ANY(?::uuid[])
      RETURNING s.id, k.id IS NULL OR k.revoked_at IS NOT NULL AS revoked`,
    [ids]
  );
  const found = new Set(rows.map((r) => r.id));
  // A slot whose row is gone (its key was deleted, cascading) is as good as revoked.
  return [...rows.filter((r) => r.revoked).map((r) => r.id), ...ids.filter((id) => !found.has(id))];
}

export async function releaseStreamSlot(db: Queryable, id: string): Promise<void> {
  await db('run_streams').where({ id }).delete();
}
