import type { PageCursor } from '../../lib/pagination';
import type { Queryable } from '../index';
import { newestFirst } from '../pagination';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];

export interface RunError {
  type: string;
  message: string;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export const ZERO_USAGE: Usage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};

export interface RunRow extends Usage {
  id: string;
  owner_id: string;
  genie_id: string;
  workflow_id: string;
  trigger_type: string;
  status: RunStatus;
  input: unknown;
  output: string | null;
  error: RunError | null;
  turns: number;
  scheduled_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface NewRun {
  id: string;
  genieId: string;
  workflowId: string;
  triggerType: string;
  input: unknown;
  scheduledAt?: Date;
}

const runColumns = (ownerId: string, run: NewRun) => ({
  id: run.id,
  owner_id: ownerId,
  genie_id: run.genieId,
  workflow_id: run.workflowId,
  trigger_type: run.triggerType,
  input: run.input === undefined ? null : JSON.stringify(run.input),
  scheduled_at: run.scheduledAt ?? null,
});

export async function insertRun(db: Queryable, ownerId: string, run: NewRun): Promise<RunRow> {
  const [row] = (await db('runs').insert(runColumns(ownerId, run)).returning('*')) as RunRow[];
  return row!;
}

/** The run of `workflowId`, inserted if there is none yet (a repeated call returns the first). */
export async function ensureRun(db: Queryable, ownerId: string, run: NewRun): Promise<RunRow> {
  const [inserted] = (await db('runs')
    .insert(runColumns(ownerId, run))
    .onConflict('workflow_id')
    .ignore()
    .returning('*')) as RunRow[];
  return inserted ?? (await db<RunRow>('runs').where({ owner_id: ownerId, workflow_id: run.workflowId }).first())!;
}

export async function findRun(db: Queryable, ownerId: string, runId: string): Promise<RunRow | undefined> {
  return db<RunRow>('runs').where({ owner_id: ownerId, id: runId }).first();
}

export async function deleteRun(db: Queryable, ownerId: string, runId: string): Promise<void> {
  await db('runs').where({ owner_id: ownerId, id: runId }).delete();
}

/** The newest runs of one genie, newest first. */
export async function listRecentRuns(
  db: Queryable,
  ownerId: string,
  genieId: string,
  limit: number
): Promise<RunRow[]> {
  return newestFirst(db<RunRow>('runs').where({ owner_id: ownerId, genie_id: genieId })).limit(limit);
}

/** A page of the owner's runs (of one genie, or all), newest first; fetches `limit + 1` rows. */
export async function listRuns(
  db: Queryable,
  ownerId: string,
  options: { genieId?: string; status?: RunStatus; limit: number; cursor?: PageCursor }
): Promise<RunRow[]> {
  const query = db<RunRow>('runs').where({ owner_id: ownerId });
  if (options.genieId) query.andWhere({ genie_id: options.genieId });
  if (options.status) query.andWhere({ status: options.status });
  return newestFirst(query, options.cursor).limit(options.limit + 1); // one more: is there a next page?
}

/** Runs of a genie that have not finished (to cancel them when the genie goes). */
export async function listUnfinishedRuns(db: Queryable, ownerId: string, genieId: string): Promise<RunRow[]> {
  return db<RunRow>('runs').where({ owner_id: ownerId, genie_id: genieId }).whereNotIn('status', TERMINAL_STATUSES);
}

/** `queued → running`, keeping the first start time when an attempt repeats. */
export async function markRunRunning(db: Queryable, ownerId: string, runId: string): Promise<RunRow | undefined> {
  const [row] = (await db('runs')
    .where({ owner_id: ownerId, id: runId })
    .whereIn('status', ['queued', 'running'])
    .update({ status: 'running', started_at: db.raw('coalesce(started_at, now())') })
    .returning('*')) as RunRow[];
  return row;
}

/** Writes the run's totals: usage summed from its model steps (so repeats never double-count). */
export async function refreshRunTotals(
  db: Queryable,
  ownerId: string,
  runId: string
): Promise<Usage & { turns: number }> {
  const totals = (await db('run_steps')
    .where({ run_id: runId, kind: 'model' })
    .whereExists((q) => q.select(1).from('runs').where({ id: runId, owner_id: ownerId }))
    .select(
      db.raw('count(*)::int AS turns'),
      db.raw(`coalesce(sum((usage->>'input_tokens')::bigint), 0)::bigint AS input_tokens`),
      db.raw(`coalesce(sum((usage->>'output_tokens')::bigint), 0)::bigint AS output_tokens`),
      db.raw(`coalesce(sum((usage->>'cache_read_input_tokens')::bigint), 0)::bigint AS cache_read_input_tokens`),
      db.raw(`coalesce(sum((usage->>'cache_creation_input_tokens')::bigint), 0)::bigint AS cache_creation_input_tokens`)
    )
    .first()) as Usage & { turns: number };
  await db('runs').where({ owner_id: ownerId, id: runId }).update(totals);
  return totals;
}

/**
 * Records how a run ended, once: a run already in a terminal state keeps it (a repeated activity,
 * or a cancel that lost the race with success, changes nothing).
 */
export async function finishRun(
  db: Queryable,
  ownerId: string,
  runId: string,
  end: { status: RunStatus; output: string | null; error: RunError | null }
): Promise<RunRow | undefined> {
  await refreshRunTotals(db, ownerId, runId);
  const [row] = (await db('runs')
    .where({ owner_id: ownerId, id: runId })
    .whereNotIn('status', TERMINAL_STATUSES)
    .update({
      status: end.status,
      output: end.output,
      error: end.error === null ? null : JSON.stringify(end.error),
      finished_at: db.fn.now(),
      started_at: db.raw('coalesce(started_at, now())'),
    })
    .returning('*')) as RunRow[];
  return row;
}
