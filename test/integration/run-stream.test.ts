import { readEvents } from '../../client/sse';
import { FakeAnthropic, apiError, text, toolUse } from '../fakes/anthropic';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { readRunStream } from '../support/stream';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * GET /v1/runs/{id}/stream: every step once, in seq order, whether saved before or after the
 * connection; Last-Event-ID resumes; works through any API process (LISTEN/NOTIFY); keepalives.
 */
let fake: FakeAnthropic;
let a: Harness;
let b: Harness;
/** Polls nothing: what it streams, it learned from LISTEN/NOTIFY. */
let notifyOnly: Harness;
let worker: TestWorker;
let user: TestUser;
const taskQueue = `stream-${Date.now()}`;
const timings = { heartbeatMs: 150, pollMs: 60_000, liveMs: 200 };

beforeAll(async () => {
  fake = await new FakeAnthropic().start();
  a = await startHarness({ taskQueue, streamTimings: timings });
  b = await startHarness({ taskQueue, streamTimings: timings });
  notifyOnly = await startHarness({
    taskQueue,
    streamTimings: { heartbeatMs: 60_000, pollMs: 60_000, liveMs: 60_000 },
  });
  worker = await startTestWorker({ taskQueue, anthropicBaseUrl: fake.url });
  user = await a.createUser('streamer');
});
afterAll(async () => {
  await worker.stop();
  await a.close();
  await b.close();
  await notifyOnly.close();
  await fake.close();
});

/** A run of 3 model turns and 3 tool calls, slow enough to be watched live. */
async function slowRun(latencyMs = 400) {
  const { genie, marker } = await createScriptedGenie(a, user);
  fake.script(marker, [
    { ...toolUse([{ name: 'memory_write', input: { key: 'a', value: 1 } }]), latencyMs },
    {
      ...toolUse([
        { name: 'memory_write', input: { key: 'b', value: 2 } },
        { name: 'memory_read', input: { key: 'a' } },
      ]),
      latencyMs,
    },
    { ...text('streamed to the end'), latencyMs },
  ]);
  return startRun(a, user, genie.id, 'go');
}

const steps = (events: Array<{ event: string; json: any; id?: string }>) => events.filter((e) => e.event === 'step');

describe('the run stream', () => {
  it('sends status, every step once in seq order as it is saved, and end; through another API process', async () => {
    const { run_id } = await slowRun();
    const read = await readRunStream(`${notifyOnly.url}/v1/runs/${run_id}/stream`, user.key);
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toContain('text/event-stream');
    const streamed = steps(read.events);
    expect(streamed.map((s) => s.json.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(streamed.map((s) => s.id)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(read.events[0]).toMatchObject({ event: 'status' });
    const statuses = read.events.filter((e) => e.event === 'status').map((e) => e.json.status);
    expect(statuses.at(-1)).toBe('succeeded');
    const end = read.events.at(-1)!;
    expect(end).toMatchObject({
      event: 'end',
      json: { id: run_id, status: 'succeeded', output: 'streamed to the end' },
    });
    // The same steps as the run's detail, field for field.
    const detail = await waitForRun(a, user, run_id);
    expect(streamed.map((s) => s.json)).toEqual(detail.steps);
  });

  it('replays everything to a late client, and resumes after Last-Event-ID', async () => {
    const { run_id } = await slowRun(50);
    await waitForRun(a, user, run_id);
    const all = await readRunStream(`${a.url}/v1/runs/${run_id}/stream`, user.key);
    expect(steps(all.events).map((s) => s.json.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all.events.at(-1)!.event).toBe('end');
    const resumed = await readRunStream(`${a.url}/v1/runs/${run_id}/stream`, user.key, { lastEventId: 4 });
    expect(steps(resumed.events).map((s) => s.json.seq)).toEqual([5, 6]);
    expect(resumed.events.at(-1)!.event).toBe('end');
  });

  it('never drops or repeats a step across a reconnect in the middle of a run', async () => {
    const { run_id } = await slowRun(600);
    const seen: number[] = [];
    // Read until two steps arrived, hang up, and come back with Last-Event-ID.
    const controller = new AbortController();
    const first = await fetch(`${b.url}/v1/runs/${run_id}/stream`, {
      headers: { authorization: `Bearer ${user.key}` },
      signal: controller.signal,
    });
    await readEvents(first.body!, (event) => {
      if (event.event !== 'step') return;
      seen.push(Number(event.id));
      if (seen.length === 2) controller.abort();
    }).catch(() => undefined);
    const rest = await readRunStream(`${a.url}/v1/runs/${run_id}/stream`, user.key, { lastEventId: seen.at(-1)! });
    seen.push(...steps(rest.events).map((s) => s.json.seq));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps an idle stream alive with comment lines', async () => {
    const { genie, marker } = await createScriptedGenie(a, user);
    fake.script(marker, [{ ...text('slow answer'), latencyMs: 1200 }]);
    const { run_id } = await startRun(a, user, genie.id);
    const read = await readRunStream(`${a.url}/v1/runs/${run_id}/stream`, user.key);
    expect(read.comments.filter((c) => c === 'keepalive').length).toBeGreaterThanOrEqual(3);
    expect(read.events.at(-1)!.event).toBe('end');
  });

  it('shows live state, retries included, while the model endpoint is failing', async () => {
    const { genie, marker } = await createScriptedGenie(a, user);
    fake.script(marker, [apiError(529, { retryAfter: 1 }), apiError(529, { retryAfter: 1 }), text('made it')]);
    const { run_id } = await startRun(a, user, genie.id);
    const read = await readRunStream(`${a.url}/v1/runs/${run_id}/stream`, user.key);
    const states = read.events.filter((e) => e.event === 'run').map((e) => e.json);
    // One event carries the run and what it is doing: a reader has nothing to reconcile.
    expect(states[0]).toMatchObject({ id: run_id, status: expect.any(String), usage: expect.any(Object) });
    const live = states.map((state) => state.live).filter(Boolean);
    expect(live.some((l) => l.attempt >= 2 && /529/.test(l.last_failure ?? ''))).toBe(true);
    expect(live[0]).toMatchObject({ phase: expect.any(String), turn: expect.any(Number), current_tools: [] });
    expect(read.events.at(-1)!.json.status).toBe('succeeded');
  });

  it('answers 404 for another owner’s run and an unknown one, 401 without a key', async () => {
    const { run_id } = await slowRun(10);
    const stranger = await a.createUser('stranger');
    expect((await readRunStream(`${a.url}/v1/runs/${run_id}/stream`, stranger.key)).status).toBe(404);
    const unknown = await readRunStream(`${a.url}/v1/runs/00000000-0000-4000-8000-000000000000/stream`, user.key);
    expect(unknown.status).toBe(404);
    expect((await fetch(`${a.url}/v1/runs/${run_id}/stream`)).status).toBe(401);
    await waitForRun(a, user, run_id);
  });
});

describe('live state in run detail', () => {
  it('shows the attempt and last failure of a retried model call', async () => {
    const { genie, marker } = await createScriptedGenie(a, user);
    fake.script(marker, [apiError(503, { retryAfter: 2 }), apiError(503, { retryAfter: 2 }), text('back')]);
    const { run_id } = await startRun(a, user, genie.id);
    const retrying = await waitForRun(a, user, run_id, { until: (run) => run.live?.attempt >= 2, timeoutMs: 20_000 });
    expect(retrying.live).toMatchObject({ phase: 'calling_model', turn: 1, activity: 'callModel' });
    expect(retrying.live.last_failure).toContain('503');
    const done = await waitForRun(a, user, run_id);
    expect(done.live).toBeUndefined();
  });
});
