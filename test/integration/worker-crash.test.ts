import { spawnNodeChild, waitForReady } from '../../dev/stack';
import type { ChildHandle } from '../../dev/processes';
import { text, toolUse, type FakeAnthropic } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/** The production worker entry point as its own process, so the test can SIGKILL it. */
async function startWorkerProcess(taskQueue: string, fake: FakeAnthropic): Promise<ChildHandle> {
  const worker = spawnNodeChild('worker', {
    ...process.env,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'sk-ant-fake-crash-test',
    LOG_LEVEL: 'error',
  });
  await waitForReady(worker, 120_000);
  return worker;
}

// The worker is a process of its own (startWorkerProcess), not the stack's.
const { fake, h, taskQueue, createUser } = useStack();
let user: TestUser;

beforeAll(async () => {
  user = await createUser('crash');
});

it('finishes a run whose worker was killed mid-run, with no step or memory write twice', async () => {
  const { genie, marker } = await createScriptedGenie(h, user);
  fake.script(marker, [
    toolUse([{ name: 'memory_write', input: { key: 'once', value: { written: true } } }]),
    { ...text('too late'), latencyMs: 30_000 }, // the worker dies while waiting for this
    text('Finished after the crash.'),
  ]);
  let worker = await startWorkerProcess(taskQueue, fake);
  try {
    const { run_id } = await startRun(h, user, genie.id, 'survive a crash');
    await waitForRun(h, user, run_id, { until: () => fake.requestsFor(marker).length === 2 });
    worker.child.kill('SIGKILL');
    await worker.exited;

    worker = await startWorkerProcess(taskQueue, fake);
    const run = await waitForRun(h, user, run_id, { timeoutMs: 90_000 });
    expect(run).toMatchObject({ status: 'succeeded', output: 'Finished after the crash.', turns: 2 });
    expect(run.steps.map((s: any) => [s.kind, s.turn])).toEqual([
      ['model', 1],
      ['tool', 1],
      ['model', 2],
    ]);
    const writes = await h.db('memory').where({ owner_id: user.id, key: 'once' });
    expect(writes).toHaveLength(1);
    expect(writes[0].written_by_run_id).toBe(run_id);
    const messages = await h.db('run_messages').where({ run_id }).orderBy(['turn', 'role']);
    expect(messages.map((m: any) => [m.turn, m.role])).toEqual([
      [0, 'user'],
      [1, 'assistant'],
      [2, 'assistant'],
    ]);
  } finally {
    await worker.stop();
  }
}, 180_000);
