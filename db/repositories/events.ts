import type { Queryable } from '../index';

export interface EventRow {
  id: string;
  owner_id: string;
  genie_id: string;
  event_type: string;
  payload: unknown;
  idempotency_key: string | null;
  run_id: string | null;
  status: 'pending' | 'started' | 'dropped';
  created_at: Date;
}

/** Stores an event; undefined when one with the same idempotency key was sent to this genie already. */
export async function insertEvent(
  db: Queryable,
  ownerId: string,
  event: { genieId: string; eventType: string; payload: unknown; idempotencyKey: string | null }
): Promise<EventRow | undefined> {
  const [row] = (await db('events')
    .insert({
      owner_id: ownerId,
      genie_id: event.genieId,
      event_type: event.eventType,
      payload: event.payload === undefined ? null : JSON.stringify(event.payload),
      idempotency_key: event.idempotencyKey,
    })
    .onConflict(['genie_id', 'idempotency_key'])
    .ignore()
    .returning('*')) as EventRow[];
  return row;
}

export async function findEvent(db: Queryable, ownerId: string, id: string): Promise<EventRow | undefined> {
  return db<EventRow>('events').where({ owner_id: ownerId, id }).first();
}

export async function deleteEvent(db: Queryable, ownerId: string, id: string): Promise<void> {
  await db('events').where({ owner_id: ownerId, id }).delete();
}

/** Links the event to its run, once: a repeat keeps the first run id and returns it. */
export async function claimEventRun(
  db: Queryable,
  ownerId: string,
  id: string,
  runId: string
): Promise<string | undefined> {
  const rows: Array<{ run_id: string }> = await db('events')
    .where({ owner_id: ownerId, id })
    .update({ run_id: db.raw('coalesce(run_id, ?)', [runId]), status: 'started' })
    .returning('run_id');
  return rows[0]?.run_id;
}

export async function markEventsDropped(db: Queryable, ownerId: string, ids: string[]): Promise<void> {
  if (ids.length) await db('events').where({ owner_id: ownerId }).whereIn('id', ids).update({ status: 'dropped' });
}
