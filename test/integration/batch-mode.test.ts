import { batchErrored, batchExpired, text, toolUse } from '../fakes/anthropic';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import type { TestUser } from '../support/harness';
import { useStack } from '../support/stack';
import { TEST_PRICES, usage } from '../support/prices';

/**
 * `model_mode: "batch"`: every model call is one Message Batches request, polled by the workflow
 * on timers (10 s first), its result read from `results_url` and billed at the batch discount.
 * These runs take 10 s and more a turn: the real first wait.
 */
const prices = TEST_PRICES;
const { fake, h, createUser } = useStack({ harness: { prices }, worker: { prices } });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('batch');
});

const batchGenie = (fields: object = {}) =>
  createScriptedGenie(h, user, { model: 'test-model', model_mode: 'batch', tools: ['memory_write'], ...fields });

it('runs each turn as one batch request, waiting_batch meanwhile, billed at the batch discount', async () => {
  const { genie, marker } = await batchGenie();
  expect(genie.model_mode).toBe('batch');
  fake.scriptConversation(marker, [
    toolUse([{ name: 'memory_write', input: { key: 'batched', value: 1 } }], { usage: usage(1000, 100) }),
    text('batched answer', usage(2000, 100)),
  ]);
  const { run_id } = await startRun(h, user, genie.id);
  const waiting = await waitForRun(h, user, run_id, { until: (run) => run.live?.phase === 'waiting_batch' });
  expect(waiting.status).toBe('running');
  const run = await waitForRun(h, user, run_id, { timeoutMs: 90_000 });
  expect(run).toMatchObject({ status: 'succeeded', output: 'batched answer' });

  const batches = fake.batchesFor(marker);
  expect(batches.map((b) => b.customIds)).toEqual([[`${run_id}-1`], [`${run_id}-2`]]);
  expect(batches.every((b) => b.status === 'ended' && b.resultTypes[0] === 'succeeded')).toBe(true);
  // The realtime endpoint was never called for this genie: every request came through a batch.
  expect(fake.requestsFor(marker).every((r) => r.batchId)).toBe(true);
  // (1000×2 + 100×10) × 0.5 = 1500 µ$; (2000×2 + 100×10) × 0.5 = 2500 µ$.
  expect(run.steps.filter((s: any) => s.kind === 'model').map((s: any) => s.cost_usd)).toEqual([0.0015, 0.0025]);
  expect(run.cost_usd).toBe(0.004);
  const calls = await h.db('model_calls').where({ run_id }).orderBy('turn');
  expect(calls.map((c: any) => [c.turn, c.mode, Number(c.cost_micro_usd)])).toEqual([
    [1, 'batch', 1500],
    [2, 'batch', 2500],
  ]);
  const [memory] = await h.db('memory').where({ genie_id: genie.id, key: 'batched' });
  expect(memory?.value).toBe(1);
});

it('submits an errored or expired batch again, and bills only the answer', async () => {
  const { genie, marker } = await batchGenie();
  fake.script(marker, [batchErrored('overloaded, try later'), batchExpired(), text('third time', usage(1000, 100))]);
  const { run_id } = await startRun(h, user, genie.id);
  const run = await waitForRun(h, user, run_id, { timeoutMs: 120_000 });
  expect(run).toMatchObject({ status: 'succeeded', output: 'third time' });
  const batches = fake.batchesFor(marker);
  expect(batches.map((b) => b.resultTypes[0])).toEqual(['errored', 'expired', 'succeeded']);
  expect(batches.map((b) => b.customIds[0])).toEqual([`${run_id}-1`, `${run_id}-1`, `${run_id}-1`]);
  expect(run.cost_usd).toBe(0.0015);
  const submissions = await h.db('model_batches').where({ run_id }).orderBy('submission');
  expect(submissions.map((b: any) => [b.submission, b.status, b.result_type])).toEqual([
    [1, 'ended', 'errored'],
    [2, 'ended', 'expired'],
    [3, 'ended', 'succeeded'],
  ]);
});

it('cancels the batch of a run that is cancelled while it waits', async () => {
  const { genie, marker } = await batchGenie();
  fake.script(marker, [text('never seen', usage(1000, 100))]);
  fake.holdBatches = true;
  try {
    const { run_id } = await startRun(h, user, genie.id);
    await waitForRun(h, user, run_id, { until: (run) => run.live?.phase === 'waiting_batch' });
    const cancel = await h.call('POST', `/v1/runs/${run_id}/cancel`, { key: user.key });
    expect(cancel.status).toBeLessThan(300);
    const run = await waitForRun(h, user, run_id);
    expect(run.status).toBe('cancelled');
    for (let i = 0; i < 100 && !fake.batchesFor(marker)[0]?.cancelled; i++)
      await new Promise((r) => setTimeout(r, 100));
    const [batch] = fake.batchesFor(marker);
    expect(batch!.cancelled).toBe(true);
    const [row] = await h.db('model_batches').where({ run_id });
    expect(row).toMatchObject({ status: 'cancelled', batch_id: batch!.id });
    expect(run.cost_usd).toBeNull();
  } finally {
    fake.holdBatches = false;
  }
});
