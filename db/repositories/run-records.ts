import type { TokenUsage } from '../../domain/runs';
import type { Knex } from 'knex';
import { RowNotFoundError } from '../errors';
import { announceRunEvent } from '../run-events';
import type { Queryable } from '../index';

/** Claude message content as stored (the Messages API block shapes). */
export type ContentBlock = Record<string, unknown> & { type: string };

export interface RunMessageRow {
  run_id: string;
  turn: number;
  role: 'user' | 'assistant';
  content: ContentBlock[];
  created_at: Date;
}

export interface RunStepRow {
  id: number;
  run_id: string;
  /** The step's place in the run: 1, 2, 3 … in the order steps were saved. */
  seq: number;
  turn: number;
  kind: 'model' | 'tool';
  tool: string | null;
  tool_use_id: string | null;
  input: unknown;
  result: unknown;
  output_preview: string | null;
  is_error: boolean;
  usage: TokenUsage | null;
  started_at: Date;
  duration_ms: number | null;
}

/** Limits a query on a run's records to runs of the owner. */
const ownedRun = (db: Queryable, ownerId: string, runId: string) =>
  db.select(1).from('runs').where({ id: runId, owner_id: ownerId });

/** Stores a transcript message once per `(run, turn, role)`; a repeat keeps the first. */
export async function saveMessage(
  db: Queryable,
  ownerId: string,
  message: { runId: string; turn: number; role: 'user' | 'assistant'; content: ContentBlock[] }
): Promise<void> {
  if (!(await ownedRun(db, ownerId, message.runId).first())) throw new RowNotFoundError('runs', message.runId);
  await db('run_messages')
    .insert({ run_id: message.runId, turn: message.turn, role: message.role, content: JSON.stringify(message.content) })
    .onConflict(['run_id', 'turn', 'role'])
    .ignore();
}

/** The run's transcript in order (user before assistant within a turn). */
export async function listMessages(db: Queryable, ownerId: string, runId: string): Promise<RunMessageRow[]> {
  return db<RunMessageRow>('run_messages')
    .where({ run_id: runId })
    .whereExists(ownedRun(db, ownerId, runId))
    .orderBy([{ column: 'turn' }, { column: 'role', order: 'desc' }]);
}

export async function findMessage(
  db: Queryable,
  ownerId: string,
  runId: string,
  turn: number,
  role: 'user' | 'assistant'
): Promise<RunMessageRow | undefined> {
  return db<RunMessageRow>('run_messages')
    .where({ run_id: runId, turn, role })
    .whereExists(ownedRun(db, ownerId, runId))
    .first();
}

export type NewStep = Omit<RunStepRow, 'id' | 'seq'>;

function stepColumns(step: NewStep): Record<string, unknown> {
  return {
    ...step,
    input: step.input === undefined ? null : JSON.stringify(step.input),
    result: step.result === undefined ? null : JSON.stringify(step.result),
    usage: step.usage ? JSON.stringify(step.usage) : null,
  };
}

/**
 * Records a step once (model steps per `(run, turn)`, tool steps per `(run, tool_use_id)`), as the
 * run's next `seq`, and announces it. The per-run lock makes seq order the order of commits.
 */
export async function saveStep(db: Queryable, ownerId: string, step: NewStep): Promise<void> {
  const save = async (trx: Queryable) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`steps:${step.run_id}`]);
    if (!(await ownedRun(trx, ownerId, step.run_id).first())) throw new RowNotFoundError('runs', step.run_id);
    const conflict =
      step.kind === 'model'
        ? trx.raw(`(run_id, turn) WHERE kind = 'model'`)
        : trx.raw('(run_id, tool_use_id) WHERE tool_use_id IS NOT NULL');
    const seq = trx.raw('coalesce((SELECT max(seq) FROM run_steps WHERE run_id = ?), 0) + 1', [step.run_id]);
    const saved: Array<{ seq: number }> = await trx('run_steps')
      .insert({ ...stepColumns(step), seq })
      .onConflict(conflict)
      .ignore()
      .returning('seq');
    if (saved[0]) await announceRunEvent(trx, { run: step.run_id, step: saved[0].seq });
  };
  await ('isTransaction' in db && db.isTransaction ? save(db) : (db as Knex).transaction(save));
}

export async function findToolStep(
  db: Queryable,
  ownerId: string,
  runId: string,
  toolUseId: string
): Promise<RunStepRow | undefined> {
  return db<RunStepRow>('run_steps')
    .where({ run_id: runId, tool_use_id: toolUseId })
    .whereExists(ownedRun(db, ownerId, runId))
    .first();
}

/** Tool steps of the given tool_use ids (to build the next user message of tool results). */
export async function listToolSteps(
  db: Queryable,
  ownerId: string,
  runId: string,
  toolUseIds: string[]
): Promise<RunStepRow[]> {
  if (toolUseIds.length === 0) return [];
  return db<RunStepRow>('run_steps')
    .where({ run_id: runId })
    .whereIn('tool_use_id', toolUseIds)
    .whereExists(ownedRun(db, ownerId, runId));
}

/** Every step of the run after `afterSeq` (all by default), in seq order. */
export async function listSteps(db: Queryable, ownerId: string, runId: string, afterSeq = 0): Promise<RunStepRow[]> {
  return db<RunStepRow>('run_steps')
    .where({ run_id: runId })
    .andWhere('seq', '>', afterSeq)
    .whereExists(ownedRun(db, ownerId, runId))
    .orderBy('seq');
}
