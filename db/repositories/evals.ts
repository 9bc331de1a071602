import crypto from 'node:crypto';
import type { EvalStatus } from '../../domain/evals';
import type { GenieSpec, GenieUpdate } from '../../domain/schemas/genie';
import { runWorkflowId } from '../../temporal/contract';
import type { Queryable } from '../index';
import { newestFirst, type PageCursor } from '../pagination';
import { withDates } from './run-context';
import type { RunStepRow } from './run-records';
import type { RunRow } from './runs';

export interface EvalRow {
  id: string;
  owner_id: string;
  genie_id: string;
  genie_version: number;
  status: EvalStatus;
  changes: GenieUpdate;
  rubric: string | null;
  workflow_id: string;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
  applied_at: Date | null;
}

export interface EvalCaseRow {
  eval_id: string;
  run_id: string;
  baseline_run_id: string;
  position: number;
  score: number | null;
  reason: string | null;
  judge_cost_micro_usd: string | number | null;
  finished_at: Date | null;
}

/** The workflow id of an eval (its cases are its child workflows). */
const evalWorkflowId = (evalId: string): string => `genie-eval-${evalId}`;

/**
 * Records an eval and one case per baseline run: each case a run of its own (queued, trigger
 * `eval`) with the baseline's input and MCP tool list and the genie as the change makes it.
 */
export async function createEval(
  db: Queryable,
  ownerId: string,
  spec: {
    genieId: string;
    genieVersion: number;
    changes: GenieUpdate;
    rubric: string | null;
    genie: GenieSpec;
    baselines: RunRow[];
  }
): Promise<{ eval: EvalRow; caseRunIds: string[] }> {
  const id = crypto.randomUUID();
  const [row] = (await db('evals')
    .insert({
      id,
      owner_id: ownerId,
      genie_id: spec.genieId,
      genie_version: spec.genieVersion,
      changes: JSON.stringify(spec.changes),
      rubric: spec.rubric,
      workflow_id: evalWorkflowId(id),
    })
    .returning('*')) as EvalRow[];
  const cases = spec.baselines.map((baseline, position) => ({ runId: crypto.randomUUID(), baseline, position }));
  if (cases.length > 0) {
    await db('runs').insert(
      cases.map(({ runId, baseline }) => ({
        id: runId,
        owner_id: ownerId,
        genie_id: spec.genieId,
        workflow_id: runWorkflowId(runId),
        trigger_type: 'eval',
        genie_version: spec.genieVersion,
        input: baseline.input === null ? null : JSON.stringify(baseline.input),
        scheduled_at: baseline.scheduled_at,
        eval_id: id,
        baseline_run_id: baseline.id,
        genie_spec: JSON.stringify(spec.genie),
        // The tools the baseline listed: a case offers the same ones and lists no server itself.
        mcp_tools: JSON.stringify(baseline.mcp_tools ?? []),
      }))
    );
    await db('eval_cases').insert(
      cases.map(({ runId, baseline, position }) => ({
        eval_id: id,
        run_id: runId,
        baseline_run_id: baseline.id,
        position,
      }))
    );
  }
  return { eval: row!, caseRunIds: cases.map((c) => c.runId) };
}

/** Removes an eval that could not be started, with its case runs. */
export async function deleteEval(db: Queryable, ownerId: string, evalId: string): Promise<void> {
  await db('runs').where({ owner_id: ownerId, eval_id: evalId }).delete();
  await db('evals').where({ owner_id: ownerId, id: evalId }).delete();
}

export async function findEval(db: Queryable, ownerId: string, evalId: string): Promise<EvalRow | undefined> {
  return db<EvalRow>('evals').where({ owner_id: ownerId, id: evalId }).first();
}

/** A page of a genie's evals, newest first; fetches `limit + 1` rows. */
export async function listEvals(
  db: Queryable,
  ownerId: string,
  genieId: string,
  options: { limit: number; cursor?: PageCursor }
): Promise<EvalRow[]> {
  return newestFirst(db<EvalRow>('evals').where({ owner_id: ownerId, genie_id: genieId }), options.cursor).limit(
    options.limit + 1
  );
}

/** The case runs of an eval, in their order. */
export async function listEvalCaseRuns(
  db: Queryable,
  ownerId: string,
  evalId: string
): Promise<Array<{ run_id: string; genie_id: string }>> {
  return db('eval_cases as c')
    .join('runs as r', 'r.id', 'c.run_id')
    .where({ 'c.eval_id': evalId, 'r.owner_id': ownerId })
    .orderBy('c.position')
    .select('c.run_id', 'r.genie_id');
}

export async function setEvalCaseJudged(
  db: Queryable,
  evalId: string,
  runId: string,
  judged: { score: number | null; reason: string | null; costMicroUsd: number | null }
): Promise<void> {
  await db('eval_cases').where({ eval_id: evalId, run_id: runId }).update({
    score: judged.score,
    reason: judged.reason,
    judge_cost_micro_usd: judged.costMicroUsd,
    finished_at: db.fn.now(),
  });
}

export async function markEvalCaseFinished(db: Queryable, evalId: string, runId: string): Promise<void> {
  await db('eval_cases').where({ eval_id: evalId, run_id: runId }).whereNull('finished_at').update({
    finished_at: db.fn.now(),
  });
}

/** Records how the eval ended, once. */
export async function finishEval(
  db: Queryable,
  ownerId: string,
  evalId: string,
  end: { status: Exclude<EvalStatus, 'running'>; error?: string | null }
): Promise<void> {
  await db('evals')
    .where({ owner_id: ownerId, id: evalId, status: 'running' })
    .update({ status: end.status, error: end.error ?? null, finished_at: db.fn.now() });
}

export async function markEvalApplied(db: Queryable, ownerId: string, evalId: string): Promise<void> {
  await db('evals').where({ owner_id: ownerId, id: evalId }).update({ applied_at: db.fn.now() });
}

/** One case as its detail shows it: the case row, its run and the baseline run, with their tool steps. */
export interface EvalCaseDetail {
  case: EvalCaseRow;
  run: RunRow;
  steps: RunStepRow[];
  /** Undefined when the baseline run was deleted since. */
  baseline?: RunRow;
  baselineSteps: RunStepRow[];
}

interface CaseDetailRow extends EvalCaseRow {
  case_run: Record<string, unknown>;
  steps: Array<Record<string, unknown>>;
  call_order: string[] | null;
  baseline: Record<string, unknown> | null;
  baseline_steps: Array<Record<string, unknown>>;
  baseline_call_order: string[] | null;
}

/** A run's tool-call ids in the order the model made them (turn, then place in its reply). */
const CALL_ORDER = (run: string) => `(SELECT array_agg(b.value->>'id' ORDER BY m.turn, b.ordinality)
     FROM run_messages m, jsonb_array_elements(m.content) WITH ORDINALITY AS b(value, ordinality)
    WHERE m.run_id = ${run} AND m.role = 'assistant' AND b.value->>'type' = 'tool_use')`;

/** Tool steps in the order their calls were made (saving order may differ: calls run concurrently). */
function inCallOrder(steps: RunStepRow[], order: string[] | null): RunStepRow[] {
  const place = new Map((order ?? []).map((id, index) => [id, index]));
  const at = (step: RunStepRow) => place.get(step.tool_use_id ?? '') ?? Number.MAX_SAFE_INTEGER;
  return [...steps].sort((a, b) => at(a) - at(b) || a.seq - b.seq);
}

/** Every case of an eval with its run, the baseline run and both runs' tool steps, in one statement. */
export async function loadEvalCases(db: Queryable, ownerId: string, evalId: string): Promise<EvalCaseDetail[]> {
  const { rows } = await db.raw<{ rows: CaseDetailRow[] }>(
    `SELECT c.*,
            to_jsonb(r) - 'genie_spec' - 'mcp_tools' AS case_run,
            (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.seq), '[]'::jsonb)
               FROM run_steps s WHERE s.run_id = r.id AND s.kind = 'tool') AS steps,
            ${CALL_ORDER('r.id')} AS call_order,
            (SELECT to_jsonb(b) - 'genie_spec' - 'mcp_tools' FROM runs b
              WHERE b.id = c.baseline_run_id AND b.owner_id = r.owner_id) AS baseline,
            (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.seq), '[]'::jsonb)
               FROM run_steps s JOIN runs b ON b.id = s.run_id AND b.owner_id = r.owner_id
              WHERE s.run_id = c.baseline_run_id AND s.kind = 'tool') AS baseline_steps,
            ${CALL_ORDER('c.baseline_run_id')} AS baseline_call_order
       FROM eval_cases c JOIN runs r ON r.id = c.run_id
      WHERE c.eval_id = :evalId AND r.owner_id = :ownerId
      ORDER BY c.position`,
    { evalId, ownerId }
  );
  return rows.map(({ case_run, steps, call_order, baseline, baseline_steps, baseline_call_order, ...row }) => ({
    case: row,
    run: withDates<RunRow>(case_run),
    steps: inCallOrder(
      steps.map((step) => withDates<RunStepRow>(step)),
      call_order
    ),
    ...(baseline ? { baseline: withDates<RunRow>(baseline) } : {}),
    baselineSteps: inCallOrder(
      baseline_steps.map((step) => withDates<RunStepRow>(step)),
      baseline_call_order
    ),
  }));
}

/** Runs of the genie an eval may replay: ended ones of its own (not eval cases), by id. */
export async function findBaselineRuns(
  db: Queryable,
  ownerId: string,
  genieId: string,
  runIds: string[]
): Promise<RunRow[]> {
  return db<RunRow>('runs').where({ owner_id: ownerId, genie_id: genieId }).whereIn('id', runIds).whereNull('eval_id');
}

/** The genie's `limit` latest succeeded runs (not eval cases), newest first. */
export async function latestSucceededRuns(
  db: Queryable,
  ownerId: string,
  genieId: string,
  limit: number
): Promise<RunRow[]> {
  return newestFirst(
    db<RunRow>('runs').where({ owner_id: ownerId, genie_id: genieId, status: 'succeeded' }).whereNull('eval_id')
  ).limit(limit);
}
