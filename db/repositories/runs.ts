import type { Knex } from 'knex';
import type { McpToolEntry, RunWarning } from '../../domain/mcp';
import type { GenieSpec } from '../../domain/schemas/genie';
import crypto from 'node:crypto';
import {
  TERMINAL_STATUSES,
  USAGE_FIELDS,
  type RunError,
  type RunStatus,
  type RunTrigger,
  type TokenUsage,
} from '../../domain/runs';
import { runWorkflowId } from '../../temporal/contract';
import type { Queryable } from '../index';
import { announceRunEvent } from '../run-events';
import { newestFirst, type PageCursor } from '../pagination';

export interface RunRow extends TokenUsage {
  id: string;
  owner_id: string;
  genie_id: string;
  workflow_id: string;
  trigger_type: string;
  status: RunStatus;
  /** The genie's version when the run was recorded: the one it runs with. */
  genie_version: number | null;
  input: unknown;
  output: string | null;
  error: RunError | null;
  turns: number;
  scheduled_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** The MCP tools the run listed when it started (what all its turns offer); null until listed. */
  mcp_tools: McpToolEntry[] | null;
  /** Why it goes on without something it was set up with. */
  warnings: RunWarning[];
  /** What every model response of the run cost, in micro-dollars (text: bigint); null when its model has no price. */
  cost_micro_usd: string | null;
  /** A case of this eval (null: a run of the genie). */
  eval_id: string | null;
  /** The past run an eval case replays. */
  baseline_run_id: string | null;
  /** The genie an eval case runs with (its change applied); null: the genie's recorded version. */
  genie_spec: GenieSpec | null;
  /** The run that asked for this one (`ask_genie`); null: not a delegated run, or its parent is gone. */
  parent_run_id: string | null;
  /** The parent's tool call that asked for it. */
  parent_tool_use_id: string | null;
}

export interface NewRun {
  genieId: string;
  trigger: RunTrigger;
  input: unknown;
  /** Given for an event run (claimed by its event); new otherwise. */
  id?: string;
  /** Given for a scheduled run (the id its schedule gave the workflow); `genie-run-<id>` otherwise. */
  workflowId?: string;
  /** A delegated run: the run and its tool call (ask_genie) that asked for it. */
  parent?: { runId: string; toolUseId: string };
}

/**
 * Keeps the MCP tools a run listed at its start, and its warnings, once: a repeated listing (a
 * retried activity) gets what the first one kept, so every turn and every replay offers one list.
 */
export async function keepRunMcpTools(
  db: Queryable,
  ownerId: string,
  runId: string,
  listing: { tools: McpToolEntry[]; warnings: RunWarning[] }
): Promise<{ tools: McpToolEntry[]; warnings: RunWarning[] } | undefined> {
  type Kept = Pick<RunRow, 'mcp_tools' | 'warnings'>;
  const [kept]: Kept[] = await db('runs')
    .where({ id: runId, owner_id: ownerId })
    .whereNull('mcp_tools')
    .update({
      mcp_tools: JSON.stringify(listing.tools),
      warnings: db.raw(`warnings || ?::jsonb`, [JSON.stringify(listing.warnings)]),
    })
    .returning(['mcp_tools', 'warnings']);
  const row: Kept | undefined =
    kept ?? (await db<RunRow>('runs').where({ id: runId, owner_id: ownerId }).first('mcp_tools', 'warnings'));
  return row ? { tools: row.mcp_tools ?? [], warnings: row.warnings ?? [] } : undefined;
}

/**
 * Records a run: the one way a run row comes to be, for manual, scheduled and event runs alike.
 * Once per workflow id: a repeated call (a retried activity) returns the row the first one made.
 */
export async function recordRun(db: Queryable, ownerId: string, run: NewRun): Promise<RunRow> {
  const id = run.id ?? crypto.randomUUID();
  const workflowId = run.workflowId ?? runWorkflowId(id);
  const [inserted] = (await db('runs')
    .insert({
      id,
      owner_id: ownerId,
      genie_id: run.genieId,
      workflow_id: workflowId,
      trigger_type: run.trigger.type,
      genie_version: db('genies').select('version').where({ id: run.genieId, owner_id: ownerId }),
      input: run.input === undefined ? null : JSON.stringify(run.input),
      scheduled_at: run.trigger.scheduledAt ? new Date(run.trigger.scheduledAt) : null,
      ...(run.parent ? { parent_run_id: run.parent.runId, parent_tool_use_id: run.parent.toolUseId } : {}),
    })
    .onConflict('workflow_id')
    .ignore()
    .returning('*')) as RunRow[];
  return inserted ?? (await db<RunRow>('runs').where({ owner_id: ownerId, workflow_id: workflowId }).first())!;
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
  return newestFirst(db<RunRow>('runs').where({ owner_id: ownerId, genie_id: genieId }).whereNull('eval_id')).limit(
    limit
  );
}

/** A page of the owner's runs (of one genie, or all), newest first; fetches `limit + 1` rows. */
export async function listRuns(
  db: Queryable,
  ownerId: string,
  options: { genieId?: string; status?: RunStatus; limit: number; cursor?: PageCursor }
): Promise<RunRow[]> {
  // An eval's cases are listed with their eval, not among runs.
  const query = db<RunRow>('runs').where({ owner_id: ownerId }).whereNull('eval_id');
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
  if (row) await announceRunEvent(db, { run: runId, status: row.status });
  return row;
}

/**
 * Moves the run from status `from` to `to` (nothing when it is in another status, or `unless`
 * holds) and announces the change.
 */
export async function moveRunStatus(
  db: Queryable,
  ownerId: string,
  runId: string,
  from: RunStatus,
  to: RunStatus,
  unless?: (query: Knex.QueryBuilder) => void
): Promise<void> {
  const query = db('runs').where({ owner_id: ownerId, id: runId, status: from });
  if (unless) query.whereNotExists(unless);
  if ((await query.update({ status: to })) > 0) await announceRunEvent(db, { run: runId, status: to });
}

/** `running → waiting_approval`: a gated call waits for its owner. */
export const markRunWaiting = (db: Queryable, ownerId: string, runId: string): Promise<void> =>
  moveRunStatus(db, ownerId, runId, 'running', 'waiting_approval');

/** `waiting_approval → running` once none of the run's approvals is pending any more. */
export const markRunResumed = (db: Queryable, ownerId: string, runId: string): Promise<void> =>
  moveRunStatus(db, ownerId, runId, 'waiting_approval', 'running', (q) =>
    q.select(1).from('approvals').where({ run_id: runId, status: 'pending' })
  );

/** Writes the run's totals: usage summed from its model steps (so repeats never double-count). */
async function refreshRunTotals(
  db: Queryable,
  ownerId: string,
  runId: string
): Promise<TokenUsage & { turns: number }> {
  const totals = (await db('run_steps')
    .where({ run_id: runId, kind: 'model' })
    .whereExists((q) => q.select(1).from('runs').where({ id: runId, owner_id: ownerId }))
    .select(
      db.raw('count(*)::int AS turns'),
      ...USAGE_FIELDS.map((field) => db.raw(`coalesce(sum((usage->>?)::bigint), 0)::bigint AS ??`, [field, field]))
    )
    .first()) as TokenUsage & { turns: number };
  await db('runs').where({ owner_id: ownerId, id: runId }).update(totals);
  return totals;
}

/** `queued → cancelled`: a run that was recorded but whose workflow never started (nothing when it did). */
export async function cancelQueuedRun(db: Queryable, ownerId: string, runId: string, error: RunError): Promise<void> {
  const updated = await db('runs')
    .where({ owner_id: ownerId, id: runId, status: 'queued' })
    .update({ status: 'cancelled', error: JSON.stringify(error), finished_at: db.fn.now() });
  if (updated > 0) await announceRunEvent(db, { run: runId, status: 'cancelled' });
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
  if (row) await announceRunEvent(db, { run: runId, status: row.status });
  return row;
}
