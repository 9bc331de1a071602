import type { ApprovalStatus } from '../../domain/approvals';
import type { GenieSpec } from '../../domain/schemas/genie';
import type { Queryable } from '../index';
import type { ApprovalRow } from './approvals';
import { RUN_BUDGET_COLUMNS, runBudgetsOf, type RunBudgetColumns, type RunBudgets } from './budgets';
import type { GenieRow } from './genies';
import type { WebhookDeliveryRow } from './webhook-deliveries';
import type { ContentBlock, RunStepRow } from './run-records';
import type { RunRow } from './runs';

/** What an activity of a run works with, read in one statement. */
export interface RunContext {
  run: RunRow;
  /** The genie as the run runs it: the stored genie with the fields of the version the run recorded. */
  genie: GenieRow;
  /** The assistant message of the asked turn (its tool calls), if stored. */
  reply?: ContentBlock[];
  /** The model step of the asked turn, if saved. */
  modelStep?: RunStepRow;
  /** The step of the asked tool call, if it ran already. */
  toolStep?: RunStepRow;
  /** The approval of the asked tool call: its status, or undefined when none was asked. */
  approval?: ApprovalStatus;
  /** The run's budgets in the asked month, when asked. */
  budgets?: RunBudgets;
}

interface ContextRow extends RunRow, Partial<RunBudgetColumns> {
  genie: Record<string, unknown> | null;
  version_spec: GenieSpec | null;
  reply: ContentBlock[] | null;
  model_step: Record<string, unknown> | null;
  tool_step: Record<string, unknown> | null;
  approval_status: ApprovalStatus | null;
}

/** A row as jsonb (`to_jsonb`) turned back into the row pg would give: its `…_at` times as dates. */
export function withDates<T>(json: Record<string, unknown>): T {
  const row: Record<string, unknown> = { ...json };
  for (const [key, value] of Object.entries(row)) {
    if (key.endsWith('_at') && typeof value === 'string') row[key] = new Date(value);
  }
  return row as T;
}

/** A step as jsonb (`to_jsonb`) turned back into its row. */
const stepOf = (json: Record<string, unknown> | null): RunStepRow | undefined =>
  json ? withDates<RunStepRow>(json) : undefined;

function genieOf(json: Record<string, unknown>, spec: GenieSpec | null, version: number | null): GenieRow {
  const genie = withDates<GenieRow>(json);
  if (!spec || version === null) return genie;
  // A version kept before a field existed does not have it: the run goes without (MCP servers, a cost cap).
  const before: Partial<GenieSpec> = {
    mcp_servers: [],
    max_cost_per_run_usd: null,
    model_mode: 'realtime',
    thinking_budget_tokens: null,
    server_tools: [],
    web_search: null,
    delegates: [],
  };
  return { ...genie, ...before, ...spec, version };
}

/**
 * A run of the owner with its genie (as of the version the run recorded) and, when asked, one
 * turn's reply and model step, one tool call's step and approval: everything an activity of the
 * run needs, in one statement. Undefined when the owner has no such run (or its genie is gone).
 */
export async function loadRunContext(
  db: Queryable,
  ownerId: string,
  runId: string,
  at: { turn?: number; toolUseId?: string; budgetMonth?: string } = {}
): Promise<RunContext | undefined> {
  const turn = at.turn ?? -1;
  const toolUseId = at.toolUseId ?? '';
  const { rows } = await db.raw<{ rows: ContextRow[] }>(
    `SELECT r.*,
            to_jsonb(g) AS genie,
            coalesce(r.genie_spec, v.spec) AS version_spec,
            (SELECT m.content FROM run_messages m
              WHERE m.run_id = r.id AND m.turn = :turn AND m.role = 'assistant') AS reply,
            (SELECT to_jsonb(s) FROM run_steps s
              WHERE s.run_id = r.id AND s.kind = 'model' AND s.turn = :turn) AS model_step,
            (SELECT to_jsonb(s) FROM run_steps s
              WHERE s.run_id = r.id AND s.tool_use_id = :toolUseId) AS tool_step,
            (SELECT a.status FROM approvals a
              WHERE a.run_id = r.id AND a.tool_use_id = :toolUseId) AS approval_status
            ${at.budgetMonth ? `, ${RUN_BUDGET_COLUMNS}` : ''}
       FROM runs r
       JOIN genies g ON g.id = r.genie_id AND g.owner_id = r.owner_id
       LEFT JOIN genie_versions v
         ON v.genie_id = r.genie_id AND v.owner_id = r.owner_id AND v.version = r.genie_version
        AND r.genie_version <> g.version
      WHERE r.id = :runId AND r.owner_id = :ownerId`,
    { turn, toolUseId, runId, ownerId, ...(at.budgetMonth ? { month: at.budgetMonth } : {}) }
  );
  const row = rows[0];
  if (!row?.genie) return undefined;
  const {
    genie,
    version_spec,
    reply,
    model_step,
    tool_step,
    approval_status,
    genie_budget_usd: _genieBudget,
    account_budget_usd: _accountBudget,
    account_spent: _accountSpent,
    genie_spent: _genieSpent,
    alerts_sent: _alertsSent,
    ...run
  } = row;
  // Asked for a month, the row has every budget column.
  const budgets = at.budgetMonth ? runBudgetsOf(row as RunBudgetColumns) : undefined;
  return {
    run,
    genie: genieOf(genie, version_spec, run.genie_version),
    ...(reply ? { reply } : {}),
    ...(model_step ? { modelStep: stepOf(model_step) } : {}),
    ...(tool_step ? { toolStep: stepOf(tool_step) } : {}),
    ...(approval_status ? { approval: approval_status } : {}),
    ...(budgets ? { budgets } : {}),
  };
}

/** What a run's detail shows: the run, its genie as of its version, its steps, approvals and webhook deliveries. */
export interface RunDetailRows {
  run: RunRow;
  /** Undefined when the genie is gone. */
  genie?: GenieRow;
  steps: RunStepRow[];
  approvals: ApprovalRow[];
  deliveries: WebhookDeliveryRow[];
  /** The runs it asked for (ask_genie), in the order asked. */
  children: RunChildRow[];
}

/** A run another run asked for, as its parent's detail lists it. */
export interface RunChildRow {
  id: string;
  genie_id: string;
  status: RunRow['status'];
  cost_micro_usd: string | number | null;
}

interface DetailRow extends RunRow {
  genie: Record<string, unknown> | null;
  version_spec: GenieSpec | null;
  steps: Array<Record<string, unknown>>;
  approvals: Array<Record<string, unknown>>;
  deliveries: Array<Record<string, unknown>>;
  children: RunChildRow[];
}

/**
 * A run of the owner with everything its detail shows, in one statement (the steps in seq order,
 * approvals and webhook deliveries in the order they were made). Undefined when the owner has no
 * such run.
 */
export async function loadRunDetail(db: Queryable, ownerId: string, runId: string): Promise<RunDetailRows | undefined> {
  const { rows } = await db.raw<{ rows: DetailRow[] }>(
    `SELECT r.*,
            to_jsonb(g) AS genie,
            coalesce(r.genie_spec, v.spec) AS version_spec,
            (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.seq), '[]'::jsonb)
               FROM run_steps s WHERE s.run_id = r.id) AS steps,
            (SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.created_at, a.id), '[]'::jsonb)
               FROM approvals a WHERE a.run_id = r.id AND a.owner_id = r.owner_id) AS approvals,
            (SELECT coalesce(jsonb_agg(to_jsonb(d) ORDER BY d.created_at, d.id), '[]'::jsonb)
               FROM webhook_deliveries d WHERE d.run_id = r.id AND d.owner_id = r.owner_id) AS deliveries,
            (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'genie_id', c.genie_id, 'status', c.status,
                                                          'cost_micro_usd', c.cost_micro_usd)
                                       ORDER BY c.created_at, c.id), '[]'::jsonb)
               FROM runs c WHERE c.parent_run_id = r.id AND c.owner_id = r.owner_id) AS children
       FROM runs r
       LEFT JOIN genies g ON g.id = r.genie_id AND g.owner_id = r.owner_id
       LEFT JOIN genie_versions v
         ON v.genie_id = r.genie_id AND v.owner_id = r.owner_id AND v.version = r.genie_version
        AND r.genie_version <> g.version
      WHERE r.id = :runId AND r.owner_id = :ownerId`,
    { runId, ownerId }
  );
  const row = rows[0];
  if (!row) return undefined;
  const { genie, version_spec, steps, approvals, deliveries, children, ...run } = row;
  return {
    run,
    ...(genie ? { genie: genieOf(genie, version_spec, run.genie_version) } : {}),
    steps: steps.map((step) => withDates<RunStepRow>(step)),
    approvals: approvals.map((approval) => withDates<ApprovalRow>(approval)),
    deliveries: deliveries.map((delivery) => withDates<WebhookDeliveryRow>(delivery)),
    children,
  };
}
