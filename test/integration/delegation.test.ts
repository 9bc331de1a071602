import { text, toolUse } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { TEST_PRICES, usage } from '../support/prices';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/**
 * Delegation: a genie asks its delegates (ask_genie), each a child run (a child genieRun in
 * Temporal) whose answer is the tool result; children, cost, waiting, cancellation and refusals.
 */
const prices = TEST_PRICES;
const { fake, h, createUser } = useStack({ harness: { prices }, worker: { prices } });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('delegation');
});

const ask = (genie: string, input: string) => ({ name: 'ask_genie', input: { genie, input } });
const toolSteps = (run: any, tool = 'ask_genie') => run.steps.filter((s: any) => s.kind === 'tool' && s.tool === tool);
const stepResult = async (runId: string, toolUseId: string) =>
  (await h.db('run_steps').where({ run_id: runId, tool_use_id: toolUseId }).first())?.result;

it('asks two delegates: each a child run whose answer is the tool result, listed with its cost', async () => {
  const researcher = await createScriptedGenie(h, user, {
    name: 'Researcher',
    description: 'Finds facts on the web.',
    model: 'test-model',
    tools: [],
  });
  const writer = await createScriptedGenie(h, user, { name: 'Writer', model: 'test-model', tools: [] });
  fake.script(researcher.marker, [text('Paris has 2.1 million people.', usage(1000, 100))]); // 3000 µ$
  fake.script(writer.marker, [text('A short, bright paragraph.', usage(500, 50))]); // 1500 µ$
  const lead = await createScriptedGenie(h, user, {
    name: 'Lead',
    model: 'test-model',
    tools: [],
    delegates: [researcher.genie.id, writer.genie.id],
  });
  expect(lead.genie.delegates).toEqual([researcher.genie.id, writer.genie.id]);
  fake.scriptConversation(lead.marker, [
    toolUse([ask('researcher', 'How many people live in Paris?'), ask(writer.genie.id, 'Write about Paris.')], {
      usage: usage(100, 10),
    }),
    text('Both answered.', usage(100, 10)),
  ]);

  const { run_id } = await startRun(h, user, lead.genie.id);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('succeeded');
  expect(run.parent_run_id).toBeNull();

  // ask_genie was offered with each delegate named and described.
  const [first, second] = fake.requestsFor(lead.marker);
  const tool = first!.body.tools.find((t: any) => t.name === 'ask_genie');
  expect(tool.description).toContain('"Researcher"');
  expect(tool.description).toContain('Finds facts on the web.');
  expect(tool.description).toContain(`"Writer" (id ${writer.genie.id})`);
  expect(tool.input_schema.required).toEqual(['genie', 'input']);

  expect(run.children).toHaveLength(2);
  const byGenie = new Map(run.children.map((c: any) => [c.genie_id, c]));
  expect(byGenie.get(researcher.genie.id)).toMatchObject({ status: 'succeeded', cost_usd: 0.003 });
  expect(byGenie.get(writer.genie.id)).toMatchObject({ status: 'succeeded', cost_usd: 0.0015 });

  const child: any = await waitForRun(h, user, (byGenie.get(researcher.genie.id) as any).run_id);
  expect(child).toMatchObject({
    trigger_type: 'delegated',
    parent_run_id: run_id,
    input: 'How many people live in Paris?',
  });
  expect(child.output).toBe('Paris has 2.1 million people.');
  expect(fake.requestsFor(researcher.marker)[0]!.body.messages[0].content[0].text).toContain(
    'How many people live in Paris?'
  );

  // The answers are the tool results Claude read on the next turn.
  const steps = toolSteps(run);
  expect(steps).toHaveLength(2);
  expect(steps.every((s: any) => !s.is_error)).toBe(true);
  const answers = await Promise.all(steps.map((step: any) => stepResult(run_id, step.tool_use_id)));
  expect(answers).toContainEqual({ run_id: child.id, status: 'succeeded', output: 'Paris has 2.1 million people.' });
  const results = second!.body.messages[2].content.filter((b: any) => b.type === 'tool_result');
  expect(results.map((r: any) => JSON.parse(r.content).output).sort()).toEqual([
    'A short, bright paragraph.',
    'Paris has 2.1 million people.',
  ]);

  // The children are runs of their genies like any other.
  const listed = await h.call('GET', `/v1/worker-genies/${writer.genie.id}/runs`, { key: user.key });
  expect(listed.body.data.items[0]).toMatchObject({ trigger_type: 'delegated', parent_run_id: run_id });
});

it('shows the parent waiting_child while a child waits for approval, and goes on once it is approved', async () => {
  const gated = await createScriptedGenie(h, user, {
    name: 'Careful',
    tools: ['memory_write'],
    approval_required: ['memory_write'],
  });
  fake.scriptConversation(gated.marker, [
    toolUse([{ name: 'memory_write', input: { key: 'asked', value: 'yes' } }]),
    text('Saved it.'),
  ]);
  const boss = await createScriptedGenie(h, user, { name: 'Boss', tools: [], delegates: [gated.genie.id] });
  fake.scriptConversation(boss.marker, [toolUse([ask('Careful', 'Save a note.')]), text('It saved it.')]);

  const { run_id } = await startRun(h, user, boss.genie.id);
  const waiting = await waitForRun(h, user, run_id, {
    until: (r) => r.live?.phase === 'waiting_child',
    timeoutMs: 30_000,
  });
  expect(waiting.status).toBe('running');
  const childId = waiting.children[0].run_id;
  const child = await waitForRun(h, user, childId, { until: (r) => r.status === 'waiting_approval' });
  expect(child.parent_run_id).toBe(run_id);

  const approved = await h.call('POST', `/v1/approvals/${child.approvals[0].id}/approve`, { key: user.key, body: {} });
  expect(approved.status).toBe(200);
  const done = await waitForRun(h, user, run_id);
  expect(done.status).toBe('succeeded');
  expect(done.children[0]).toMatchObject({ run_id: childId, status: 'succeeded' });
  expect(await stepResult(run_id, toolSteps(done)[0].tool_use_id)).toMatchObject({ output: 'Saved it.' });
});

it('shows the parent waiting_child while a child waits for its monthly budget, until it is raised', async () => {
  const thrifty = await createScriptedGenie(h, user, {
    name: 'Thrifty',
    model: 'test-model',
    tools: [],
    monthly_budget_usd: 0.001,
  });
  fake.script(thrifty.marker, [text('spent it', usage(1000, 100))]); // 3000 µ$: past its budget
  const own = await startRun(h, user, thrifty.genie.id);
  expect((await waitForRun(h, user, own.run_id)).status).toBe('succeeded');
  const boss = await createScriptedGenie(h, user, { name: 'Spender', tools: [], delegates: [thrifty.genie.id] });
  fake.scriptConversation(boss.marker, [toolUse([ask('Thrifty', 'Once more.')]), text('It answered.')]);

  const { run_id } = await startRun(h, user, boss.genie.id);
  const waiting = await waitForRun(h, user, run_id, { until: (r) => r.live?.phase === 'waiting_child' });
  const childId = waiting.children[0].run_id;
  expect((await waitForRun(h, user, childId, { until: (r) => r.status === 'waiting_budget' })).status).toBe(
    'waiting_budget'
  );
  const raised = await h.call('PATCH', `/v1/worker-genies/${thrifty.genie.id}`, {
    key: user.key,
    body: { monthly_budget_usd: 1 },
  });
  expect(raised.status).toBe(200);
  expect((await waitForRun(h, user, run_id)).status).toBe('succeeded');
  expect((await waitForRun(h, user, childId)).status).toBe('succeeded');
});

it('cancels the children of a cancelled run', async () => {
  const gated = await createScriptedGenie(h, user, {
    name: 'Slow',
    tools: ['memory_write'],
    approval_required: ['memory_write'],
  });
  fake.scriptConversation(gated.marker, [toolUse([{ name: 'memory_write', input: { key: 'k', value: 1 } }])]);
  const boss = await createScriptedGenie(h, user, { name: 'Impatient', tools: [], delegates: [gated.genie.id] });
  fake.scriptConversation(boss.marker, [toolUse([ask('Slow', 'Wait for it.')]), text('never')]);
  const { run_id } = await startRun(h, user, boss.genie.id);
  const waiting = await waitForRun(h, user, run_id, { until: (r) => r.children?.[0]?.status === 'waiting_approval' });
  const childId = waiting.children[0].run_id;

  const cancelled = await h.call('POST', `/v1/runs/${run_id}/cancel`, { key: user.key, body: {} });
  expect(cancelled.status).toBe(200);
  expect((await waitForRun(h, user, run_id)).status).toBe('cancelled');
  expect((await waitForRun(h, user, childId)).status).toBe('cancelled');
});

it('refuses a chain deeper than 3 and a genie asked twice in one chain, as is_error results', async () => {
  const d = await createScriptedGenie(h, user, { name: 'Dee', tools: [] });
  fake.scriptConversation(d.marker, [text('D should never run')]);
  const c = await createScriptedGenie(h, user, { name: 'Cee', tools: [], delegates: [d.genie.id] });
  fake.scriptConversation(c.marker, [toolUse([ask('Dee', 'go deeper')]), text('C done')]);
  const b = await createScriptedGenie(h, user, { name: 'Bee', tools: [] });
  const a = await createScriptedGenie(h, user, { name: 'Ay', tools: [], delegates: [b.genie.id] });
  const patched = await h.call('PATCH', `/v1/worker-genies/${b.genie.id}`, {
    key: user.key,
    body: { delegates: [a.genie.id, c.genie.id] },
  });
  expect(patched.status).toBe(200);
  fake.scriptConversation(b.marker, [toolUse([ask('Ay', 'ask me back'), ask('Cee', 'go on')]), text('B done')]);
  fake.scriptConversation(a.marker, [toolUse([ask('Bee', 'start')]), text('A done')]);

  const { run_id } = await startRun(h, user, a.genie.id);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('succeeded');
  const bRun = await waitForRun(h, user, run.children[0].run_id);
  expect(bRun.children.map((child: any) => child.genie_id)).toEqual([c.genie.id]);
  const [askA, askC] = toolSteps(bRun);
  expect(askA.is_error).toBe(true);
  expect(askA.output_preview).toContain('already working in this chain');
  expect(askC.is_error).toBe(false);
  const cRun = await waitForRun(h, user, bRun.children[0].run_id);
  expect(toolSteps(cRun)[0]).toMatchObject({ is_error: true });
  expect(toolSteps(cRun)[0].output_preview).toContain('the most there can be (3)');
  expect(cRun.children).toEqual([]);
  expect(fake.requestsFor(d.marker)).toHaveLength(0);
});

it('counts the children’s cost towards the parent’s max_cost_per_run_usd', async () => {
  const pricey = await createScriptedGenie(h, user, { name: 'Pricey', model: 'test-model', tools: [] });
  fake.script(pricey.marker, [text('expensive answer', usage(10_000, 1_000))]); // 30000 µ$
  const frugal = await createScriptedGenie(h, user, {
    name: 'Frugal',
    model: 'test-model',
    tools: [],
    delegates: [pricey.genie.id],
    max_cost_per_run_usd: 0.01,
  });
  fake.scriptConversation(frugal.marker, [toolUse([ask('Pricey', 'do it')], { usage: usage(100, 10) }), text('ok')]);
  const { run_id } = await startRun(h, user, frugal.genie.id);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('failed');
  expect(run.error.type).toBe('budget_exceeded');
  expect(run.error.message).toContain('of it the genies it asked');
  expect(fake.requestsFor(frugal.marker)).toHaveLength(1);
  expect(run.children[0]).toMatchObject({ status: 'succeeded', cost_usd: 0.03 });
});

it('answers a call naming no delegate with an is_error result', async () => {
  const helper = await createScriptedGenie(h, user, { name: 'Helper', tools: [] });
  const boss = await createScriptedGenie(h, user, { name: 'Confused', tools: [], delegates: [helper.genie.id] });
  fake.scriptConversation(boss.marker, [
    toolUse([ask('Nobody', 'x'), { name: 'ask_genie', input: { who: 'Helper' } }]),
    text('gave up'),
  ]);
  const { run_id } = await startRun(h, user, boss.genie.id);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('succeeded');
  const steps = toolSteps(run);
  const unknown = steps.find((s: any) => s.output_preview.includes('No genie'));
  const invalid = steps.find((s: any) => s !== unknown);
  expect(unknown.output_preview).toContain('No genie "Nobody" among those you can ask ("Helper")');
  expect(invalid.is_error).toBe(true);
  expect(invalid.output_preview).toContain('Invalid input for ask_genie');
  expect(run.children).toEqual([]);
});

it('takes a deleted genie off the delegates of the genies that could ask it', async () => {
  const gone = await createScriptedGenie(h, user, { name: 'Gone soon' });
  const stays = await createScriptedGenie(h, user, { name: 'Stays' });
  const asker = await createScriptedGenie(h, user, { name: 'Asker', delegates: [gone.genie.id, stays.genie.id] });
  expect((await h.call('DELETE', `/v1/worker-genies/${gone.genie.id}`, { key: user.key })).status).toBe(200);
  const now = await h.call('GET', `/v1/worker-genies/${asker.genie.id}`, { key: user.key });
  expect(now.body.data.delegates).toEqual([stays.genie.id]);
});

it('asks no genie in an eval case: the recorded answer, or a refusal', async () => {
  const helper = await createScriptedGenie(h, user, { name: 'Eval helper', tools: [] });
  fake.script(helper.marker, [text('Helped once.')]);
  const asker = await createScriptedGenie(h, user, { name: 'Eval asker', tools: [], delegates: [helper.genie.id] });
  fake.scriptConversation(asker.marker, [toolUse([ask('Eval helper', 'help me')]), text('done')]);
  const baseline = (await startRun(h, user, asker.genie.id)).run_id;
  expect((await waitForRun(h, user, baseline)).status).toBe('succeeded');

  const marker = `eval-asker-${Date.now()}`;
  fake.scriptConversation(marker, [
    toolUse([ask('Eval helper', 'help me'), ask('Eval helper', 'something new')]),
    text('done again'),
  ]);
  const started = await h.call('POST', `/v1/worker-genies/${asker.genie.id}/evals`, {
    key: user.key,
    body: { changes: { soul_prompt: `Ask. ${marker}` }, runs: [baseline] },
  });
  expect(started.status).toBe(202);
  const evalId = started.body.data.eval_id;
  for (let i = 0; i < 300; i++) {
    const res = await h.call('GET', `/v1/evals/${evalId}`, { key: user.key });
    if (res.body.data.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const caseRun = await h.db('runs').where({ eval_id: evalId }).first();
  const steps = await h.db('run_steps').where({ run_id: caseRun.id, kind: 'tool' }).orderBy('seq');
  const bySource = Object.fromEntries(steps.map((step: any) => [step.source, step]));
  expect(bySource.recorded.result).toMatchObject({ status: 'succeeded', output: 'Helped once.' });
  expect(bySource.refused.is_error).toBe(true);
  // The helper ran once: for the recorded run, never for the eval.
  expect(await h.db('runs').where({ genie_id: helper.genie.id })).toHaveLength(1);
});

describe('delegates at save', () => {
  it('refuses another owner’s genie, an unknown id, the genie itself and a repeat', async () => {
    const other = await createUser('delegation-other');
    const theirs = await createScriptedGenie(h, other, { name: 'Theirs' });
    const mine = await createScriptedGenie(h, user, { name: 'Mine' });
    const create = (delegates: unknown) =>
      h.call('POST', '/v1/worker-genies', { key: user.key, body: { name: 'd', soul_prompt: 'd', delegates } });

    const foreign = await create([theirs.genie.id]);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details[0]).toMatchObject({ field: 'delegates' });
    expect(foreign.body.error.message).toContain(theirs.genie.id);

    expect((await create(['00000000-0000-4000-8000-000000000000'])).status).toBe(400);
    expect((await create(['not-an-id'])).status).toBe(400);
    expect((await create([mine.genie.id, mine.genie.id])).status).toBe(400);
    expect((await create(Array.from({ length: 11 }, () => mine.genie.id))).status).toBe(400);

    const self = await h.call('PATCH', `/v1/worker-genies/${mine.genie.id}`, {
      key: user.key,
      body: { delegates: [mine.genie.id] },
    });
    expect(self.status).toBe(400);
    expect(self.body.error.message).toContain('cannot ask itself');
    // Their genie is not shown to have delegates of mine either way.
    const theirsNow = await h.call('GET', `/v1/worker-genies/${theirs.genie.id}`, { key: other.key });
    expect(theirsNow.body.data.delegates).toEqual([]);
  });
});
