import type { ChildHandle } from '../../dev/processes';
import { spawnNodeChild, waitForReady } from '../../dev/stack';
import { text, toolUse } from '../fakes/anthropic';
import { spawnWorkerDyingAfterBilling } from '../support/faults';
import { TEST_ENCRYPTION_KEYS } from '../support/keys';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/**
 * Spend stays exact across a crash: the worker is killed right after it committed the first model
 * response it was billed for, before Temporal heard of it. The next worker's retry finds the turn
 * stored and asks Claude nothing more for it, so what Postgres recorded is what the model served.
 */
const { fake, h, taskQueue, createUser, db } = useStack();

it('records exactly the responses the model served, once each, when the worker dies mid-run', async () => {
  const env = {
    ...process.env,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'sk-ant-fake',
    GENIE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    LOG_LEVEL: 'error',
  };
  const user = await createUser('cost-crash');
  let first: ChildHandle | undefined;
  let second: ChildHandle | undefined;
  try {
    // The shipped price of claude-sonnet-5-5: $2 in, $10 out, $2.50 cache write, $0.10 cache read.
    const usage = {
      input_tokens: 1000,
      output_tokens: 100,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    const { genie, marker } = await createScriptedGenie(h, user, {
      model: 'claude-sonnet-5-5',
      tools: ['memory_write'],
    });
    fake.script(marker, [
      toolUse([{ name: 'memory_write', input: { key: 'a', value: 1 } }], { usage }),
      toolUse([{ name: 'memory_write', input: { key: 'b', value: 2 } }], { usage }),
      text('done', usage),
    ]);
    first = spawnWorkerDyingAfterBilling(env);
    await waitForReady(first, 120_000);
    const { run_id } = await startRun(h, user, genie.id);
    expect(await first.exited).toBe('SIGKILL');
    expect(fake.requestsFor(marker)).toHaveLength(1); // it died after the first response, mid-run
    second = spawnNodeChild('worker', env);
    await waitForReady(second, 120_000);
    const run = await waitForRun(h, user, run_id, { timeoutMs: 120_000 });
    expect(run.status).toBe('succeeded');

    const served = fake.requestsFor(marker).length;
    expect(served).toBe(3);
    const calls = await db('model_calls').where({ run_id }).orderBy(['turn', 'attempt']);
    expect(calls.map((c: any) => c.turn)).toEqual([1, 2, 3]);
    // 1000×2 + 100×10 = 3000 µ$ a response.
    expect(calls.map((c: any) => Number(c.cost_micro_usd))).toEqual([3000, 3000, 3000]);
    expect(run.cost_usd).toBe(0.009);
    expect(run.steps.filter((s: any) => s.kind === 'model').map((s: any) => s.cost_usd)).toEqual([0.003, 0.003, 0.003]);
  } finally {
    await first?.stop();
    await second?.stop();
  }
}, 300_000);
