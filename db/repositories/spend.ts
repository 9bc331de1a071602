import { usdOf } from '../../domain/prices';
import type { Queryable } from '../index';

/** What runs spent on Claude today and this month (UTC), in USD (an eval's spend is its own). */
export interface Spend {
  today_usd: number;
  month_usd: number;
}

const NOTHING: Spend = { today_usd: 0, month_usd: 0 };

/** Since the start of this UTC month; `today` since the start of this UTC day. */
const SPEND_SQL = `coalesce(sum(cost_micro_usd) FILTER (
                     WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), 0) AS today,
                   coalesce(sum(cost_micro_usd), 0) AS month`;
const THIS_MONTH = `created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;

const spendOf = (row: { today: string | number; month: string | number } | undefined): Spend =>
  row ? { today_usd: usdOf(Number(row.today)), month_usd: usdOf(Number(row.month)) } : NOTHING;

/** Each of the owner's genies' spend (every model response of all its runs), by genie id; one statement. */
export async function spendByGenie(db: Queryable, ownerId: string, genieIds: string[]): Promise<Map<string, Spend>> {
  if (genieIds.length === 0) return new Map();
  const { rows } = await db.raw<{ rows: Array<{ genie_id: string; today: string; month: string }> }>(
    `SELECT genie_id, ${SPEND_SQL} FROM model_calls
      WHERE owner_id = ? AND genie_id = ANY(?::uuid[]) AND purpose = 'run' AND ${THIS_MONTH}
      GROUP BY genie_id`,
    [ownerId, genieIds]
  );
  return new Map(genieIds.map((id) => [id, spendOf(rows.find((row) => row.genie_id === id))]));
}

/** What all the owner's genies spent (every model response of all runs). */
export async function spendOfOwner(db: Queryable, ownerId: string): Promise<Spend> {
  const { rows } = await db.raw<{ rows: Array<{ today: string; month: string }> }>(
    `SELECT ${SPEND_SQL} FROM model_calls WHERE owner_id = ? AND purpose = 'run' AND ${THIS_MONTH}`,
    [ownerId]
  );
  return spendOf(rows[0]);
}
