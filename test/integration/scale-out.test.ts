import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnNodeChild, waitForReady } from '../../dev/stack';
import type { ChildHandle } from '../../dev/processes';
import { FakeAnthropic } from '../fakes/anthropic';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { startRun, waitForRun } from '../support/runs';
import { readRunStream } from '../support/stream';

/**
 * Scaling out: two worker processes (the production entry point) and two API instances (each with
 * its own Temporal client and LISTEN connection) against one Temporal and one Postgres. Runs land
 * on both workers, a worker killed mid-run loses nothing, and a run streams through either API.
 */
let fake: FakeAnthropic;
let api1: Harness;
let api2: Harness;
let user: TestUser;
let dir: string;
const workers: Array<{ handle: ChildHandle; log: string }> = [];
const taskQueue = `scale-out-${Date.now()}`;

async function startWorkerProcess(n: number) {
  const log = path.join(dir, `worker-${n}.log`);
  const handle = spawnNodeChild(
    'worker',
    {
      ...process.env,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'sk-ant-fake-scale-out',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    },
    log
  );
  await waitForReady(handle, 120_000);
  workers.push({ handle, log });
}

/** The run ids a worker's log says it started. */
function runsStartedBy(log: string): Set<string> {
  const ids = fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; runId?: string })
    .filter((entry) => entry.msg?.startsWith('run started') && entry.runId)
    .map((entry) => entry.runId!);
  return new Set(ids);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genie-scale-'));
  fake = await new FakeAnthropic().start();
  fake.latencyMs = 300;
  api1 = await startHarness({ taskQueue });
  api2 = await startHarness({ taskQueue });
  user = await api1.createUser('scale');
  await startWorkerProcess(1);
  await startWorkerProcess(2);
}, 240_000);
afterAll(async () => {
  for (const { handle } of workers) await handle.stop(5000);
  await api1.close();
  await api2.close();
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A genie of the fake's demo kind: it saves its input with memory_write, then answers. */
async function genie(name: string) {
  const res = await api1.call('POST', '/v1/worker-genies', {
    key: user.key,
    body: { name, soul_prompt: 'Remember what you are given.', tools: ['memory_write'] },
  });
  return res.body.data as { id: string };
}

it('shares runs between both workers, and streams a run through the API that did not start it', async () => {
  const g = await genie('Shared');
  const starts = await Promise.all(
    [...Array(10).keys()].map((n) => startRun(n % 2 ? api2 : api1, user, g.id, `input ${n}`))
  );
  const streamed = readRunStream(`${api2.url}/v1/runs/${starts[0]!.run_id}/stream`, user.key, { timeoutMs: 60_000 });
  for (const { run_id } of starts) {
    expect((await waitForRun(api1, user, run_id, { timeoutMs: 60_000 })).status).toBe('succeeded');
  }
  const [first, second] = workers.map((w) => runsStartedBy(w.log));
  const ids = starts.map((s) => s.run_id);
  expect(ids.filter((id) => first!.has(id)).length).toBeGreaterThan(0);
  expect(ids.filter((id) => second!.has(id)).length).toBeGreaterThan(0);
  const stream = await streamed;
  expect(stream.events.at(-1)).toMatchObject({ event: 'end', json: { status: 'succeeded' } });
  expect(stream.events.filter((e) => e.event === 'step').map((e) => e.json.seq)).toEqual([1, 2, 3]);
}, 120_000);

it('finishes every run of a worker killed mid-run on the other, each tool call once', async () => {
  const g = await genie('Survivor');
  fake.latencyMs = 1500;
  const starts = await Promise.all([...Array(6).keys()].map((n) => startRun(api1, user, g.id, `keep ${n}`)));
  // Once the victim has started some of them, it dies without a word.
  const victim = workers[0]!;
  for (let i = 0; i < 100; i++) {
    if (starts.some((s) => runsStartedBy(victim.log).has(s.run_id))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const orphaned = starts.filter((s) => runsStartedBy(victim.log).has(s.run_id));
  expect(orphaned.length).toBeGreaterThan(0);
  victim.handle.child.kill('SIGKILL');
  await victim.handle.exited;
  fake.latencyMs = 300;

  for (const { run_id } of starts) {
    const run = await waitForRun(api2, user, run_id, { timeoutMs: 90_000 });
    expect([run_id, run.status]).toEqual([run_id, 'succeeded']);
    expect(run.steps.map((s: any) => [s.kind, s.turn])).toEqual([
      ['model', 1],
      ['tool', 1],
      ['model', 2],
    ]);
  }
  // Every run wrote the same key (the demo genie's last input): one row, from one of these runs.
  const written = await api1.db('memory').where({ owner_id: user.id, genie_id: g.id });
  expect(written).toHaveLength(1);
  expect(starts.map((s) => s.run_id)).toContain(written[0].written_by_run_id);
}, 180_000);
