import type { TestUser } from '../support/harness';
import { useStack } from '../support/stack';

const { h, createUser } = useStack({ fake: false });
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  alice = await createUser('alice');
  bob = await createUser('bob');
});

const scheduled = {
  name: 'Morning digest',
  soul_prompt: 'Summarise new leads every weekday morning.',
  trigger_type: 'schedule',
  schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
};

async function create(user: TestUser, body: object = { name: 'Helper', soul_prompt: 'Help.' }) {
  const res = await h.call('POST', '/v1/worker-genies', { key: user.key, body });
  expect(res.status).toBe(201);
  return res.body.data;
}

describe('create', () => {
  it('creates a genie from top-level fields with no action, and fills defaults', async () => {
    const res = await h.call('POST', '/v1/worker-genies', { key: alice.key, body: scheduled });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    expect(res.body.data).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Morning digest',
      description: '',
      trigger_type: 'schedule',
      schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', overlap: 'skip', paused: false },
      event_types: [],
      credential_refs: [],
      tools: ['web_fetch', 'memory_read', 'memory_write', 'query_data', 'notify_owner'],
      model: null,
      max_turns: 20,
      max_tokens_per_run: null,
      max_concurrent_runs: 1,
      enabled: true,
    });
    expect(Date.parse(res.body.data.created_at)).not.toBeNaN();
    expect(res.body.data).not.toHaveProperty('owner_id');
  });

  it('creates with action "create", fields under data, and data winning over the top level', async () => {
    const res = await h.call('POST', '/v1/worker-genies', {
      key: alice.key,
      body: {
        resource: 'worker-genies',
        action: 'create',
        name: 'top-level name',
        data: { name: 'data name', soul_prompt: 'x', trigger_type: 'event', event_types: ['lead.created'], tools: [] },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      name: 'data name',
      trigger_type: 'event',
      event_types: ['lead.created'],
      tools: [],
    });
  });

  it.each([
    [{ soul_prompt: 'x' }, 'name'],
    [{ name: 'x', soul_prompt: 'y', trigger_type: 'schedule' }, 'schedule'],
    [{ name: 'x', soul_prompt: 'y', trigger_type: 'schedule', schedule: { cron: 'every day' } }, 'schedule.cron'],
    [
      {
        name: 'x',
        soul_prompt: 'y',
        trigger_type: 'schedule',
        schedule: { interval_seconds: 60, timezone: 'Mars/Base' },
      },
      'schedule.timezone',
    ],
    [{ name: 'x', soul_prompt: 'y', tools: ['rm_rf'] }, 'tools.0'],
    [{ name: 'x', soul_prompt: 'y', max_turns: 101 }, 'max_turns'],
    [{ name: 'x', soul_prompt: 'y', max_turns: 0 }, 'max_turns'],
    [{ name: 'x', soul_prompt: 'y', colour: 'blue' }, 'colour'],
  ])('answers 400 with field details for %j', async (body, field) => {
    const res = await h.call('POST', '/v1/worker-genies', { key: alice.key, body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: { code: 'validation_error' } });
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });
});

describe('list and get', () => {
  it('lists only the caller’s genies, newest first, with cursor pagination', async () => {
    const carol = await h.createUser('carol');
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await create(carol, { name: `g${i}`, soul_prompt: 'p' }));
    await create(bob);

    const first = await h.call('GET', '/v1/worker-genies?limit=2', { key: carol.key });
    expect(first.status).toBe(200);
    expect(first.body.data.items.map((g: { name: string }) => g.name)).toEqual(['g4', 'g3']);
    expect(first.body.data.next_cursor).toEqual(expect.any(String));

    const second = await h.call('POST', '/v1/worker-genies', {
      key: carol.key,
      body: { action: 'list', data: { limit: 2, cursor: first.body.data.next_cursor } },
    });
    expect(second.body.data.items.map((g: { name: string }) => g.name)).toEqual(['g2', 'g1']);

    const all = await h.call('POST', '/v1/worker-genies', { key: carol.key, body: { action: 'all' } });
    expect(all.body.data.items).toHaveLength(5);
    expect(all.body.data.next_cursor).toBeUndefined();
    expect(all.body.data.items.map((g: { id: string }) => g.id).sort()).toEqual(made.map((g) => g.id).sort());
  });

  it('filters by trigger_type and enabled', async () => {
    const dave = await h.createUser('dave');
    await create(dave, scheduled);
    await create(dave, { name: 'off', soul_prompt: 'p', enabled: false });
    const byType = await h.call('GET', '/v1/worker-genies?trigger_type=schedule', { key: dave.key });
    expect(byType.body.data.items.map((g: { name: string }) => g.name)).toEqual(['Morning digest']);
    const disabled = await h.call('GET', '/v1/worker-genies?enabled=false', { key: dave.key });
    expect(disabled.body.data.items.map((g: { name: string }) => g.name)).toEqual(['off']);
  });

  it('lists each genie with its newest run (ties by id), or null, on every page', async () => {
    const erin = await h.createUser('erin');
    const [quiet, busy, tied] = [await create(erin), await create(erin), await create(erin)];
    const run = (genieId: string, i: number, createdAt: Date, extra: object = {}) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      owner_id: erin.id,
      genie_id: genieId,
      workflow_id: `genie-run-list-${genieId}-${i}`,
      trigger_type: 'manual',
      status: 'succeeded',
      created_at: createdAt,
      ...extra,
    });
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute, 0, 123));
    await h
      .db('runs')
      .insert([
        run(busy.id, 1, at(1)),
        run(busy.id, 2, at(3), { status: 'running', started_at: at(3) }),
        run(busy.id, 3, at(2), { finished_at: new Date(Date.UTC(2026, 0, 1, 0, 2, 30, 456)) }),
        run(tied.id, 4, at(5), { status: 'failed', finished_at: new Date(Date.UTC(2026, 0, 1, 0, 6, 0, 789)) }),
        run(tied.id, 5, at(5), { status: 'cancelled', finished_at: new Date(Date.UTC(2026, 0, 1, 0, 7)) }),
      ]);
    const expected = {
      [quiet.id]: null,
      [busy.id]: {
        id: '00000000-0000-4000-8000-000000000002',
        status: 'running',
        created_at: '2026-01-01T00:03:00.123Z',
        finished_at: null,
      },
      [tied.id]: {
        id: '00000000-0000-4000-8000-000000000005',
        status: 'cancelled',
        created_at: '2026-01-01T00:05:00.123Z',
        finished_at: '2026-01-01T00:07:00.000Z',
      },
    };
    const all = await h.call('GET', '/v1/worker-genies', { key: erin.key });
    expect(all.body.data.items.map((g: { id: string }) => g.id)).toEqual([tied.id, busy.id, quiet.id]);
    for (const genie of all.body.data.items) {
      expect(Object.keys(genie).at(-1)).toBe('last_run');
      expect(genie.last_run).toEqual(expected[genie.id]);
    }
    const first = await h.call('GET', '/v1/worker-genies?limit=2&trigger_type=manual&enabled=true', { key: erin.key });
    const rest = await h.call('GET', `/v1/worker-genies?limit=2&cursor=${first.body.data.next_cursor}`, {
      key: erin.key,
    });
    expect([...first.body.data.items, ...rest.body.data.items]).toEqual(all.body.data.items);
  });

  it('answers 400 for a bad limit or cursor', async () => {
    expect((await h.call('GET', '/v1/worker-genies?limit=1000', { key: alice.key })).status).toBe(400);
    expect((await h.call('GET', '/v1/worker-genies?cursor=nonsense', { key: alice.key })).status).toBe(400);
  });

  it('gets a genie with recent_runs by action and by REST path', async () => {
    const genie = await create(alice);
    const byAction = await h.call('POST', '/v1/worker-genies', {
      key: alice.key,
      body: { action: 'get', id: genie.id },
    });
    expect(byAction.status).toBe(200);
    expect(byAction.body.data).toEqual({ ...genie, spend: { today_usd: 0, month_usd: 0 }, recent_runs: [] });
    const byPath = await h.call('GET', `/v1/worker-genies/${genie.id}`, { key: alice.key });
    expect(byPath.body).toEqual(byAction.body);
  });

  it('shows recent runs newest first, at most 10', async () => {
    const genie = await create(alice);
    for (let i = 0; i < 12; i++) {
      await h.db('runs').insert({
        owner_id: alice.id,
        genie_id: genie.id,
        workflow_id: `genie-run-test-${genie.id}-${i}`,
        trigger_type: 'manual',
        status: 'succeeded',
        created_at: new Date(Date.UTC(2026, 0, 1, 0, i)),
      });
    }
    const res = await h.call('GET', `/v1/worker-genies/${genie.id}`, { key: alice.key });
    expect(res.body.data.recent_runs).toHaveLength(10);
    expect(res.body.data.recent_runs[0]).toMatchObject({
      workflow_id: `genie-run-test-${genie.id}-11`,
      status: 'succeeded',
      temporal_ui_url: `http://localhost:8233/namespaces/default/workflows/genie-run-test-${genie.id}-11`,
      usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });

  it('answers 404 for an unknown id, a malformed id and a missing id is 400', async () => {
    const unknown = await h.call('GET', '/v1/worker-genies/00000000-0000-4000-8000-000000000000', { key: alice.key });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    expect((await h.call('GET', '/v1/worker-genies/not-a-uuid', { key: alice.key })).status).toBe(404);
    const missing = await h.call('POST', '/v1/worker-genies', { key: alice.key, body: { action: 'get' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ field: 'id', message: 'required' }]);
  });
});

describe('update', () => {
  it('updates by action with fields under data, and by PATCH', async () => {
    const genie = await create(alice);
    const res = await h.call('POST', '/v1/worker-genies', {
      key: alice.key,
      body: { action: 'update', id: genie.id, data: { name: 'Renamed', max_turns: 5 } },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: genie.id, name: 'Renamed', max_turns: 5, soul_prompt: 'Help.' });
    expect(Date.parse(res.body.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(genie.updated_at));

    const patched = await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: alice.key,
      body: { enabled: false },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ name: 'Renamed', enabled: false });
  });

  it('switches trigger types, merging and dropping the schedule as needed', async () => {
    const genie = await create(alice);
    const bad = await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: alice.key,
      body: { trigger_type: 'schedule' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('schedule');

    const toSchedule = await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: alice.key,
      body: { trigger_type: 'schedule', schedule: { interval_seconds: 3600 } },
    });
    expect(toSchedule.body.data.schedule).toEqual({
      interval_seconds: 3600,
      timezone: 'UTC',
      overlap: 'skip',
      paused: false,
    });

    const paused = await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: alice.key,
      body: { schedule: { paused: true } },
    });
    expect(paused.body.data.schedule).toEqual({
      interval_seconds: 3600,
      timezone: 'UTC',
      overlap: 'skip',
      paused: true,
    });

    const back = await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: alice.key,
      body: { trigger_type: 'manual' },
    });
    expect(back.body.data).toMatchObject({ trigger_type: 'manual', schedule: null });
  });

  it('leaves the genie unchanged when the update is invalid', async () => {
    const genie = await create(alice);
    const res = await h.call('PATCH', `/v1/worker-genies/${genie.id}`, {
      key: alice.key,
      body: { name: 'New', max_turns: 1000 },
    });
    expect(res.status).toBe(400);
    const after = await h.call('GET', `/v1/worker-genies/${genie.id}`, { key: alice.key });
    expect(after.body.data.name).toBe('Helper');
  });
});

describe('delete', () => {
  it('deletes by action and by DELETE, with its run history', async () => {
    const one = await create(alice);
    const two = await create(alice);
    await h.db('runs').insert({
      owner_id: alice.id,
      genie_id: one.id,
      workflow_id: `genie-run-del-${one.id}`,
      trigger_type: 'manual',
    });
    const byAction = await h.call('POST', '/v1/worker-genies', {
      key: alice.key,
      body: { action: 'delete', id: one.id },
    });
    expect(byAction.status).toBe(200);
    expect(byAction.body.data).toEqual({ deleted: true, id: one.id });
    expect(await h.db('runs').where({ genie_id: one.id })).toEqual([]);
    const byPath = await h.call('DELETE', `/v1/worker-genies/${two.id}`, { key: alice.key });
    expect(byPath.status).toBe(200);
    expect((await h.call('GET', `/v1/worker-genies/${two.id}`, { key: alice.key })).status).toBe(404);
    expect((await h.call('DELETE', `/v1/worker-genies/${two.id}`, { key: alice.key })).status).toBe(404);
  });
});

describe('tenancy', () => {
  it('answers 404 for another user’s genie on every action, and changes nothing', async () => {
    const genie = await create(alice, scheduled);
    const before = await h.db('genies').where({ id: genie.id }).first();
    const attempts = [
      h.call('GET', `/v1/worker-genies/${genie.id}`, { key: bob.key }),
      h.call('POST', '/v1/worker-genies', { key: bob.key, body: { action: 'get', id: genie.id } }),
      h.call('POST', '/v1/worker-genies', { key: bob.key, body: { action: 'update', id: genie.id, name: 'pwned' } }),
      h.call('PATCH', `/v1/worker-genies/${genie.id}`, { key: bob.key, body: { enabled: false } }),
      h.call('POST', '/v1/worker-genies', { key: bob.key, body: { action: 'delete', id: genie.id } }),
      h.call('DELETE', `/v1/worker-genies/${genie.id}`, { key: bob.key }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, error: { code: 'not_found', message: 'Genie not found' } });
    }
    expect(await h.db('genies').where({ id: genie.id }).first()).toEqual(before);
    const bobsList = await h.call('GET', '/v1/worker-genies', { key: bob.key });
    expect(bobsList.body.data.items.map((g: { id: string }) => g.id)).not.toContain(genie.id);
  });
});
