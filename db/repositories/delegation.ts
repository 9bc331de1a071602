import type { DelegateView } from '../../domain/delegation';
import type { Queryable } from '../index';

/** A genie a run may ask (ask_genie), with whether it can run now. */
export interface DelegateRow extends DelegateView {
  enabled: boolean;
}

/** Which of `ids` are the owner's genies, as ask_genie offers them (in the order of `ids`). */
export async function listDelegates(db: Queryable, ownerId: string, ids: readonly string[]): Promise<DelegateRow[]> {
  if (ids.length === 0) return [];
  const rows: DelegateRow[] = await db('genies')
    .where({ owner_id: ownerId })
    .whereIn('id', [...ids])
    .select('id', 'name', 'description', 'enabled');
  return ids.flatMap((id) => rows.filter((row) => row.id === id));
}

/**
 * The genies of the chain of runs that asked for `runId`, from the run itself up to the first one
 * (its length is the run's depth: 1 for a run nobody asked for).
 */
export async function delegationChain(db: Queryable, ownerId: string, runId: string): Promise<string[]> {
  const { rows } = await db.raw<{ rows: Array<{ genie_id: string }> }>(
    `WITH RECURSIVE chain AS (
       SELECT id, genie_id, parent_run_id, 1 AS depth FROM runs WHERE id = :runId AND owner_id = :ownerId
       UNION ALL
       SELECT r.id, r.genie_id, r.parent_run_id, c.depth + 1
         FROM runs r JOIN chain c ON r.id = c.parent_run_id
        WHERE r.owner_id = :ownerId AND c.depth < 100
     )
     SELECT genie_id FROM chain ORDER BY depth`,
    { runId, ownerId }
  );
  return rows.map((row) => row.genie_id);
}

/** What a run and every run it asked for (and they asked for, and so on) cost, in micro-dollars. */
export async function runTreeCostMicroUsd(db: Queryable, ownerId: string, runId: string): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ cost: string | null }> }>(
    `WITH RECURSIVE tree AS (
       SELECT id, cost_micro_usd, 1 AS depth FROM runs WHERE id = :runId AND owner_id = :ownerId
       UNION ALL
       SELECT r.id, r.cost_micro_usd, t.depth + 1
         FROM runs r JOIN tree t ON r.parent_run_id = t.id
        WHERE r.owner_id = :ownerId AND t.depth < 100
     )
     SELECT sum(cost_micro_usd)::text AS cost FROM tree`,
    { runId, ownerId }
  );
  return Number(rows[0]?.cost ?? 0);
}
