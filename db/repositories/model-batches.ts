import type { Queryable } from '../index';

/** One Message Batches submission of a run's turn. */
export interface ModelBatchRow {
  run_id: string;
  turn: number;
  submission: number;
  owner_id: string;
  /** Null until Anthropic answered the submission. */
  batch_id: string | null;
  status: 'submitting' | 'submitted' | 'ended' | 'cancelled';
  result_type: string | null;
  created_at: Date;
  ended_at: Date | null;
}

type Key = { runId: string; turn: number; submission: number };
const where = (ownerId: string, key: Key) => ({
  owner_id: ownerId,
  run_id: key.runId,
  turn: key.turn,
  submission: key.submission,
});

/** The submission, recorded as `submitting` before Anthropic is asked (once: a repeat finds the first). */
export async function claimModelBatch(db: Queryable, ownerId: string, key: Key): Promise<ModelBatchRow> {
  const [row] = (await db('model_batches')
    .insert(where(ownerId, key))
    .onConflict(['run_id', 'turn', 'submission'])
    .merge(['run_id'])
    .returning('*')) as ModelBatchRow[];
  return row!;
}

export async function setModelBatchId(db: Queryable, ownerId: string, key: Key, batchId: string): Promise<void> {
  await db('model_batches').where(where(ownerId, key)).update({ batch_id: batchId, status: 'submitted' });
}

export async function markModelBatchEnded(
  db: Queryable,
  ownerId: string,
  key: Key,
  status: 'ended' | 'cancelled',
  resultType: string | null
): Promise<{ submittedAt?: Date }> {
  const rows: Array<{ created_at: Date }> = await db('model_batches')
    .where(where(ownerId, key))
    .update({ status, result_type: resultType, ended_at: db.fn.now() })
    .returning('created_at');
  return { submittedAt: rows[0]?.created_at };
}
