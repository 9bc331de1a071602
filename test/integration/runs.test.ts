import { genieNameKey } from '../../temporal/contract';
import { apiError, apiKeyOf, text, toolUse } from '../fakes/anthropic';
import { startHarness, type TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';
import { startTestWorker } from '../support/worker';

const { fake, h, taskQueue, createUser } = useStack({ worker: true });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('runner');
});

describe('a multi-turn run', () => {
  it('runs parallel tool calls, records steps, transcript, usage and output', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    fake.script(marker, [
      toolUse([
        { name: 'memory_write', input: { key: 'a', value: { n: 1 } } },
        { name: 'memory_write', input: { key: 'b', value: 'two', scope: 'account' } },
      ]),
      toolUse([{ name: 'memory_read', input: { prefix: '' } }]),
      text('All done: wrote a and b.'),
    ]);
    const started = await startRun(h, user, genie.id, 'Remember a and b');
    expect(started).toEqual({
      run_id: expect.any(String),
      workflow_id: `genie-run-${started.run_id}`,
      status: 'queued',
    });

    const run = await waitForRun(h, user, started.run_id);
    expect(run).toMatchObject({
      status: 'succeeded',
      output: 'All done: wrote a and b.',
      turns: 3,
      error: null,
      input: 'Remember a and b',
    });
    expect(run.usage.output_tokens).toBeGreaterThan(0);
    expect(run.usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(run.duration_ms).toBeGreaterThanOrEqual(0);
    expect(run.steps.map((s: any) => [s.kind, s.tool ?? null, s.is_error])).toEqual([
      ['model', null, false],
      ['tool', 'memory_write', false],
      ['tool', 'memory_write', false],
      ['model', null, false],
      ['tool', 'memory_read', false],
      ['model', null, false],
    ]);
    expect(run.steps.map((s: any) => s.seq)).toEqual([1, 2, 3, 4, 5, 6]);

    // In the Temporal UI the workflow carries the genie's name: summary and GenieName column.
    const workflow = await h.temporal.workflow.getHandle(started.workflow_id).describe();
    expect(await workflow.staticSummary()).toBe(`Genie "${genie.name}": manual run`);
    expect(workflow.typedSearchAttributes.get(genieNameKey)).toBe(genie.name);

    // The two writes of turn 1 ran concurrently: each started before the other finished.
    const [w1, w2] = run.steps.filter((s: any) => s.turn === 1 && s.kind === 'tool');
    expect(Math.abs(Date.parse(w1.started_at) - Date.parse(w2.started_at))).toBeLessThan(1000);

    // What the model saw: the tool results of turn 1 came back in turn 2.
    const requests = fake.requestsFor(marker);
    expect(requests).toHaveLength(3);
    const second = requests[1]!.body;
    const results = second.messages[2].content;
    expect(results.map((r: any) => [r.type, r.is_error, JSON.parse(r.content)])).toEqual([
      ['tool_result', false, { ok: true }],
      ['tool_result', false, { ok: true }],
    ]);
    const listing = JSON.parse(requests[2]!.body.messages[4].content[0].content);
    expect(listing.items.map((i: any) => [i.key, i.value])).toEqual([['a', { n: 1 }]]);

    const memory = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { action: 'memory', id: genie.id },
    });
    expect(memory.body.data.items.map((i: any) => [i.scope, i.key, i.value, i.written_by_run_id])).toEqual([
      ['genie', 'a', { n: 1 }, started.run_id],
      ['account', 'b', 'two', started.run_id],
    ]);
  });

  it('builds requests with the soul prompt, preamble, tools and cache breakpoints, and no API key in the prompt', async () => {
    await h.call('POST', '/v1/credentials', {
      key: user.key,
      body: {
        name: 'crm_token',
        credential_type: 'bearer_token',
        value: 'sk-crm-secret-value-123',
        allowed_hosts: ['crm.example'],
        replace: true,
      },
    });
    const { genie, marker } = await createScriptedGenie(h, user, {
      credential_refs: ['crm_token'],
      tools: ['memory_read', 'query_data'],
    });
    fake.script(marker, [text('ok')]);
    const run = await waitForRun(h, user, (await startRun(h, user, genie.id, { lead: 42 })).run_id);
    expect(run.status).toBe('succeeded');
    const [request] = fake.requestsFor(marker);
    const body = request!.body;
    expect(apiKeyOf(request!.headers)).toBe('sk-ant-fake-test-key');
    expect(body.model).toBe('claude-sonnet-5-5');
    expect(body.system).toEqual([
      { type: 'text', text: expect.stringContaining(marker), cache_control: { type: 'ephemeral' } },
    ]);
    expect(body.system[0].text).toContain('crm_token');
    expect(body.system[0].text).toContain('trigger: manual');
    expect(JSON.stringify(body)).not.toContain('sk-ant-fake-test-key');
    expect(JSON.stringify(body)).not.toContain('sk-crm-secret-value-123');
    // Only the genie's own tools are offered, with JSON schemas; the cache breakpoint is on the last.
    expect(body.tools.map((t: any) => t.name)).toEqual(['memory_read', 'query_data']);
    expect(body.tools[0].input_schema).toMatchObject({ type: 'object', properties: { key: { type: 'string' } } });
    expect(body.tools[0].cache_control).toBeUndefined();
    expect(body.tools[1].cache_control).toEqual({ type: 'ephemeral' });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: expect.stringContaining('"lead": 42'),
            cache_control: { type: 'ephemeral' },
          },
        ],
      },
    ]);
  });

  it('lets the next run read what an earlier run wrote', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    fake.script(marker, [toolUse([{ name: 'memory_write', input: { key: 'counter', value: 1 } }]), text('saved')]);
    await waitForRun(h, user, (await startRun(h, user, genie.id)).run_id);
    fake.script(marker, [toolUse([{ name: 'memory_read', input: { key: 'counter' } }]), text('read it')]);
    const second = await waitForRun(h, user, (await startRun(h, user, genie.id)).run_id);
    const read = second.steps.find((s: any) => s.tool === 'memory_read');
    expect(read.output_preview).toBe('{"found":true,"value":1}');
  });

  it('gives the model is_error results for bad tool input and unknown tools, and goes on', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { tools: ['memory_read', 'memory_write'] });
    fake.script(marker, [
      toolUse([
        { name: 'memory_write', input: { value: 1 } },
        { name: 'memory_write', input: { key: 'big', value: 'x'.repeat(70_000) } },
        { name: 'shell', input: { cmd: 'ls' } },
      ]),
      text('recovered'),
    ]);
    const run = await waitForRun(h, user, (await startRun(h, user, genie.id)).run_id);
    expect(run.status).toBe('succeeded');
    const results = fake.requestsFor(marker)[1]!.body.messages[2].content;
    expect(results.map((r: any) => r.is_error)).toEqual([true, true, true]);
    expect(results[0].content).toContain('key');
    expect(results[1].content).toContain('65536 bytes');
    expect(results[2].content).toContain('Unknown tool "shell"');
  });
});

describe('model failures', () => {
  it('retries 429 and 529, honouring retry-after, then succeeds', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    fake.script(marker, [apiError(429, { retryAfter: 2 }), apiError(529), text('finally')]);
    const run = await waitForRun(h, user, (await startRun(h, user, genie.id)).run_id);
    expect(run).toMatchObject({ status: 'succeeded', output: 'finally', turns: 1 });
    const times = fake.requestsFor(marker).map((r) => r.at);
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1900);
  });

  it('fails fast on 401 with the reason on the run', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    fake.script(marker, [apiError(401, { message: 'invalid x-api-key' })]);
    const run = await waitForRun(h, user, (await startRun(h, user, genie.id)).run_id);
    expect(run.status).toBe('failed');
    expect(run.error).toEqual({ type: 'ModelRequestRejected', message: expect.stringContaining('invalid x-api-key') });
    expect(fake.requestsFor(marker)).toHaveLength(1);
  });

  it('ends at max_turns with a clear error', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { max_turns: 3 });
    fake.script(marker, [toolUse([{ name: 'memory_read', input: { key: 'x' } }])]);
    const run = await waitForRun(h, user, (await startRun(h, user, genie.id)).run_id);
    expect(run).toMatchObject({ status: 'failed', turns: 3, error: { type: 'max_turns_exceeded' } });
    expect(run.error.message).toContain('3 turns');
    expect(fake.requestsFor(marker)).toHaveLength(3);
  });

  it('ends when the token budget is spent', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { max_tokens_per_run: 1500 });
    fake.script(marker, [
      toolUse([{ name: 'memory_read', input: { key: 'x' } }], {
        usage: { input_tokens: 1000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      }),
    ]);
    const run = await waitForRun(h, user, (await startRun(h, user, genie.id)).run_id);
    expect(run).toMatchObject({ status: 'failed', turns: 2, error: { type: 'token_budget_exceeded' } });
  });
});

describe('run lifecycle', () => {
  it('cancels a run mid-way: cancelled, and no further model calls', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    fake.script(marker, [{ ...toolUse([{ name: 'memory_read', input: { key: 'x' } }]), latencyMs: 3000 }]);
    const { run_id } = await startRun(h, user, genie.id);
    await waitForRun(h, user, run_id, { until: () => fake.requestsFor(marker).length === 1 });
    const res = await h.call('POST', `/v1/runs/${run_id}/cancel`, { key: user.key });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'cancelled', error: { type: 'cancelled' } });
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(fake.requestsFor(marker)).toHaveLength(1);
    const again = await h.call('POST', '/v1/worker-genies', { key: user.key, body: { action: 'cancel-run', run_id } });
    expect(again.status).toBe(409);
  });

  it('deleting a genie stops its running runs and removes their history', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    fake.script(marker, [{ ...text('never seen'), latencyMs: 5000 }]);
    const { run_id, workflow_id } = await startRun(h, user, genie.id);
    await waitForRun(h, user, run_id, { until: () => fake.requestsFor(marker).length === 1 });
    expect((await h.call('DELETE', `/v1/worker-genies/${genie.id}`, { key: user.key })).status).toBe(200);
    expect((await h.temporal.workflow.getHandle(workflow_id).describe()).status.name).toBe('TERMINATED');
    expect((await h.call('GET', `/v1/runs/${run_id}`, { key: user.key })).status).toBe(404);
    expect(await h.db('run_steps').where({ run_id })).toEqual([]);
  });

  it('refuses to run a disabled genie', async () => {
    const { genie } = await createScriptedGenie(h, user, { enabled: false });
    const res = await h.call('POST', '/v1/worker-genies', { key: user.key, body: { action: 'run', id: genie.id } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
  });

  it('lists runs newest first, per genie or all, filtered by status, paginated', async () => {
    const runner = await h.createUser('lister');
    const one = await createScriptedGenie(h, runner);
    const two = await createScriptedGenie(h, runner);
    fake.script(one.marker, [text('one')]);
    fake.script(two.marker, [apiError(400)]);
    const a = await startRun(h, runner, one.genie.id);
    await waitForRun(h, runner, a.run_id);
    const b = await startRun(h, runner, two.genie.id);
    await waitForRun(h, runner, b.run_id);
    const c = await startRun(h, runner, one.genie.id);
    await waitForRun(h, runner, c.run_id);

    const all = await h.call('POST', '/v1/worker-genies', { key: runner.key, body: { action: 'runs' } });
    expect(all.body.data.items.map((r: any) => r.id)).toEqual([c.run_id, b.run_id, a.run_id]);
    const ofOne = await h.call('GET', `/v1/worker-genies/${one.genie.id}/runs`, { key: runner.key });
    expect(ofOne.body.data.items.map((r: any) => r.id)).toEqual([c.run_id, a.run_id]);
    const failed = await h.call('POST', '/v1/worker-genies', {
      key: runner.key,
      body: { action: 'runs', data: { status: 'failed' } },
    });
    expect(failed.body.data.items.map((r: any) => r.id)).toEqual([b.run_id]);
    const page1 = await h.call('GET', '/v1/worker-genies/' + one.genie.id + '/runs?limit=1', { key: runner.key });
    expect(page1.body.data.items.map((r: any) => r.id)).toEqual([c.run_id]);
    const page2 = await h.call('POST', '/v1/worker-genies', {
      key: runner.key,
      body: { action: 'runs', id: one.genie.id, data: { limit: 1, cursor: page1.body.data.next_cursor } },
    });
    expect(page2.body.data.items.map((r: any) => r.id)).toEqual([a.run_id]);
    const got = await h.call('GET', `/v1/worker-genies/${one.genie.id}`, { key: runner.key });
    expect(got.body.data.recent_runs.map((r: any) => r.id)).toEqual([c.run_id, a.run_id]);
  });

  it('hides runs from other users: get, cancel, list and memory answer 404 or nothing', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    fake.script(marker, [text('mine')]);
    const { run_id } = await startRun(h, user, genie.id);
    await waitForRun(h, user, run_id);
    const mallory = await h.createUser('mallory');
    expect((await h.call('GET', `/v1/runs/${run_id}`, { key: mallory.key })).status).toBe(404);
    expect((await h.call('POST', `/v1/runs/${run_id}/cancel`, { key: mallory.key })).status).toBe(404);
    expect((await h.call('GET', `/v1/worker-genies/${genie.id}/runs`, { key: mallory.key })).status).toBe(404);
    expect((await h.call('POST', `/v1/worker-genies/${genie.id}/run`, { key: mallory.key, body: {} })).status).toBe(
      404
    );
    expect(
      (await h.call('POST', '/v1/worker-genies', { key: mallory.key, body: { action: 'memory', id: genie.id } })).status
    ).toBe(404);
    const theirs = await h.call('POST', '/v1/worker-genies', { key: mallory.key, body: { action: 'runs' } });
    expect(theirs.body.data.items).toEqual([]);
  });
});

describe('a worker without ANTHROPIC_API_KEY', () => {
  it('fails runs at once with a clear, non-retried error', async () => {
    const queue = `${taskQueue}-nokey`;
    const keyless = await startTestWorker({ taskQueue: queue, anthropicBaseUrl: fake.url, anthropicApiKey: null });
    const api = await startHarness({ taskQueue: queue });
    try {
      const { genie, marker } = await createScriptedGenie(api, user);
      const run = await waitForRun(api, user, (await startRun(api, user, genie.id)).run_id);
      expect(run).toMatchObject({ status: 'failed', turns: 0, error: { type: 'ModelNotConfigured' } });
      expect(run.error.message).toContain('ANTHROPIC_API_KEY is not set');
      expect(fake.requestsFor(marker)).toHaveLength(0);
    } finally {
      await api.close();
      await keyless.stop();
    }
  });
});

describe('Idempotency-Key on run starts', () => {
  const start = (genieId: string, key: string, body: object = { input: 'hello' }) =>
    h.call('POST', `/v1/worker-genies/${genieId}/run`, { key: user.key, body, headers: { 'idempotency-key': key } });

  it('answers a repeat with the first run and starts nothing more', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    fake.script(marker, [text('once')]);
    const key = `retry-${Date.now()}`;
    const first = await start(genie.id, key);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await start(genie.id, key, { input: 'hello' });
    expect(again.status).toBe(202);
    expect(again.body.data).toEqual(first.body.data);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The action form with the same key is the same request.
    const viaAction = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { action: 'run', id: genie.id, data: { input: 'hello' } },
      headers: { 'idempotency-key': key },
    });
    expect(viaAction.body.data.run_id).toBe(first.body.data.run_id);
    await waitForRun(h, user, first.body.data.run_id);
    const runs = await h.call('GET', `/v1/worker-genies/${genie.id}/runs`, { key: user.key });
    expect(runs.body.data.items).toHaveLength(1);
  });

  it('answers 409 when the key is reused for another input or another genie', async () => {
    const one = await createScriptedGenie(h, user);
    const two = await createScriptedGenie(h, user);
    const key = `reuse-${Date.now()}`;
    expect((await start(one.genie.id, key, { input: { a: 1, b: 2 } })).status).toBe(202);
    // The same JSON in another key order is the same input.
    expect((await start(one.genie.id, key, { input: { b: 2, a: 1 } })).status).toBe(202);
    const otherInput = await start(one.genie.id, key, { input: { a: 1, b: 3 } });
    expect(otherInput.status).toBe(409);
    expect(otherInput.body.error.code).toBe('conflict');
    expect((await start(two.genie.id, key, { input: { a: 1, b: 2 } })).status).toBe(409);
  });

  it('starts one run for simultaneous requests with one key', async () => {
    const { genie, marker } = await createScriptedGenie(h, user);
    fake.script(marker, [text('only one')]);
    const key = `burst-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 6 }, () => start(genie.id, key)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.body.data.run_id)).size).toBe(1);
    const runs = await h.call('GET', `/v1/worker-genies/${genie.id}/runs`, { key: user.key });
    expect(runs.body.data.items).toHaveLength(1);
  });

  it('forgets a key after 24 hours, and keys are per user', async () => {
    const { genie } = await createScriptedGenie(h, user);
    const key = `old-${Date.now()}`;
    const first = await start(genie.id, key);
    await h
      .db('run_idempotency_keys')
      .where({ key })
      .update({ created_at: h.db.raw("now() - interval '25 hours'") });
    const later = await start(genie.id, key);
    expect(later.status).toBe(202);
    expect(later.body.data.run_id).not.toBe(first.body.data.run_id);
    const stranger = await h.createUser('stranger');
    const theirs = await h.call('POST', '/v1/worker-genies', {
      key: stranger.key,
      body: { name: 's', soul_prompt: 's' },
    });
    const res = await h.call('POST', `/v1/worker-genies/${theirs.body.data.id}/run`, {
      key: stranger.key,
      body: {},
      headers: { 'idempotency-key': key },
    });
    expect(res.status).toBe(202);
  });

  it('refuses a malformed key', async () => {
    const { genie } = await createScriptedGenie(h, user);
    const res = await start(genie.id, 'x'.repeat(256));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('Idempotency-Key');
  });
});
