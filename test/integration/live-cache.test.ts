import { FakeAnthropic, text, toolUse } from '../fakes/anthropic';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { readRunStream } from '../support/stream';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * Reads of a running run cost Temporal nothing per reader: run detail and run streams take `live`
 * (and what the workflow's status is) from the API process's LiveCache, which asks Temporal at
 * most once per run every 2 s (the default), however many callers poll the run or follow it.
 */
let fake: FakeAnthropic;
let h: Harness;
let worker: TestWorker;
let user: TestUser;
const taskQueue = `live-cache-${Date.now()}`;
const MAX_AGE_MS = 2_000; // DEFAULT_STREAM_TIMINGS.liveMs: the harness keeps the defaults

beforeAll(async () => {
  fake = await new FakeAnthropic().start();
  h = await startHarness({ taskQueue });
  worker = await startTestWorker({ taskQueue, anthropicBaseUrl: fake.url });
  user = await h.createUser('poller');
});
afterAll(async () => {
  await worker.stop();
  await h.close();
  await fake.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Counts the `QueryWorkflow` and `DescribeWorkflowExecution` RPCs for one workflow on the app's client. */
function countTemporalCalls(workflowId: string) {
  const service = h.temporal.workflowService;
  const query = jest.spyOn(service, 'queryWorkflow');
  const describe = jest.spyOn(service, 'describeWorkflowExecution');
  const of = (spy: jest.SpyInstance) =>
    spy.mock.calls.filter(([request]) => request?.execution?.workflowId === workflowId).length;
  return {
    counts: () => ({ query: of(query), describe: of(describe) }),
    restore: () => {
      query.mockRestore();
      describe.mockRestore();
    },
  };
}

it('asks Temporal at most once per run every 2 s, however many callers poll it and streams follow it', async () => {
  const { genie, marker } = await createScriptedGenie(h, user);
  fake.script(marker, [{ ...text('took my time'), latencyMs: 7_000 }]);
  const { run_id, workflow_id } = await startRun(h, user, genie.id);
  await waitForRun(h, user, run_id, { until: (run) => run.live?.phase === 'calling_model', timeoutMs: 15_000 });

  const calls = countTemporalCalls(workflow_id);
  try {
    const started = Date.now();
    const streams = Array.from({ length: 5 }, () =>
      readRunStream(`${h.url}/v1/runs/${run_id}/stream`, user.key, { timeoutMs: 30_000 })
    );
    // 20 callers at once, every second for 3 s: 80 run details, besides the 5 streams.
    const details = [];
    for (let round = 0; round <= 3; round++) {
      await sleep(started + round * 1_000 - Date.now());
      details.push(
        ...(await Promise.all(Array.from({ length: 20 }, () => h.call('GET', `/v1/runs/${run_id}`, { key: user.key }))))
      );
    }
    const window = Date.now() - started;
    const { query, describe } = calls.counts();

    // Asks are at least MAX_AGE_MS apart: in a window of 3-and-a-bit seconds, at most 2.
    const most = Math.floor(window / MAX_AGE_MS) + 1;
    expect(window).toBeGreaterThanOrEqual(3_000);
    expect(describe).toBeGreaterThanOrEqual(1); // what the first reads found had gone stale by the end
    expect(describe).toBeLessThanOrEqual(most);
    expect(query).toBeLessThanOrEqual(most);

    // Every reader got the live state all the same, in the same shape as ever.
    expect(details).toHaveLength(80);
    for (const detail of details) {
      expect(detail.status).toBe(200);
      expect(detail.body.data.live).toMatchObject({
        phase: 'calling_model',
        turn: 1,
        current_tools: [],
        attempt: 1,
        last_failure: null,
      });
    }
    for (const read of await Promise.all(streams)) {
      expect(read.status).toBe(200);
      expect(read.events[0]).toMatchObject({ event: 'status', json: { status: 'running' } });
      expect(read.events.find((e) => e.event === 'run' && e.json.live)?.json).toMatchObject({
        status: 'running',
        live: { phase: 'calling_model', turn: 1 },
      });
      expect(read.events.at(-1)).toMatchObject({ event: 'end', json: { status: 'succeeded', output: 'took my time' } });
    }
  } finally {
    calls.restore();
  }
});

it('still brings a run whose workflow was terminated from outside in line, within the cache’s age', async () => {
  const { genie, marker } = await createScriptedGenie(h, user);
  fake.script(marker, [{ ...text('never seen'), latencyMs: 5_000 }]);
  const { run_id, workflow_id } = await startRun(h, user, genie.id);
  await waitForRun(h, user, run_id, { until: (run) => run.live !== undefined, timeoutMs: 15_000 });
  await h.temporal.workflow.getHandle(workflow_id).terminate('test: terminated from the Temporal UI');
  const terminated = Date.now();
  const ended = await waitForRun(h, user, run_id, { timeoutMs: 10_000 });
  expect(Date.now() - terminated).toBeLessThan(MAX_AGE_MS + 1_500);
  expect(ended).toMatchObject({ status: 'failed', error: { type: 'terminated' } });
  expect(ended.live).toBeUndefined();
});

it('streams a finished run byte for byte as before: step frames with ids, status, end, then closes', async () => {
  const { genie, marker } = await createScriptedGenie(h, user);
  fake.script(marker, [
    toolUse([{ name: 'memory_write', input: { key: 'k', value: 'line one\nline two' } }]),
    text('done\nin two lines'),
  ]);
  const { run_id } = await startRun(h, user, genie.id);
  const detail = await waitForRun(h, user, run_id);
  // The run as a stream event: the detail without what only the detail has (its key order kept).
  const { steps, ...run } = detail;
  for (const key of ['genie_config', 'approvals', 'webhook_deliveries', 'children']) delete run[key];
  const res = await fetch(`${h.url}/v1/runs/${run_id}/stream`, { headers: { authorization: `Bearer ${user.key}` } });
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');
  expect(await res.text()).toBe(
    steps.map((step: { seq: number }) => `id: ${step.seq}\nevent: step\ndata: ${JSON.stringify(step)}\n\n`).join('') +
      `event: status\ndata: ${JSON.stringify(run)}\n\n` +
      `event: end\ndata: ${JSON.stringify(run)}\n\n`
  );
});
