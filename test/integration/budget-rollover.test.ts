import { nextMonthStart } from '../../domain/budgets';
import { text, toolUse } from '../fakes/anthropic';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';
import { TEST_PRICES, usage } from '../support/prices';

/**
 * The next UTC month releases a run waiting for its budget: a durable timer to the month's start
 * (no signal, no polling). The worker's budget clock is set a few seconds before a month ends.
 */
const prices = TEST_PRICES;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
const { fake, h, createUser } = useStack({ harness: { prices }, worker: { prices, clock } });

it('lets a run waiting for its budget go on when the month turns', async () => {
  const user = await createUser('rollover');
  const { genie, marker } = await createScriptedGenie(h, user, {
    model: 'test-model',
    tools: ['memory_write'],
    monthly_budget_usd: 0.005,
  });
  const write = (n: number) =>
    toolUse([{ name: 'memory_write', input: { key: `k${n}`, value: n } }], { usage: usage(1000, 100) });
  fake.scriptConversation(marker, [write(1), write(2), text('new month', usage(1000, 100))]);

  // The worker's month ends 20 s from now: two turns spend $0.006 of $0.005 well before that.
  const now = new Date();
  offsetMs = nextMonthStart(now).getTime() - now.getTime() - 20_000;
  const before = clock().toISOString().slice(0, 7);
  const { run_id } = await startRun(h, user, genie.id);
  const held = await waitForRun(h, user, run_id, { until: (run) => run.status === 'waiting_budget' });
  const heldAt = Date.now();
  expect(fake.requestsFor(marker)).toHaveLength(2);
  expect(clock().toISOString().slice(0, 7)).toBe(before); // still the old month when it began to wait
  expect(held.cost_usd).toBe(0.006);

  const run = await waitForRun(h, user, run_id, { timeoutMs: 60_000 });
  expect(run).toMatchObject({ status: 'succeeded', output: 'new month' });
  expect(clock().toISOString().slice(0, 7)).not.toBe(before);
  expect(Date.now() - heldAt).toBeGreaterThan(5_000); // it waited for the month, not for a poll
  const months = await h.db('monthly_spend').where({ genie_id: genie.id }).orderBy('month');
  expect(months.map((row: any) => [row.month, Number(row.cost_micro_usd)])).toEqual([
    [before, 6000],
    [clock().toISOString().slice(0, 7), 3000],
  ]);
});
