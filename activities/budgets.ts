import { Context } from '@temporalio/activity';
import {
  alertKey,
  budgetStates,
  dueAlerts,
  nextMonthStart,
  reachedBudget,
  type BudgetScope,
  type BudgetState,
} from '../domain/budgets';
import { usdOf } from '../domain/prices';
import {
  claimBudgetAlert,
  loadRunBudgets,
  markRunBudgetReleased,
  markRunWaitingForBudget,
  type RunBudgets,
} from '../db/repositories/budgets';
import { claimNotification } from '../db/repositories/notifications';
import type { GenieRow } from '../db/repositories/genies';
import type { RunRow } from '../db/repositories/runs';
import type { ActivityDeps } from './deps';
import { deliverNotificationEmail } from './email';
import { withHeartbeat } from './heartbeat';
import { webhookDeliveryFor } from './webhooks';

/** A run that must wait for a budget: which one, and how long until the next UTC month frees it. */
export interface BudgetWait {
  scope: BudgetScope;
  releaseInMs: number;
}

/** The clock budgets go by (the worker's; tests give one that is about to turn the month). */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

type BudgetDeps = Pick<ActivityDeps, 'db' | 'mailer'>;

const states = (budgets: RunBudgets): BudgetState[] => budgetStates(budgets.budgets, budgets.spent);

/**
 * Whether the run may call Claude now. When a monthly budget (the genie's or its owner's) is spent
 * the run is marked `waiting_budget` and told how long until the month ends; when it was waiting
 * and no longer must, it is `running` again. After marking it waiting the budgets are read once
 * more: a budget raised in between signalled only the runs it found waiting, which may not have
 * included this one yet.
 */
export async function budgetGate(
  deps: BudgetDeps,
  run: RunRow,
  budgets: RunBudgets,
  month: string,
  now: Date
): Promise<BudgetWait | undefined> {
  const { db } = deps;
  let reached = reachedBudget(states(budgets));
  let marked = false;
  if (reached) {
    await markRunWaitingForBudget(db, run.owner_id, run.id);
    marked = true;
    const fresh = await loadRunBudgets(db, run.owner_id, run.id, month);
    reached = fresh && reachedBudget(states(fresh));
  }
  if (!reached) {
    if (marked || run.status === 'waiting_budget') await markRunBudgetReleased(db, run.owner_id, run.id);
    return undefined;
  }
  return { scope: reached.scope, releaseInMs: Math.max(1000, nextMonthStart(now).getTime() - now.getTime()) };
}

const SCOPE_LABEL: Record<BudgetScope, string> = { genie: 'monthly budget', account: 'account’s monthly budget' };

/**
 * Tells the owner, once per budget and month, that 80 % (`budget.warning`) or 100 %
 * (`budget.reached`) of a budget is spent: a notification (and its email when SMTP is set) and the
 * genie's webhook when it subscribed. Answers the webhook deliveries the workflow is to start.
 */
export async function raiseBudgetAlerts(
  deps: BudgetDeps,
  context: { run: RunRow; genie: GenieRow; budgets: RunBudgets },
  month: string,
  spentNow: Record<BudgetScope, number>
): Promise<string[]> {
  const { db } = deps;
  const { run, genie, budgets } = context;
  const deliveries: string[] = [];
  for (const state of budgetStates(budgets.budgets, spentNow)) {
    for (const alert of dueAlerts(state)) {
      if (budgets.alertsSent.includes(alertKey(state.scope, alert.level))) continue;
      const claimed = await claimBudgetAlert(db, run.owner_id, {
        scope: state.scope,
        genieId: genie.id,
        month,
        level: alert.level,
        runId: run.id,
      });
      if (!claimed) continue;
      const budgetUsd = usdOf(state.budgetMicroUsd);
      const spentUsd = usdOf(state.spentMicroUsd);
      const whose = state.scope === 'genie' ? `${genie.name}’s ${SCOPE_LABEL.genie}` : `Your ${SCOPE_LABEL.account}`;
      const subject =
        alert.level === 'reached'
          ? `${whose} ($${budgetUsd}) is spent`
          : `${whose} is ${Math.round(alert.share * 100)} % spent`;
      const message =
        alert.level === 'reached'
          ? `$${spentUsd} of $${budgetUsd} spent in ${month}. Runs wait before their next model call until you raise or remove the budget, or the month ends.`
          : `$${spentUsd} of $${budgetUsd} spent in ${month}. At 100 % runs wait before their next model call.`;
      const notification = await claimNotification(db, run.owner_id, {
        genie_id: genie.id,
        run_id: run.id,
        tool_use_id: `budget:${state.scope}:${month}:${alert.level}`,
        subject,
        message,
        priority: alert.level === 'reached' ? 'high' : 'normal',
        channel: 'both',
        email_status: 'pending',
      });
      const attempt = Context.current().info.attempt;
      await withHeartbeat((signal) =>
        deliverNotificationEmail({ db, deps, ownerId: run.owner_id, signal, attempt }, notification, {
          subject: `[Worker Genies] ${subject}`,
          text: `${message}\n\n— Worker Genies, run ${run.id}`,
        })
      );
      const delivery = await webhookDeliveryFor(db, run.owner_id, genie, {
        type: alert.event,
        runId: run.id,
        data: {
          scope: state.scope,
          genie_id: genie.id,
          run_id: run.id,
          month,
          budget_usd: budgetUsd,
          spend_usd: spentUsd,
        },
      });
      if (delivery && !deliveries.includes(delivery)) deliveries.push(delivery);
    }
  }
  return deliveries;
}
