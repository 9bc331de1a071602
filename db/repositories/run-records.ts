import type { EvalToolSource } from '../../domain/evals';
import type { ModelMode } from '../../domain/prices';
import { USAGE_FIELDS, type TokenUsage } from '../../domain/runs';
import type { Knex } from 'knex';
import { RowNotFoundError } from '../errors';
import { RUN_EVENTS_CHANNEL } from '../run-events';
import type { Queryable } from '../index';

/** Claude message content as stored (the Messages API block shapes). */
export type ContentBlock = Record<string, unknown> & { type: string };

/** A `tool_use` block of an assistant message: one tool call of the model. */
export type ToolUseBlock = ContentBlock & { type: 'tool_use'; id: string; name: string; input: unknown };

/** The tool calls of an assistant message. */
export const toolUsesOf = (content: ContentBlock[]): ToolUseBlock[] =>
  content.filter((b): b is ToolUseBlock => b.type === 'tool_use');

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
  kind: 'model' | 'tool' | 'server_tool';
  tool: string | null;
  tool_use_id: string | null;
  input: unknown;
  result: unknown;
  output_preview: string | null;
  is_error: boolean;
  usage: TokenUsage | null;
  started_at: Date;
  duration_ms: number | null;
  /** What the model call cost, in micro-dollars (pg gives bigint as text); null for tool steps and unpriced models. */
  cost_micro_usd?: string | number | null;
  /** An eval case's tool step: where its answer came from. */
  source?: EvalToolSource | null;
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

/** A tool call's stored answer, as the next user message gives it to the model. */
export interface ToolResult {
  result: unknown;
  is_error: boolean;
}

/**
 * The run's transcript in order (user before assistant within a turn) and the stored result of
 * each tool call, by tool_use id: what the next model call is built from, in one statement.
 */
export async function loadTranscript(
  db: Queryable,
  ownerId: string,
  runId: string
): Promise<{ messages: Array<Pick<RunMessageRow, 'turn' | 'role' | 'content'>>; results: Map<string, ToolResult> }> {
  const { rows } = await db.raw<{
    rows: Array<{
      messages: Array<Pick<RunMessageRow, 'turn' | 'role' | 'content'>> | null;
      results: Array<ToolResult & { id: string }> | null;
    }>;
  }>(
    `SELECT (SELECT json_agg(json_build_object('turn', m.turn, 'role', m.role, 'content', m.content)
                             ORDER BY m.turn, m.role DESC)
               FROM run_messages m WHERE m.run_id = r.id) AS messages,
            (SELECT json_agg(json_build_object('id', s.tool_use_id, 'result', s.result, 'is_error', s.is_error))
               FROM run_steps s WHERE s.run_id = r.id AND s.kind = 'tool') AS results
       FROM runs r WHERE r.id = ? AND r.owner_id = ?`,
    [runId, ownerId]
  );
  const row = rows[0];
  return {
    messages: row?.messages ?? [],
    results: new Map((row?.results ?? []).map(({ id, result, is_error }) => [id, { result, is_error }])),
  };
}

/** The run's transcript in order (user before assistant within a turn). */
export async function listMessages(db: Queryable, ownerId: string, runId: string): Promise<RunMessageRow[]> {
  return db<RunMessageRow>('run_messages')
    .where({ run_id: runId })
    .whereExists(ownedRun(db, ownerId, runId))
    .orderBy([{ column: 'turn' }, { column: 'role', order: 'desc' }]);
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

/** run_steps' columns a saved step sets, with their types (parameters of one INSERT … SELECT). */
const STEP_COLUMNS = {
  run_id: 'uuid',
  turn: 'int',
  kind: 'text',
  tool: 'text',
  tool_use_id: 'text',
  input: 'jsonb',
  result: 'jsonb',
  output_preview: 'text',
  is_error: 'boolean',
  usage: 'jsonb',
  started_at: 'timestamptz',
  duration_ms: 'int',
  cost_micro_usd: 'bigint',
  source: 'text',
} as const;
const STEP_COLUMN_NAMES = Object.keys(STEP_COLUMNS) as Array<keyof typeof STEP_COLUMNS>;

/** The conflict target of a step: one model step per turn, one tool step per tool call. */
const stepConflict = (kind: NewStep['kind']) =>
  kind === 'model' ? `(run_id, turn) WHERE kind = 'model'` : '(run_id, tool_use_id) WHERE tool_use_id IS NOT NULL';

/**
 * One statement that saves a step as the run's next `seq` (if it is new), announces it on
 * RUN_EVENTS_CHANNEL, and runs `extra` (CTEs that may use `saved`); `owned` says whether the run
 * is the owner's. Run it under the run's step lock (lockSteps): seq order is then commit order.
 */
async function insertStep(
  trx: Queryable,
  ownerId: string,
  step: NewStep,
  extra: { ctes: string; bindings: Knex.RawBinding[]; select?: string } = { ctes: '', bindings: [] }
): Promise<{ owned: boolean; seq: number | null; extra?: unknown }> {
  const columns = stepColumns(step);
  const values = STEP_COLUMN_NAMES.map((c) => (columns[c] ?? null) as Knex.RawBinding);
  const { rows } = await trx.raw<{ rows: Array<{ owned: boolean; seq: number | null; extra?: unknown }> }>(
    `WITH owned AS (SELECT id FROM runs WHERE id = ? AND owner_id = ?),
     saved AS (
       INSERT INTO run_steps (${STEP_COLUMN_NAMES.join(', ')}, seq)
       SELECT ${STEP_COLUMN_NAMES.map((c) => `?::${STEP_COLUMNS[c]}`).join(', ')},
              coalesce((SELECT max(seq) FROM run_steps WHERE run_id = owned.id), 0) + 1
         FROM owned
       ON CONFLICT ${stepConflict(step.kind)} DO NOTHING
       RETURNING seq
     )${extra.ctes}
     SELECT EXISTS (SELECT 1 FROM owned) AS owned,
            (SELECT seq FROM saved) AS seq,
            (SELECT pg_notify(?, json_build_object('run', ?::text, 'step', seq)::text) FROM saved) AS announced
            ${extra.select ? `, ${extra.select} AS extra` : ''}`,
    [step.run_id, ownerId, ...values, ...extra.bindings, RUN_EVENTS_CHANNEL, step.run_id]
  );
  if (!rows[0]?.owned) throw new RowNotFoundError('runs', step.run_id);
  return rows[0];
}

/** Takes the run's step lock for the transaction: its steps get their seq one commit after another. */
const lockSteps = (trx: Queryable, runId: string) =>
  trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`steps:${runId}`]);

/** Runs `fn` in `db` if it is a transaction, else in a new one. */
const inTransaction = <T>(db: Queryable, fn: (trx: Queryable) => Promise<T>): Promise<T> =>
  'isTransaction' in db && db.isTransaction ? fn(db) : (db as Knex).transaction(fn);

/**
 * Records a step once (model steps per `(run, turn)`, tool steps per `(run, tool_use_id)`), as the
 * run's next `seq`, and announces it. The per-run lock makes seq order the order of commits.
 */
export async function saveStep(db: Queryable, ownerId: string, step: NewStep): Promise<void> {
  await inTransaction(db, async (trx) => {
    await lockSteps(trx, step.run_id);
    await insertStep(trx, ownerId, step);
  });
}

/**
 * Records a model turn once: Claude's reply as the turn's assistant message, its model step, and
 * its usage added to the run's totals — all or nothing, in two statements. A repeat (a retried
 * attempt that got here too) changes nothing: the totals grow only with a step that is new.
 */
export async function saveModelTurn(
  db: Queryable,
  ownerId: string,
  turn: {
    content: ContentBlock[];
    step: NewStep & { kind: 'model'; usage: TokenUsage };
    /** The response as billed: counted once per activity attempt, whether or not its step was new. */
    call: ModelCallRecord;
  }
): Promise<{ runCostMicroUsd: number | null }> {
  const { step, call } = turn;
  const ifSaved = (expression: string) => `CASE WHEN EXISTS (SELECT 1 FROM saved) THEN ${expression} ELSE 0 END`;
  return inTransaction(db, async (trx) => {
    await lockSteps(trx, step.run_id);
    const sums = USAGE_FIELDS.map((field) => `${field} = ${field} + ${ifSaved('?::bigint')}`).join(', ');
    const saved = await insertStep(trx, ownerId, step, {
      ctes: `,
     reply AS (
       INSERT INTO run_messages (run_id, turn, role, content)
       SELECT owned.id, ?::int, 'assistant', ?::jsonb FROM owned
       ON CONFLICT (run_id, turn, role) DO NOTHING
     ),
     billed AS (
       INSERT INTO model_calls (run_id, turn, attempt, owner_id, genie_id, model, mode, ${USAGE_FIELDS.join(', ')}, cost_micro_usd, purpose)
       SELECT owned.id, ?::int, ?::int, ?::uuid, ?::uuid, ?::text, ?::text, ${USAGE_FIELDS.map(() => '?::bigint').join(', ')}, ?::bigint, ?::text
         FROM owned
       ON CONFLICT (run_id, turn, attempt) DO NOTHING
       RETURNING cost_micro_usd
     ),
     spent AS (
       INSERT INTO monthly_spend (owner_id, genie_id, month, cost_micro_usd)
       SELECT ?::uuid, ?::uuid, ?::text, cost_micro_usd FROM billed WHERE cost_micro_usd IS NOT NULL AND ?::text = 'run'
       ON CONFLICT (owner_id, month, genie_id)
       DO UPDATE SET cost_micro_usd = monthly_spend.cost_micro_usd + excluded.cost_micro_usd
     ),
     totals AS (
       UPDATE runs SET turns = turns + ${ifSaved('1')}, ${sums},
              cost_micro_usd = CASE WHEN (SELECT cost_micro_usd FROM billed) IS NULL THEN cost_micro_usd
                                    ELSE coalesce(cost_micro_usd, 0) + (SELECT cost_micro_usd FROM billed) END
        WHERE id = (SELECT id FROM owned) AND (EXISTS (SELECT 1 FROM saved) OR EXISTS (SELECT 1 FROM billed))
        RETURNING cost_micro_usd
     )`,
      // The run's cost after this response (as it was when nothing changed).
      select: `coalesce((SELECT cost_micro_usd FROM totals), (SELECT r.cost_micro_usd FROM runs r, owned WHERE r.id = owned.id))`,
      bindings: [
        step.turn,
        JSON.stringify(turn.content),
        step.turn,
        call.attempt,
        ownerId,
        call.genieId,
        call.model,
        call.mode,
        ...USAGE_FIELDS.map((field) => step.usage[field]),
        call.costMicroUsd,
        call.purpose ?? 'run',
        ownerId,
        call.genieId,
        call.month,
        call.purpose ?? 'run',
        ...USAGE_FIELDS.map((field) => step.usage[field]),
      ],
    });
    return { runCostMicroUsd: saved.extra === null || saved.extra === undefined ? null : Number(saved.extra) };
  });
}

/** One model response as billed (model_calls): which attempt got it, and what it cost. */
export interface ModelCallRecord {
  genieId: string;
  /** The activity attempt that received it (1 first). */
  attempt: number;
  model: string;
  mode: ModelMode;
  /** Null when the model has no price. */
  costMicroUsd: number | null;
  /** The UTC month (`YYYY-MM`) whose budgets it counts toward. */
  month: string;
  /** `eval`: an eval case's call, which counts toward no spend or budget (default `run`). */
  purpose?: 'run' | 'eval';
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

/** Every step of the run after `afterSeq` (all by default), in seq order. */
export async function listSteps(db: Queryable, ownerId: string, runId: string, afterSeq = 0): Promise<RunStepRow[]> {
  return db<RunStepRow>('run_steps')
    .where({ run_id: runId })
    .andWhere('seq', '>', afterSeq)
    .whereExists(ownedRun(db, ownerId, runId))
    .orderBy('seq');
}
