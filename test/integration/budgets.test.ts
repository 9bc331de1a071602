import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { text, toolUse } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';
import { TEST_PRICES, usage } from '../support/prices';

/**
 * Monthly budgets, a genie's and an account's: once spent, runs wait before their next model call
 * (new ones too), a raised or removed budget releases them within seconds, and the owner is told
 * once at 80 % and once at 100 %.
 */
const prices = TEST_PRICES;
const loopback = { allowHosts: ['127.0.0.1'] };
const { fake, h, createUser } = useStack({
  harness: { prices, fetchPolicy: loopback },
  worker: { prices, fetchPolicy: loopback },
});

/** Collects webhook POSTs. */
const received: Array<{ type: string; data: any }> = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    received.push(JSON.parse(body));
    res.writeHead(204).end();
  });
});
let hookUrl = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each turn writes memory and costs 1000×2 + 100×10 = 3000 µ$; the last answers. */
const write = (n: number) =>
  toolUse([{ name: 'memory_write', input: { key: `k${n}`, value: n } }], {
    text: `step ${n}`,
    usage: usage(1000, 100),
  });
const SCRIPT = [write(1), write(2), write(3), text('done', usage(1000, 100))];

const waiting = (run: any) => run.status === 'waiting_budget';
const notificationsOf = async (user: TestUser) =>
  (await h.call('GET', '/v1/notifications?limit=100', { key: user.key })).body.data.items as any[];

describe('a genie’s monthly budget', () => {
  it('makes runs wait once spent, new ones too; raising it releases them within 10 s; 80 % and 100 % told once each', async () => {
    const user = await createUser('genie-budget');
    const { genie, marker } = await createScriptedGenie(h, user, {
      model: 'test-model',
      tools: ['memory_write'],
      monthly_budget_usd: 0.005,
      webhook_url: hookUrl,
      webhook_events: ['budget.warning', 'budget.reached', 'run.succeeded'],
    });
    expect(genie).toMatchObject({ monthly_budget_usd: 0.005, model_mode: 'realtime' });
    fake.scriptConversation(marker, SCRIPT);

    // Two turns spend $0.006: over the $0.005 budget. The third model call waits.
    const first = await startRun(h, user, genie.id);
    // The row says so at once; what the workflow is doing (live) a moment later.
    const held = await waitForRun(h, user, first.run_id, {
      until: (run) => waiting(run) && run.live?.phase === 'waiting_budget',
    });
    expect(held.cost_usd).toBe(0.006);
    expect(fake.requestsFor(marker)).toHaveLength(2);

    // A new run starts, and waits before its first model call.
    const second = await startRun(h, user, genie.id);
    await waitForRun(h, user, second.run_id, { until: waiting });
    await sleep(1500);
    expect(fake.requestsFor(marker)).toHaveLength(2);
    expect((await h.call('GET', `/v1/runs/${first.run_id}`, { key: user.key })).body.data.status).toBe(
      'waiting_budget'
    );
    expect((await h.call('GET', '/v1/runs?status=waiting_budget', { key: user.key })).body.data.items).toHaveLength(2);

    const told = await notificationsOf(user);
    expect(told.map((n) => n.subject).sort()).toEqual([
      expect.stringMatching(/monthly budget \(\$0\.005\) is spent$/),
      expect.stringMatching(/monthly budget is 80 % spent$/),
    ]);
    for (let i = 0; i < 50 && received.filter((r) => r.type.startsWith('budget.')).length < 2; i++) await sleep(100);
    const hooks = received.filter((r) => r.data?.genie_id === genie.id && r.type.startsWith('budget.'));
    expect(hooks.map((r) => r.type).sort()).toEqual(['budget.reached', 'budget.warning']);
    expect(hooks.find((r) => r.type === 'budget.reached')!.data).toMatchObject({
      scope: 'genie',
      budget_usd: 0.005,
      spend_usd: 0.006,
      month: new Date().toISOString().slice(0, 7),
    });

    // Raised: both go on, within 10 s.
    const raisedAt = Date.now();
    const raised = await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: user.key,
      body: { monthly_budget_usd: 1 },
    });
    expect(raised.status).toBe(200);
    const moved = await Promise.all(
      [first, second].map((run) => waitForRun(h, user, run.run_id, { until: (r) => r.status !== 'waiting_budget' }))
    );
    expect(Date.now() - raisedAt).toBeLessThan(10_000);
    expect(moved.every((run) => run.status !== 'waiting_budget')).toBe(true);
    const ended = await Promise.all([first, second].map((run) => waitForRun(h, user, run.run_id)));
    expect(ended.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(ended[0].cost_usd).toBe(0.012);
    expect(ended[1].cost_usd).toBe(0.012);
    // Nothing told twice.
    expect(await notificationsOf(user)).toHaveLength(2);
    const spend = (await h.call('GET', `/v1/worker-genies/${genie.id}`, { key: user.key })).body.data.spend;
    expect(spend.month_usd).toBe(0.024);
  });

  it('refuses a negative, non-numeric or unpriced budget (400)', async () => {
    const user = await createUser('bad-budgets');
    const create = (fields: object) =>
      h.call('POST', '/v1/worker-genies', { key: user.key, body: { name: 'b', soul_prompt: 'x', ...fields } });
    expect((await create({ model: 'test-model', monthly_budget_usd: -1 })).status).toBe(400);
    expect((await create({ model: 'test-model', monthly_budget_usd: '5' })).status).toBe(400);
    expect((await create({ model: 'test-model', monthly_budget_usd: 0 })).status).toBe(400);
    const unpriced = await create({ model: 'unpriced-model', monthly_budget_usd: 5 });
    expect(unpriced.status).toBe(400);
    expect(unpriced.body.error.details).toEqual([
      { field: 'monthly_budget_usd', message: expect.stringContaining('"unpriced-model" has no price') },
    ]);
    expect((await create({ model: 'test-model', model_mode: 'sometimes' })).status).toBe(400);
    const ok = await create({ model: 'test-model', monthly_budget_usd: 5, model_mode: 'batch' });
    expect(ok.status).toBe(201);
    expect(ok.body.data).toMatchObject({ monthly_budget_usd: 5, model_mode: 'batch' });
  });
});

describe('the account’s monthly budget', () => {
  it('holds all the owner’s genies together, and nobody else’s; removing it releases them', async () => {
    const owner = await createUser('account-budget');
    const stranger = await createUser('account-stranger');
    const empty = await h.call('GET', '/v1/account', { key: owner.key });
    expect(empty.body.data).toEqual({ monthly_budget_usd: null, spend: { today_usd: 0, month_usd: 0 } });
    const set = await h.call('PATCH', '/v1/account', { key: owner.key, body: { monthly_budget_usd: 0.005 } });
    expect(set.status).toBe(200);
    expect(set.body.data.monthly_budget_usd).toBe(0.005);
    // The same through the resource/action endpoint.
    const viaAction = await h.call('POST', '/v1/worker-genies', { key: owner.key, body: { action: 'account' } });
    expect(viaAction.body.data.monthly_budget_usd).toBe(0.005);

    const spender = await createScriptedGenie(h, owner, { model: 'test-model', tools: ['memory_write'] });
    fake.scriptConversation(spender.marker, SCRIPT);
    const other = await createScriptedGenie(h, owner, { model: 'test-model', tools: ['memory_write'] });
    fake.scriptConversation(other.marker, [text('other done', usage(1000, 100))]);
    const outsider = await createScriptedGenie(h, stranger, { model: 'test-model', tools: ['memory_write'] });
    fake.scriptConversation(outsider.marker, [text('outsider done', usage(1000, 100))]);

    const spent = await startRun(h, owner, spender.genie.id);
    await waitForRun(h, owner, spent.run_id, { until: waiting });
    // Another genie of the same owner waits before its first call; another owner's runs go on.
    const held = await startRun(h, owner, other.genie.id);
    await waitForRun(h, owner, held.run_id, { until: waiting });
    const free = await startRun(h, stranger, outsider.genie.id);
    expect((await waitForRun(h, stranger, free.run_id)).status).toBe('succeeded');
    expect(fake.requestsFor(other.marker)).toHaveLength(0);

    const account = (await h.call('GET', '/v1/account', { key: owner.key })).body.data;
    expect(account).toEqual({ monthly_budget_usd: 0.005, spend: { today_usd: 0.006, month_usd: 0.006 } });
    expect((await h.call('GET', '/v1/account', { key: stranger.key })).body.data.spend.month_usd).toBe(0.003);
    const told = await notificationsOf(owner);
    expect(told.map((n) => n.subject).sort()).toEqual([
      'Your account’s monthly budget ($0.005) is spent',
      'Your account’s monthly budget is 80 % spent',
    ]);
    expect(await notificationsOf(stranger)).toHaveLength(0);

    const removedAt = Date.now();
    const removed = await h.call('PATCH', '/v1/account', { key: owner.key, body: { monthly_budget_usd: null } });
    expect(removed.body.data.monthly_budget_usd).toBeNull();
    const ended = await Promise.all([spent, held].map((run) => waitForRun(h, owner, run.run_id)));
    expect(ended.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(Date.now() - removedAt).toBeLessThan(15_000);
    expect(ended[1].output).toBe('other done');
  });

  it('refuses bad budgets with a message naming the field', async () => {
    const user = await createUser('account-bad');
    for (const body of [
      { monthly_budget_usd: -1 },
      { monthly_budget_usd: 'ten' },
      { monthly_budget_usd: 0 },
      { other: 1 },
      {},
    ]) {
      const res = await h.call('PATCH', '/v1/account', { key: user.key, body });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.error)).toMatch(/monthly_budget_usd|other/);
    }
    expect((await h.call('GET', '/v1/account', { key: user.key })).body.data.monthly_budget_usd).toBeNull();
  });
});
