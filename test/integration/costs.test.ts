import crypto from 'node:crypto';
import { saveModelTurn } from '../../db/repositories/run-records';
import { text, toolUse } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';
import { TEST_PRICES, usage } from '../support/prices';

/** What runs cost: every model response priced by the deployment's table, summed exactly in micro-dollars. */
const prices = TEST_PRICES;
const { fake, h, createUser } = useStack({ harness: { prices }, worker: { prices } });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('costs');
});

it('costs each model step and the run exactly, from the price table', async () => {
  const { genie, marker } = await createScriptedGenie(h, user, { model: 'test-model', tools: ['memory_write'] });
  fake.script(marker, [
    // 1000×2 + 200×10 + 400×2.5 = 5000 µ$
    toolUse([{ name: 'memory_write', input: { key: 'k', value: 1 } }], { usage: usage(1000, 200, 400) }),
    // 1500×2 + 100×10 + 500×0.1 = 4050 µ$
    text('done', usage(1500, 100, 0, 500)),
  ]);
  const { run_id } = await startRun(h, user, genie.id);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('succeeded');
  expect(run.steps.filter((s: any) => s.kind === 'model').map((s: any) => s.cost_usd)).toEqual([0.005, 0.00405]);
  expect(run.steps.find((s: any) => s.kind === 'tool').cost_usd).toBeUndefined();
  expect(run.cost_usd).toBe(0.00905);
  const listed = await h.call('GET', `/v1/worker-genies/${genie.id}/runs`, { key: user.key });
  expect(listed.body.data.items[0]).toMatchObject({ id: run_id, cost_usd: 0.00905 });
  const calls = await h.db('model_calls').where({ run_id }).orderBy('turn');
  expect(calls.map((c: any) => [c.turn, c.attempt, c.model, c.mode, Number(c.cost_micro_usd)])).toEqual([
    [1, 1, 'test-model', 'realtime', 5000],
    [2, 1, 'test-model', 'realtime', 4050],
  ]);
});

it('has no cost for a model without a price (null, not 0)', async () => {
  const { genie, marker } = await createScriptedGenie(h, user, { model: 'unpriced-model' });
  fake.script(marker, [text('hi', usage(100, 10))]);
  const { run_id } = await startRun(h, user, genie.id);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('succeeded');
  expect(run.cost_usd).toBeNull();
  expect(run.steps[0].cost_usd).toBeNull();
});

it('bills every response the worker received, a retried attempt’s too, once each', async () => {
  const { genie } = await createScriptedGenie(h, user, { model: 'test-model' });
  const runId = crypto.randomUUID();
  await h.db('runs').insert({
    id: runId,
    owner_id: user.id,
    genie_id: genie.id,
    workflow_id: `genie-run-${runId}`,
    trigger_type: 'manual',
    status: 'running',
    genie_version: genie.version,
  });
  const turn = (attempt: number, costMicroUsd: number) => ({
    content: [{ type: 'text' as const, text: `attempt ${attempt}` }],
    step: {
      run_id: runId,
      turn: 1,
      kind: 'model' as const,
      tool: null,
      tool_use_id: null,
      input: {},
      result: { stop_reason: 'end_turn' },
      output_preview: 'x',
      is_error: false,
      usage: usage(1000, 0),
      started_at: new Date(),
      duration_ms: 1,
      cost_micro_usd: costMicroUsd,
    },
    call: {
      genieId: genie.id,
      attempt,
      model: 'test-model',
      mode: 'realtime' as const,
      costMicroUsd,
      month: '2026-12',
    },
  });
  await saveModelTurn(h.db, user.id, turn(1, 2000));
  await saveModelTurn(h.db, user.id, turn(1, 2000)); // the same attempt again (a replayed save): nothing more
  await saveModelTurn(h.db, user.id, turn(2, 2000)); // attempt 2 got a response too: billed, the turn kept once
  const row = await h.db('runs').where({ id: runId }).first();
  expect(Number(row.cost_micro_usd)).toBe(4000);
  expect(row.turns).toBe(1);
  expect(Number(row.input_tokens)).toBe(1000);
  expect(await h.db('model_calls').where({ run_id: runId })).toHaveLength(2);
  expect(await h.db('run_steps').where({ run_id: runId })).toHaveLength(1);
  // The month's spend (what budgets read) counts both responses, once each.
  const spent = await h.db('monthly_spend').where({ owner_id: user.id, genie_id: genie.id, month: '2026-12' }).first();
  expect(Number(spent.cost_micro_usd)).toBe(4000);
});

it('shows each genie’s spend today and this month (UTC) in get and list, nobody else’s', async () => {
  const { genie, marker } = await createScriptedGenie(h, user, { model: 'test-model' });
  fake.script(marker, [text('one', usage(1000, 100))]); // 2000 + 1000 = 3000 µ$ a run
  for (let i = 0; i < 2; i++) {
    const { run_id } = await startRun(h, user, genie.id);
    expect((await waitForRun(h, user, run_id)).status).toBe('succeeded');
  }
  // Earlier spend: yesterday (this month unless today is the 1st) and last month.
  const [run] = await h.db('runs').where({ genie_id: genie.id }).limit(1);
  const earlier = (createdAt: string, turn: number) => ({
    run_id: run.id,
    turn,
    attempt: 9,
    owner_id: user.id,
    genie_id: genie.id,
    model: 'test-model',
    mode: 'realtime',
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    cost_micro_usd: 1_000_000,
    created_at: h.db.raw(createdAt),
  });
  await h
    .db('model_calls')
    .insert([
      earlier(`date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 second'`, 90),
      earlier(`date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 second'`, 91),
    ]);
  const firstOfMonth = new Date().getUTCDate() === 1;
  const expected = { today_usd: 0.006, month_usd: firstOfMonth ? 0.006 : 1.006 };
  expect((await h.call('GET', `/v1/worker-genies/${genie.id}`, { key: user.key })).body.data.spend).toEqual(expected);
  const listed = (await h.call('GET', '/v1/worker-genies?limit=100', { key: user.key })).body.data.items;
  expect(listed.find((g: any) => g.id === genie.id).spend).toEqual(expected);
  const stranger = await createUser('stranger');
  const own = await h.call('GET', '/v1/worker-genies', { key: stranger.key });
  expect(own.body.data.items).toEqual([]);
  const fresh = await createScriptedGenie(h, stranger, { model: 'test-model' });
  expect((await h.call('GET', `/v1/worker-genies/${fresh.genie.id}`, { key: stranger.key })).body.data.spend).toEqual({
    today_usd: 0,
    month_usd: 0,
  });
});

describe('max_cost_per_run_usd', () => {
  it('stops the run before the model call after the one that reached the cap, with the last text as output', async () => {
    // Each turn costs 1000×2 + 100×10 = 3000 µ$; the cap of $0.005 is reached by the second.
    const { genie, marker } = await createScriptedGenie(h, user, {
      model: 'test-model',
      tools: ['memory_write'],
      max_cost_per_run_usd: 0.005,
    });
    expect(genie.max_cost_per_run_usd).toBe(0.005);
    const write = (n: number) =>
      toolUse([{ name: 'memory_write', input: { key: `k${n}`, value: n } }], {
        text: `step ${n}`,
        usage: usage(1000, 100),
      });
    fake.script(marker, [write(1), write(2), write(3), text('never', usage(1000, 100))]);
    const { run_id } = await startRun(h, user, genie.id);
    const run = await waitForRun(h, user, run_id);
    expect(run).toMatchObject({ status: 'failed', error: { type: 'budget_exceeded' }, output: 'step 2' });
    expect(run.error.message).toMatch(/before turn 3.*max_cost_per_run_usd is \$0\.005/);
    expect(fake.requestsFor(marker)).toHaveLength(2);
    expect(run.cost_usd).toBe(0.006);
    expect(run.genie_config.max_cost_per_run_usd).toBe(0.005);
  });

  it('refuses a cap on a model without a price (400), and a negative or non-numeric one', async () => {
    const create = (fields: object) =>
      h.call('POST', '/v1/worker-genies', { key: user.key, body: { name: 'capped', soul_prompt: 'x', ...fields } });
    const unpriced = await create({ model: 'unpriced-model', max_cost_per_run_usd: 1 });
    expect(unpriced.status).toBe(400);
    expect(unpriced.body.error.details).toEqual([
      { field: 'max_cost_per_run_usd', message: expect.stringContaining('"unpriced-model" has no price') },
    ]);
    expect((await create({ max_cost_per_run_usd: -1 })).status).toBe(400);
    expect((await create({ max_cost_per_run_usd: '1' })).status).toBe(400);
    // The default model of this stack (claude-sonnet-5-5) has no price in this file's table either.
    expect((await create({ max_cost_per_run_usd: 1 })).status).toBe(400);
    const priced = await create({ model: 'test-model', max_cost_per_run_usd: 1 });
    expect(priced.status).toBe(201);
    const moved = await h.call('PATCH', `/v1/worker-genies/${priced.body.data.id}`, {
      key: user.key,
      body: { model: 'unpriced-model' },
    });
    expect(moved.status).toBe(400);
  });
});
