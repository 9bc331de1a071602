import { budgetMicroUsd, type BudgetAlertLevel, type BudgetScope } from '../../domain/budgets';
import type { Queryable } from '../index';
import { moveRunStatus } from './runs';

/** A run's budgets this month: each set budget and what its scope spent, and the alerts already sent. */
export interface RunBudgets {
  budgets: Record<BudgetScope, number | null>;
  spent: Record<BudgetScope, number>;
  /** `alertKey`s of this month's alerts already sent for the run's genie and its owner. */
  alertsSent: string[];
}

/** The columns a row of `runs r` needs for its budgets in the month `:month` (with `g`, its genie). */
export const RUN_BUDGET_COLUMNS = `
  g.monthly_budget_usd AS genie_budget_usd,
  (SELECT u.monthly_budget_usd FROM users u WHERE u.id = r.owner_id) AS account_budget_usd,
  (SELECT coalesce(sum(s.cost_micro_usd), 0) FROM monthly_spend s
    WHERE s.owner_id = r.owner_id AND s.month = :month) AS account_spent,
  (SELECT coalesce(sum(s.cost_micro_usd), 0) FROM monthly_spend s
    WHERE s.owner_id = r.owner_id AND s.month = :month AND s.genie_id = r.genie_id) AS genie_spent,
  (SELECT coalesce(array_agg(CASE WHEN a.genie_id IS NULL THEN 'account' ELSE 'genie' END || ':' || a.level), '{}')
     FROM budget_alerts a
    WHERE a.owner_id = r.owner_id AND a.month = :month AND (a.genie_id IS NULL OR a.genie_id = r.genie_id)) AS alerts_sent`;

export interface RunBudgetColumns {
  genie_budget_usd: number | null;
  account_budget_usd: number | null;
  account_spent: string | number;
  genie_spent: string | number;
  alerts_sent: string[];
}

export const runBudgetsOf = (row: RunBudgetColumns): RunBudgets => ({
  budgets: { genie: budgetMicroUsd(row.genie_budget_usd), account: budgetMicroUsd(row.account_budget_usd) },
  spent: { genie: Number(row.genie_spent), account: Number(row.account_spent) },
  alertsSent: row.alerts_sent,
});

/** The run's budgets in `month`, read afresh (undefined when the run or its genie is gone). */
export async function loadRunBudgets(
  db: Queryable,
  ownerId: string,
  runId: string,
  month: string
): Promise<RunBudgets | undefined> {
  const { rows } = await db.raw<{ rows: RunBudgetColumns[] }>(
    `SELECT ${RUN_BUDGET_COLUMNS}
       FROM runs r JOIN genies g ON g.id = r.genie_id AND g.owner_id = r.owner_id
      WHERE r.id = :runId AND r.owner_id = :ownerId`,
    { runId, ownerId, month }
  );
  return rows[0] ? runBudgetsOf(rows[0]) : undefined;
}

/** `running → waiting_budget`: a budget is spent; the run waits before its next model call. */
export const markRunWaitingForBudget = (db: Queryable, ownerId: string, runId: string): Promise<void> =>
  moveRunStatus(db, ownerId, runId, 'running', 'waiting_budget');

/** `waiting_budget → running`: the budget was raised, removed, or a new month began. */
export const markRunBudgetReleased = (db: Queryable, ownerId: string, runId: string): Promise<void> =>
  moveRunStatus(db, ownerId, runId, 'waiting_budget', 'running');

/** Workflow ids of the owner's runs waiting for a budget (of one genie, when given). */
export async function runsWaitingForBudget(db: Queryable, ownerId: string, genieId?: string): Promise<string[]> {
  const query = db('runs').where({ owner_id: ownerId, status: 'waiting_budget' }).select('workflow_id');
  if (genieId) query.andWhere({ genie_id: genieId });
  return (await query).map((row: { workflow_id: string }) => row.workflow_id);
}

/**
 * Records one budget alert of the month, once: true when this call recorded it (and so the owner
 * is to be told), false when it was already sent.
 */
export async function claimBudgetAlert(
  db: Queryable,
  ownerId: string,
  alert: { scope: BudgetScope; genieId: string; month: string; level: BudgetAlertLevel; runId: string }
): Promise<boolean> {
  const { rowCount } = await db.raw<{ rowCount: number }>(
    `INSERT INTO budget_alerts (owner_id, genie_id, month, level, run_id) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (owner_id, month, coalesce(genie_id, '00000000-0000-0000-0000-000000000000'::uuid), level) DO NOTHING`,
    [ownerId, alert.scope === 'genie' ? alert.genieId : null, alert.month, alert.level, alert.runId]
  );
  return rowCount > 0;
}

/** The owner's account budget (USD per UTC month; null: none). */
export async function findAccountBudget(db: Queryable, ownerId: string): Promise<number | null> {
  const { rows } = await db.raw<{ rows: Array<{ monthly_budget_usd: number | null }> }>(
    'SELECT monthly_budget_usd FROM users WHERE id = ?',
    [ownerId]
  );
  return rows[0]?.monthly_budget_usd ?? null;
}

export async function setAccountBudget(db: Queryable, ownerId: string, usd: number | null): Promise<void> {
  await db('users').where({ id: ownerId }).update({ monthly_budget_usd: usd });
}
