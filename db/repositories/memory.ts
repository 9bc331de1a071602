import type { Queryable } from '../index';
import { escapeLike } from '../sql';

export type MemoryScope = 'genie' | 'account';

export interface MemoryRow {
  id: number;
  owner_id: string;
  scope: MemoryScope;
  genie_id: string | null;
  key: string;
  value: unknown;
  expires_at: Date | null;
  written_by_run_id: string | null;
  written_by_tool_use_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Where an entry lives: a genie's own memory, or the owner's shared account memory. */
export interface MemoryPlace {
  scope: MemoryScope;
  genieId: string;
}

/** Rows of one scope that have not expired. */
function live(db: Queryable, ownerId: string, place: MemoryPlace) {
  const query = db<MemoryRow>('memory')
    .where({ owner_id: ownerId, scope: place.scope })
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()));
  return place.scope === 'genie' ? query.andWhere({ genie_id: place.genieId }) : query;
}

export async function readMemory(
  db: Queryable,
  ownerId: string,
  place: MemoryPlace,
  key: string
): Promise<MemoryRow | undefined> {
  return live(db, ownerId, place).andWhere({ key }).first();
}

/** Entries whose key starts with `prefix` (all when empty), by key. */
export async function listMemory(
  db: Queryable,
  ownerId: string,
  place: MemoryPlace,
  options: { prefix?: string; limit: number }
): Promise<MemoryRow[]> {
  const query = live(db, ownerId, place);
  if (options.prefix) query.andWhereRaw(`key LIKE ? ESCAPE '\\'`, [`${escapeLike(options.prefix)}%`]);
  return query.orderBy('key').limit(options.limit);
}

/** Sets an entry, recording the run and tool call that wrote it. */
export async function writeMemory(
  db: Queryable,
  ownerId: string,
  place: MemoryPlace,
  entry: { key: string; value: unknown; expiresAt: Date | null; runId: string | null; toolUseId: string | null }
): Promise<void> {
  const target =
    place.scope === 'genie'
      ? db.raw(`(owner_id, genie_id, key) WHERE scope = 'genie'`)
      : db.raw(`(owner_id, key) WHERE scope = 'account'`);
  const columns = {
    value: JSON.stringify(entry.value),
    expires_at: entry.expiresAt,
    written_by_run_id: entry.runId,
    written_by_tool_use_id: entry.toolUseId,
  };
  await db('memory')
    .insert({
      ...columns,
      owner_id: ownerId,
      scope: place.scope,
      genie_id: place.scope === 'genie' ? place.genieId : null,
      key: entry.key,
    })
    .onConflict(target)
    .merge({ ...columns, updated_at: db.fn.now() });
}

/** Removes an entry; false when there was none. */
export async function deleteMemory(db: Queryable, ownerId: string, place: MemoryPlace, key: string): Promise<boolean> {
  const query = db('memory').where({ owner_id: ownerId, scope: place.scope, key });
  if (place.scope === 'genie') query.andWhere({ genie_id: place.genieId });
  return (await query.delete()) > 0;
}
