import type { TriggerType } from '../../domain/runs';
import type { GenieSpec } from '../../domain/schemas/genie';
import type { PageCursor } from '../pagination';
import type { Queryable } from '../index';
import { newestFirst } from '../pagination';

/** A genie as stored (jsonb columns already parsed by pg). */
export interface GenieRow extends GenieSpec {
  id: string;
  owner_id: string;
  created_at: Date;
  updated_at: Date;
}

const JSON_COLUMNS = ['schedule', 'event_types', 'credential_refs', 'tools'] as const;

/** pg needs jsonb values as JSON text; arrays would otherwise be sent as Postgres arrays. */
function toColumns(spec: Partial<GenieSpec>): Record<string, unknown> {
  const columns: Record<string, unknown> = { ...spec };
  for (const key of JSON_COLUMNS) {
    if (key in columns) columns[key] = columns[key] === null ? null : JSON.stringify(columns[key]);
  }
  return columns;
}

export async function insertGenie(db: Queryable, ownerId: string, spec: GenieSpec): Promise<GenieRow> {
  const [row] = await db<GenieRow>('genies')
    .insert({ ...toColumns(spec), owner_id: ownerId })
    .returning('*');
  return row!;
}

export async function findGenie(db: Queryable, ownerId: string, id: string): Promise<GenieRow | undefined> {
  return db<GenieRow>('genies').where({ owner_id: ownerId, id }).first();
}

/** The genie row locked for update, inside a transaction. */
export async function findGenieForUpdate(trx: Queryable, ownerId: string, id: string): Promise<GenieRow | undefined> {
  return trx<GenieRow>('genies').where({ owner_id: ownerId, id }).forUpdate().first();
}

export async function listGenies(
  db: Queryable,
  ownerId: string,
  options: { limit: number; cursor?: PageCursor; triggerType?: TriggerType; enabled?: boolean }
): Promise<GenieRow[]> {
  const query = db<GenieRow>('genies').where({ owner_id: ownerId });
  if (options.triggerType) query.andWhere({ trigger_type: options.triggerType });
  if (options.enabled !== undefined) query.andWhere({ enabled: options.enabled });
  return newestFirst(query, options.cursor).limit(options.limit + 1); // one more: is there a next page?
}

export async function updateGenie(
  db: Queryable,
  ownerId: string,
  id: string,
  spec: Partial<GenieSpec>
): Promise<GenieRow | undefined> {
  const [row] = await db<GenieRow>('genies')
    .where({ owner_id: ownerId, id })
    .update({ ...toColumns(spec), updated_at: db.fn.now() })
    .returning('*');
  return row;
}

/** Deletes the genie; its runs, steps and transcript go with it (ON DELETE CASCADE). */
export async function deleteGenie(db: Queryable, ownerId: string, id: string): Promise<boolean> {
  return (await db('genies').where({ owner_id: ownerId, id }).delete()) > 0;
}

/**
 * Every enabled-or-not scheduled genie of every owner: for the schedule reconciler, an operator
 * task that by nature spans tenants (nothing it returns reaches an API caller).
 */
export async function listAllScheduledGenies(db: Queryable): Promise<GenieRow[]> {
  return db<GenieRow>('genies').where({ trigger_type: 'schedule' }).whereNotNull('schedule');
}

/** The owner's enabled event genies subscribed to `eventType`. */
export async function listEventGenies(db: Queryable, ownerId: string, eventType: string): Promise<GenieRow[]> {
  return db<GenieRow>('genies')
    .where({ owner_id: ownerId, trigger_type: 'event', enabled: true })
    .whereRaw('event_types @> ?::jsonb', [JSON.stringify([eventType])])
    .orderBy('created_at');
}

/** The owner's genies whose `credential_refs` name this credential (locked, inside a transaction). */
export async function listGeniesNamingCredential(db: Queryable, ownerId: string, name: string): Promise<GenieRow[]> {
  return db<GenieRow>('genies')
    .where({ owner_id: ownerId })
    .whereRaw('credential_refs @> ?::jsonb', [JSON.stringify([name])])
    .orderBy('created_at')
    .forUpdate();
}
