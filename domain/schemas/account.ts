// The owner's account as the API writes it: its monthly budget across all genies.
import { MonthlyBudgetSchema } from './genie';
import { z } from './zod';

export const AccountUpdateSchema = z
  .object({ monthly_budget_usd: MonthlyBudgetSchema })
  .strict()
  .openapi('AccountUpdate', {
    description: 'monthly_budget_usd: USD per UTC month, all genies together; null removes it',
  });
