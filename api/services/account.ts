import type { Client } from '@temporalio/client';
import type { Db } from '../../db';
import { findAccountBudget, runsWaitingForBudget, setAccountBudget } from '../../db/repositories/budgets';
import { spendOfOwner } from '../../db/repositories/spend';
import { signalBudgetChanged } from '../../temporal/client';

/** The caller's account: its monthly budget (all genies together) and what it spent. */
export class AccountService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client
  ) {}

  async get(ownerId: string) {
    const [monthly_budget_usd, spend] = await Promise.all([
      findAccountBudget(this.db, ownerId),
      spendOfOwner(this.db, ownerId),
    ]);
    return { monthly_budget_usd, spend };
  }

  /**
   * Sets (or, with null, removes) the account's monthly budget. Runs waiting for a budget are told
   * at once and ask again: those the new budget frees go on within seconds. If Temporal cannot be
   * reached the budget is still saved and the caller gets 503 (repeating the request tells them).
   */
  async update(ownerId: string, patch: { monthly_budget_usd: number | null }) {
    await setAccountBudget(this.db, ownerId, patch.monthly_budget_usd);
    await signalBudgetChanged(this.temporal, await runsWaitingForBudget(this.db, ownerId));
    return this.get(ownerId);
  }
}
