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

it('finishes a run that asked a genie when the worker was killed while the child ran: one child, one answer', async () => {
  const child = await createScriptedGenie(h, user, { name: 'Crash child', tools: ['memory_write'] });
  fake.script(child.marker, [
    toolUse([{ name: 'memory_write', input: { key: 'child-once', value: 1 } }]),
    { ...text('too late'), latencyMs: 30_000 }, // the worker dies while waiting for this
    text('Child finished after the crash.'),
  ]);
  const parent = await createScriptedGenie(h, user, { name: 'Crash parent', tools: [], delegates: [child.genie.id] });
  fake.scriptConversation(parent.marker, [
    toolUse([{ name: 'ask_genie', input: { genie: 'Crash child', input: 'remember this' } }]),
    text('Parent finished.'),
  ]);
  let worker = await startWorkerProcess(taskQueue, fake);
  try {
    const { run_id } = await startRun(h, user, parent.genie.id);
    await waitForRun(h, user, run_id, { until: () => fake.requestsFor(child.marker).length === 2 });
    worker.child.kill('SIGKILL');
    await worker.exited;

    worker = await startWorkerProcess(taskQueue, fake);
    const run = await waitForRun(h, user, run_id, { timeoutMs: 90_000 });
    expect(run).toMatchObject({ status: 'succeeded', output: 'Parent finished.' });
    expect(run.children).toHaveLength(1);
    expect(run.children[0].status).toBe('succeeded');
    expect(run.steps.filter((s: any) => s.tool === 'ask_genie')).toHaveLength(1);
    expect(await h.db('runs').where({ parent_run_id: run_id })).toHaveLength(1);
    const childRun = await waitForRun(h, user, run.children[0].run_id);
    expect(childRun.output).toBe('Child finished after the crash.');
    expect(await h.db('memory').where({ owner_id: user.id, key: 'child-once' })).toHaveLength(1);
  } finally {
    await worker.stop();
  }
}, 180_000);
