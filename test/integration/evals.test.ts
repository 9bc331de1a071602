import { text, toolUse, type FakeReply } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForEval, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';
import { TEST_PRICES, usage } from '../support/prices';

/**
 * Evals: a change tried against past runs. The model is called for real (the fake); tool calls
 * are answered from the recorded run where the same call was made, read live where they only read,
 * refused otherwise; nothing is written, sent, asked or spent from a budget.
 */
const prices = TEST_PRICES;
const loopback = { allowHosts: ['127.0.0.1'] };
const { fake, h, createUser } = useStack({
  harness: { prices, fetchPolicy: loopback },
  worker: { prices, fetchPolicy: loopback },
});
let user: TestUser;

beforeAll(async () => {
  user = await createUser('evals');
});

const call = (method: string, path: string, body?: unknown, key = user.key) => h.call(method, path, { key, body });

async function setMemory(genieId: string, key: string, value: unknown) {
  await h.db('memory').where({ owner_id: user.id, genie_id: genieId, key }).delete();
  await h
    .db('memory')
    .insert({ owner_id: user.id, scope: 'genie', genie_id: genieId, key, value: JSON.stringify(value) });
}
const memoryOf = async (genieId: string, key: string) =>
  (await h.db('memory').where({ owner_id: user.id, genie_id: genieId, key }).first())?.value;

const LEADS_QUERY = { table: 'leads', columns: ['name'], limit: 1 };

describe('an eval of a soul prompt change', () => {
  let genie: any;
  let baselineRunId: string;
  let evalId: string;
  const newMarker = `eval-new-${Date.now()}`;
  const judgeMarker = `judge-${Date.now()}`;

  beforeAll(async () => {
    const created = await createScriptedGenie(h, user, {
      name: 'Lead reader',
      model: 'test-model',
      tools: ['memory_read', 'memory_write', 'query_data', 'notify_owner', 'web_fetch'],
      webhook_url: 'http://127.0.0.1:9/hooks',
      webhook_events: ['run.succeeded', 'run.failed', 'approval.requested'],
    });
    genie = created.genie;
    await setMemory(genie.id, 'k', 'recorded value');
    // The past run: reads k, looks at leads, writes `saved`, tells its owner, answers.
    fake.scriptConversation(created.marker, [
      toolUse(
        [
          { name: 'memory_read', input: { key: 'k' } },
          { name: 'query_data', input: LEADS_QUERY },
          { name: 'memory_write', input: { key: 'saved', value: 1 } },
        ],
        { usage: usage(1000, 100) }
      ),
      toolUse([{ name: 'notify_owner', input: { subject: 'Found', message: 'one lead', channel: 'dashboard' } }], {
        usage: usage(1000, 100),
      }),
      text('baseline answer', usage(1000, 100)),
    ]);
    baselineRunId = (await startRun(h, user, genie.id, 'look at the leads')).run_id;
    const baseline = await waitForRun(h, user, baselineRunId);
    expect(baseline.status).toBe('succeeded');
    // Live data moves on after the recorded run, and a budget it spent ($0.009 of $0.005) is set.
    genie = (await call('PATCH', `/v1/worker-genies/${genie.id}`, { monthly_budget_usd: 0.005 })).body.data;
    await setMemory(genie.id, 'k', 'live value');
    await setMemory(genie.id, 'other', 'only live');
    await h.db('memory').where({ owner_id: user.id, genie_id: genie.id, key: 'saved' }).delete();
  });

  it('answers recorded calls from the run, reads live, refuses the rest; writes, sends, asks and spends nothing', async () => {
    const before = {
      notifications: (await h.db('notifications').where({ owner_id: user.id })).length,
      deliveries: (await h.db('webhook_deliveries').where({ owner_id: user.id })).length,
      approvals: (await h.db('approvals').where({ owner_id: user.id })).length,
      spend: (await call('GET', `/v1/worker-genies/${genie.id}`)).body.data.spend,
      monthly: await h.db('monthly_spend').where({ owner_id: user.id }),
      runs: (await call('GET', `/v1/worker-genies/${genie.id}/runs`)).body.data.items.length,
    };
    fake.scriptConversation(newMarker, [
      toolUse(
        [
          { name: 'memory_read', input: { key: 'k' } }, // recorded: the value the run saw
          { name: 'memory_read', input: { key: 'other' } }, // not recorded, a read: live
          { name: 'query_data', input: { limit: 1, columns: ['name'], table: 'leads' } }, // JSON-equal: recorded
          { name: 'memory_write', input: { key: 'saved', value: 1 } }, // recorded: not written again
          { name: 'memory_write', input: { key: 'fresh', value: 2 } }, // a new write: refused
        ],
        { usage: usage(1000, 100) }
      ),
      toolUse(
        [
          { name: 'notify_owner', input: { subject: 'Other', message: 'two leads', channel: 'both' } }, // refused
          { name: 'web_fetch', input: { url: 'http://127.0.0.1:9/x' } }, // refused
        ],
        { usage: usage(1000, 100) }
      ),
      text('eval answer', usage(1000, 100)),
    ]);
    fake.script(judgeMarker, [
      toolUse([{ name: 'record_score', input: { score: 4, reason: 'shorter and still right' } }], {
        usage: usage(500, 50),
      }),
    ]);
    const started = await call('POST', `/v1/worker-genies/${genie.id}/evals`, {
      changes: { soul_prompt: `You are a sharper test genie. ${newMarker}`, approval_required: ['notify_owner'] },
      runs: [baselineRunId],
      rubric: `Is the answer right and short? ${judgeMarker}`,
    });
    expect(started.status).toBe(202);
    expect(started.body.data).toEqual({ eval_id: expect.any(String), status: 'running', cases: 1 });
    evalId = started.body.data.eval_id;

    const done = await waitForEval(h, user, evalId);
    expect(done).toMatchObject({
      genie_id: genie.id,
      genie_version: genie.version,
      status: 'succeeded',
      changes: { soul_prompt: expect.stringContaining(newMarker) },
      rubric: expect.stringContaining(judgeMarker),
    });
    const [only] = done.cases;
    expect(only).toMatchObject({
      run_id: baselineRunId,
      status: 'succeeded',
      output: 'eval answer',
      baseline_output: 'baseline answer',
      same_tool_sequence: false,
      score: 4,
      reason: 'shorter and still right',
    });
    expect(only.tool_calls.map((c: any) => [c.tool, c.source])).toEqual([
      ['memory_read', 'recorded'],
      ['memory_read', 'live'],
      ['query_data', 'recorded'],
      ['memory_write', 'recorded'],
      ['memory_write', 'refused'],
      ['notify_owner', 'refused'],
      ['web_fetch', 'refused'],
    ]);
    expect(only.baseline_tool_calls.map((c: any) => c.tool)).toEqual([
      'memory_read',
      'query_data',
      'memory_write',
      'notify_owner',
    ]);
    // Each model turn 3000 µ$, the judge 500×2 + 50×10 = 1500 µ$.
    expect(only.cost_usd).toBe(0.0105);
    expect(only.baseline_cost_usd).toBe(0.009);
    expect(done.summary).toEqual({
      cases: 1,
      finished: 1,
      failed: 0,
      same_tool_sequence: 0,
      mean_score: 4,
      cost_usd: 0.0105,
      baseline_cost_usd: 0.009,
    });

    // What the model was told: the recorded value, the live one, refusals.
    const caseRun = (await call('GET', `/v1/runs/${only.case_run_id}`)).body.data;
    expect(caseRun).toMatchObject({ trigger_type: 'eval', eval_id: evalId, baseline_run_id: baselineRunId });
    const told = (tool: string, input: object) =>
      caseRun.steps.find((s: any) => s.tool === tool && JSON.stringify(s.input) === JSON.stringify(input))
        ?.output_preview;
    expect(told('memory_read', { key: 'k' })).toContain('recorded value');
    expect(told('memory_read', { key: 'other' })).toContain('only live');
    expect(told('memory_write', { key: 'fresh', value: 2 })).toContain('Not run in an eval');
    // The case opened exactly as the recorded run did.
    const opening = fake.requestsFor(newMarker)[0]!.body.messages[0];
    const baselineOpening = (await h.db('run_messages').where({ run_id: baselineRunId, turn: 0 }).first()).content;
    expect(opening.content[0].text).toBe(baselineOpening[0].text);

    // Nothing written, sent, asked, announced or spent from the budget; the case is no run of the genie.
    expect(await memoryOf(genie.id, 'saved')).toBeUndefined();
    expect(await memoryOf(genie.id, 'fresh')).toBeUndefined();
    expect(await h.db('notifications').where({ owner_id: user.id })).toHaveLength(before.notifications);
    expect(await h.db('webhook_deliveries').where({ owner_id: user.id })).toHaveLength(before.deliveries);
    expect(await h.db('approvals').where({ owner_id: user.id })).toHaveLength(before.approvals);
    expect((await call('GET', `/v1/worker-genies/${genie.id}`)).body.data.spend).toEqual(before.spend);
    expect(await h.db('monthly_spend').where({ owner_id: user.id })).toEqual(before.monthly);
    expect((await call('GET', `/v1/worker-genies/${genie.id}/runs`)).body.data.items).toHaveLength(before.runs);
    expect((await call('GET', '/v1/runs?limit=100')).body.data.items.map((r: any) => r.id)).not.toContain(
      only.case_run_id
    );
    const billed = await h.db('model_calls').where({ run_id: only.case_run_id });
    expect(billed.map((c: any) => c.purpose)).toEqual(['eval', 'eval', 'eval']);
    // Listed with the genie's evals.
    const listed = (await call('GET', `/v1/worker-genies/${genie.id}/evals`)).body.data.items;
    expect(listed[0]).toMatchObject({ id: evalId, status: 'succeeded', summary: { mean_score: 4 } });
    expect(listed[0].cases).toBeUndefined();
  }, 90_000);

  it('applies the change as one update, and refuses once the genie changed since (409)', async () => {
    const applied = await call('POST', `/v1/evals/${evalId}/apply`);
    expect(applied.status).toBe(200);
    expect(applied.body.data).toMatchObject({
      id: genie.id,
      version: genie.version + 1,
      soul_prompt: expect.stringContaining(newMarker),
      approval_required: ['notify_owner'],
    });
    expect((await call('GET', `/v1/evals/${evalId}`)).body.data.applied_at).toEqual(expect.any(String));
    const again = await call('POST', `/v1/evals/${evalId}/apply`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already applied/);
  });

  it('is another owner’s: 404 for every eval call', async () => {
    const stranger = await createUser('eval-stranger');
    expect((await call('GET', `/v1/evals/${evalId}`, undefined, stranger.key)).status).toBe(404);
    expect((await call('POST', `/v1/evals/${evalId}/apply`, undefined, stranger.key)).status).toBe(404);
    expect((await call('POST', `/v1/evals/${evalId}/cancel`, undefined, stranger.key)).status).toBe(404);
    expect((await call('GET', `/v1/worker-genies/${genie.id}/evals`, undefined, stranger.key)).status).toBe(404);
    const started = await call(
      'POST',
      `/v1/worker-genies/${genie.id}/evals`,
      { changes: { soul_prompt: 'x' }, last: 1 },
      stranger.key
    );
    expect(started.status).toBe(404);
  });
});

describe('eval cases that cannot go as the recorded run did', () => {
  it('fails only the case whose recorded result is gone, with a clear error; the eval succeeds', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      name: 'Reader',
      model: 'test-model',
      tools: ['memory_read'],
    });
    fake.scriptConversation(marker, [
      toolUse([{ name: 'memory_read', input: { key: 'gone' } }], { usage: usage(100, 10) }),
      text('read it', usage(100, 10)),
    ]);
    const kept = (await startRun(h, user, genie.id)).run_id;
    const broken = (await startRun(h, user, genie.id)).run_id;
    expect((await waitForRun(h, user, kept)).status).toBe('succeeded');
    expect((await waitForRun(h, user, broken)).status).toBe('succeeded');
    await h.db('run_steps').where({ run_id: broken, kind: 'tool' }).delete();

    const newMarker = `eval-missing-${Date.now()}`;
    fake.scriptConversation(newMarker, [
      toolUse([{ name: 'memory_read', input: { key: 'gone' } }], { usage: usage(100, 10) }),
      text('read it again', usage(100, 10)),
    ]);
    const started = await call('POST', `/v1/worker-genies/${genie.id}/evals`, {
      changes: { soul_prompt: `Read it. ${newMarker}` },
      runs: [kept, broken],
    });
    expect(started.status).toBe(202);
    const done = await waitForEval(h, user, started.body.data.eval_id);
    expect(done.status).toBe('succeeded');
    expect(done.cases.map((c: any) => [c.run_id, c.status])).toEqual([
      [kept, 'succeeded'],
      [broken, 'failed'],
    ]);
    expect(done.cases[1].error).toEqual({
      type: 'RecordedResultMissing',
      message: expect.stringContaining('its result is no longer recorded'),
    });
    expect(done.summary).toMatchObject({ cases: 2, finished: 2, failed: 1, same_tool_sequence: 1, mean_score: null });
    // The genie changed since the eval began: its change is not applied over the new version.
    await call('PATCH', `/v1/worker-genies/${genie.id}`, { description: 'edited meanwhile' });
    const stale = await call('POST', `/v1/evals/${done.id}/apply`);
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/changed since \(version 1 → 2\)/);
    expect((await call('GET', `/v1/worker-genies/${genie.id}`)).body.data.soul_prompt).not.toContain(newMarker);
  }, 60_000);

  it('cancels an eval and its running cases', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { name: 'Slow one', model: 'test-model', tools: [] });
    fake.scriptConversation(marker, [text('quick', usage(100, 10))]);
    const past = (await startRun(h, user, genie.id)).run_id;
    expect((await waitForRun(h, user, past)).status).toBe('succeeded');
    const slowMarker = `eval-slow-${Date.now()}`;
    const slow: FakeReply = { ...text('slow'), latencyMs: 60_000 };
    fake.scriptConversation(slowMarker, [slow]);
    const started = await call('POST', `/v1/worker-genies/${genie.id}/evals`, {
      changes: { soul_prompt: `Take your time. ${slowMarker}` },
      last: 5,
    });
    const id = started.body.data.eval_id;
    await waitForEval(h, user, id, (e) => e.cases[0]?.status === 'running');
    const cancelled = await call('POST', `/v1/evals/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    const done = await waitForEval(h, user, id);
    expect(done.status).toBe('cancelled');
    const caseRun = await waitForRun(h, user, done.cases[0].case_run_id);
    expect(caseRun.status).toBe('cancelled');
    expect((await call('POST', `/v1/evals/${id}/cancel`)).status).toBe(409);
  }, 60_000);

  it('refuses what it cannot try: no change, runs and last, another genie’s run, a genie with no runs', async () => {
    const { genie } = await createScriptedGenie(h, user, { model: 'test-model', tools: [] });
    const other = await createScriptedGenie(h, user, { model: 'test-model', tools: [] });
    const post = (body: unknown) => call('POST', `/v1/worker-genies/${genie.id}/evals`, body);
    expect((await post({ changes: {} })).status).toBe(400);
    expect((await post({ changes: { soul_prompt: 'x' }, runs: [crypto.randomUUID()], last: 2 })).status).toBe(400);
    expect((await post({ changes: { nonsense: 1 } })).status).toBe(400);
    expect((await post({ changes: { soul_prompt: 'x' }, last: 0 })).status).toBe(400);
    const foreign = (await startRun(h, user, other.genie.id)).run_id;
    const notOurs = await post({ changes: { soul_prompt: 'x' }, runs: [foreign] });
    expect(notOurs.status).toBe(400);
    expect(notOurs.body.error.details[0].field).toBe('runs');
    const none = await post({ changes: { soul_prompt: 'x' } });
    expect(none.status).toBe(409);
    expect(none.body.error.message).toMatch(/no succeeded runs/);
    expect((await call('GET', `/v1/evals/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await call('GET', '/v1/evals/not-a-uuid')).status).toBe(404);
  });
});
