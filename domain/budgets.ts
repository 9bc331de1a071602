// Monthly budgets: what is spent against them, when a run must wait, and the alerts at 80 % and
// 100 %. Pure: used by the model activity, the repositories and the API alike.
import type { WebhookEvent } from './webhooks';

/** A genie's own budget, or the owner's (all genies together). */
export type BudgetScope = 'genie' | 'account';

/** The alerts a budget raises, each once per month: its share of the budget and its webhook event. */
export const BUDGET_ALERTS = [
  { level: 'warning', share: 0.8, event: 'budget.warning' },
  { level: 'reached', share: 1, event: 'budget.reached' },
] as const satisfies ReadonlyArray<{ level: string; share: number; event: WebhookEvent }>;
export type BudgetAlertLevel = (typeof BUDGET_ALERTS)[number]['level'];

/** One budget as a run meets it: the month's spend so far against the budget, in micro-dollars. */
export interface BudgetState {
  scope: BudgetScope;
  budgetMicroUsd: number;
  spentMicroUsd: number;
}

/** The UTC month of `at` as `monthly_spend` keys it: `YYYY-MM`. */
export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

/** When the UTC month after `at` begins (budgets start again then). */
export const nextMonthStart = (at: Date): Date => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));

/** A budget in USD (null: none) as micro-dollars. */
export const budgetMicroUsd = (usd: number | null | undefined): number | null =>
  usd === null || usd === undefined ? null : Math.round(usd * 1_000_000);

/** The budgets of a run that are set (genie first, then the account). */
export function budgetStates(
  budgets: Record<BudgetScope, number | null>,
  spent: Record<BudgetScope, number>
): BudgetState[] {
  return (['genie', 'account'] as const).flatMap((scope) => {
    const budget = budgets[scope];
    return budget === null ? [] : [{ scope, budgetMicroUsd: budget, spentMicroUsd: spent[scope] }];
  });
}

/** The first budget the month's spend has reached: runs wait before their next model call. */
export const reachedBudget = (states: BudgetState[]): BudgetState | undefined =>
  states.find((state) => state.spentMicroUsd >= state.budgetMicroUsd);

/** The alerts due for one budget now (each share of it the spend has reached). */
export const dueAlerts = (state: BudgetState): Array<(typeof BUDGET_ALERTS)[number]> =>
  BUDGET_ALERTS.filter((alert) => state.spentMicroUsd >= Math.ceil(state.budgetMicroUsd * alert.share));

/** How an alert is keyed among those already sent this month (`budget_alerts`). */
export const alertKey = (scope: BudgetScope, level: BudgetAlertLevel): string => `${scope}:${level}`;
