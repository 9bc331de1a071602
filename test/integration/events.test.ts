import { eventInboxWorkflowId, genieNameKey } from '../../temporal/contract';
import { text } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

const { fake, h, createUser } = useStack({ worker: true });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('eventer');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (genieId: string, body: object, key = user.key) =>
  h.call('POST', `/v1/worker-genies/${genieId}/events`, { key, body });
const runsOf = async (genieId: string) =>
  (await h.call('GET', `/v1/worker-genies/${genieId}/runs?limit=100`, { key: user.key })).body.data.items;

async function waitForRuns(genieId: string, count: number, timeoutMs = 60_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await runsOf(genieId);
    const done = runs.filter((r: any) => ['succeeded', 'failed'].includes(r.status));
    if (done.length >= count) return runs;
    if (Date.now() > deadline) throw new Error(`only ${done.length} of ${count} runs finished`);
    await sleep(200);
  }
}

describe('event-triggered genies', () => {
  it('runs once per event, with the payload in the first message', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      trigger_type: 'event',
      event_types: ['lead.created'],
    });
    fake.script(marker, [text('handled')]);
    const res = await send(genie.id, { event_type: 'lead.created', payload: { lead: 'Ada', score: 91 } });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ accepted: true, duplicate: false });
    const [run] = await waitForRuns(genie.id, 1);
    expect(run).toMatchObject({ trigger_type: 'event', status: 'succeeded', input: { lead: 'Ada', score: 91 } });
    expect(run.workflow_id).toBe(`genie-run-${run.id}`);
    const opening = fake.requestsFor(marker)[0]!.body.messages[0].content[0].text;
    expect(opening).toContain('triggered by an event of type "lead.created"');
    expect(opening).toContain('"score": 91');
    const inbox = await h.temporal.workflow.getHandle(eventInboxWorkflowId(genie.id)).describe();
    expect(inbox.status.name).toBe('RUNNING');
    // The Temporal UI names the genie: a summary on each workflow and a GenieName column.
    const child = await h.temporal.workflow.getHandle(run.workflow_id).describe();
    expect(await child.staticSummary()).toBe(`Genie "${genie.name}": event lead.created`);
    expect(child.typedSearchAttributes.get(genieNameKey)).toBe(genie.name);
    expect(await inbox.staticSummary()).toBe(`Genie "${genie.name}": event inbox`);
    expect(inbox.typedSearchAttributes.get(genieNameKey)).toBe(genie.name);
  });

  it('accepts the same idempotency key once', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { trigger_type: 'event' });
    fake.script(marker, [text('once')]);
    const first = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { action: 'trigger', id: genie.id, data: { payload: { n: 1 }, idempotency_key: 'order-42' } },
    });
    const again = await send(genie.id, { payload: { n: 1 }, idempotency_key: 'order-42' });
    expect(first.body.data.duplicate).toBe(false);
    expect(again.status).toBe(202);
    expect(again.body.data).toEqual({ accepted: true, duplicate: true });
    await waitForRuns(genie.id, 1);
    await sleep(1500);
    expect(await runsOf(genie.id)).toHaveLength(1);
  });

  it('runs 20 events one at a time, in order, with max_concurrent_runs 1', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { trigger_type: 'event' });
    fake.script(marker, [{ ...text('done'), latencyMs: 100 }]);
    for (let n = 0; n < 20; n++) expect((await send(genie.id, { payload: { n } })).status).toBe(202);
    const runs = (await waitForRuns(genie.id, 20, 120_000)).sort(
      (a: any, b: any) => Date.parse(a.started_at) - Date.parse(b.started_at)
    );
    expect(runs.map((r: any) => r.input.n)).toEqual([...Array(20).keys()]);
    for (let i = 1; i < runs.length; i++) {
      expect(Date.parse(runs[i].started_at)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1].finished_at));
    }
  }, 150_000);

  it('runs events side by side up to max_concurrent_runs', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { trigger_type: 'event', max_concurrent_runs: 3 });
    fake.script(marker, [{ ...text('done'), latencyMs: 1500 }]);
    for (let n = 0; n < 3; n++) await send(genie.id, { payload: { n } });
    const runs = await waitForRuns(genie.id, 3);
    const starts = runs.map((r: any) => Date.parse(r.started_at));
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(1500);
  });

  it('fans an event out to the subscribed, enabled genies of the same owner only', async () => {
    const fan = await h.createUser('fan');
    const subscribed = await createScriptedGenie(h, fan, { trigger_type: 'event', event_types: ['deal.won', 'x'] });
    const other = await createScriptedGenie(h, fan, { trigger_type: 'event', event_types: ['deal.lost'] });
    await createScriptedGenie(h, fan, { trigger_type: 'manual' });
    const disabled = await createScriptedGenie(h, fan, {
      trigger_type: 'event',
      event_types: ['deal.won'],
      enabled: false,
    });
    const stranger = await createScriptedGenie(h, user, { trigger_type: 'event', event_types: ['deal.won'] });
    for (const g of [subscribed, other, disabled, stranger]) fake.script(g.marker, [text('ok')]);

    const res = await h.call('POST', '/v1/events', {
      key: fan.key,
      body: { event_type: 'deal.won', payload: { amount: 5000 } },
    });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ accepted: true, event_type: 'deal.won' });
    expect(res.body.data.delivered.map((d: any) => d.genie_id)).toEqual([subscribed.genie.id]);
    await sleep(2000);
    expect(fake.requestsFor(subscribed.marker)).toHaveLength(1);
    for (const g of [other, disabled, stranger]) expect(fake.requestsFor(g.marker)).toHaveLength(0);

    const dup = await h.call('POST', '/v1/events', {
      key: fan.key,
      body: { event_type: 'deal.won', payload: {}, idempotency_key: 'k1' },
    });
    const dup2 = await h.call('POST', '/v1/events', {
      key: fan.key,
      body: { event_type: 'deal.won', payload: {}, idempotency_key: 'k1' },
    });
    expect(dup.body.data.delivered[0].duplicate).toBe(false);
    expect(dup2.body.data.delivered[0].duplicate).toBe(true);
  });

  it('refuses events for another owner’s genie, a manual genie, a disabled one, and oversized payloads', async () => {
    const { genie } = await createScriptedGenie(h, user, { trigger_type: 'event' });
    const mallory = await h.createUser('mallory');
    expect((await send(genie.id, { payload: {} }, mallory.key)).status).toBe(404);
    const manual = await createScriptedGenie(h, user);
    expect((await send(manual.genie.id, { payload: {} })).status).toBe(409);
    const big = await send(genie.id, { payload: { blob: 'x'.repeat(300 * 1024) } });
    expect(big.status).toBe(413);
    const bad = await send(genie.id, { payload: {}, event_type: 'has space' });
    expect(bad.status).toBe(400);
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: user.key, body: { enabled: false } });
    expect((await send(genie.id, { payload: {} })).status).toBe(409);
  });

  it('stops the inbox when the genie is disabled, and a manual run still works', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { trigger_type: 'event' });
    fake.script(marker, [text('ok')]);
    await send(genie.id, { payload: { n: 1 } });
    await waitForRuns(genie.id, 1);
    const manual = await h.call('POST', `/v1/worker-genies/${genie.id}/run`, {
      key: user.key,
      body: { input: 'by hand' },
    });
    expect(manual.status).toBe(202);
    expect((await waitForRun(h, user, manual.body.data.run_id)).status).toBe('succeeded');
    await h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: user.key, body: { enabled: false } });
    const inbox = h.temporal.workflow.getHandle(eventInboxWorkflowId(genie.id));
    await inbox.result();
    expect((await inbox.describe()).status.name).toBe('COMPLETED');
  });
});
