import type { TestUser } from '../support/harness';
import { useStack } from '../support/stack';

/**
 * Bad input of every kind answers 4xx in the envelope, naming what was wrong: never a 5xx, never a
 * stack trace, never a success it did not earn.
 */
const { h, createUser } = useStack({ fake: false });
let user: TestUser;
let genieId: string;

beforeAll(async () => {
  user = await createUser('hardening');
  const created = await h.call('POST', '/v1/worker-genies', { key: user.key, body: { name: 'g', soul_prompt: 'p' } });
  genieId = created.body.data.id;
});

const NUL = '\u0000';

function expectBadRequest(res: { status: number; body: any }, field?: string) {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ success: false, error: { code: 'validation_error' } });
  if (field) expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
}

describe('strings holding U+0000', () => {
  it.each([
    ['POST', '/v1/worker-genies', { name: `a${NUL}b`, soul_prompt: 'p' }, 'name'],
    ['POST', '/v1/worker-genies', { name: 'a', soul_prompt: `p${NUL}` }, 'soul_prompt'],
    ['POST', '/v1/worker-genies', { name: 'a', soul_prompt: 'p', description: NUL }, 'description'],
    ['POST', '/v1/events', { event_type: 'x', payload: { note: NUL } }, 'payload.note'],
    ['POST', '/v1/events', { event_type: 'x', idempotency_key: `k${NUL}` }, 'idempotency_key'],
    ['POST', '/v1/data/leads', { rows: [{ name: `Ada${NUL}` }] }, 'rows.0.name'],
    ['POST', '/v1/data/leads', { rows: [{ name: 'Ada', metadata: { [`k${NUL}`]: 1 } }] }, 'rows.0.metadata'],
  ])('%s %s answers 400 naming the field', async (method, path, body, field) => {
    expectBadRequest(await h.call(method, path, { key: user.key, body }), field);
  });

  it('in PATCH, run input, event payloads and memory prefixes', async () => {
    expectBadRequest(
      await h.call('PATCH', `/v1/worker-genies/${genieId}`, { key: user.key, body: { name: NUL } }),
      'name'
    );
    expectBadRequest(
      await h.call('POST', `/v1/worker-genies/${genieId}/run`, { key: user.key, body: { input: `x${NUL}` } }),
      'input'
    );
    expectBadRequest(
      await h.call('POST', `/v1/worker-genies/${genieId}/events`, { key: user.key, body: { payload: [NUL] } }),
      'payload.0'
    );
    expectBadRequest(
      await h.call('POST', '/v1/worker-genies', {
        key: user.key,
        body: { action: 'memory', id: genieId, data: { prefix: NUL } },
      }),
      'data.prefix'
    );
  });

  it('in query strings and paths', async () => {
    expectBadRequest(await h.call('GET', '/v1/data/leads?name=eq.%00', { key: user.key }), 'query.name');
    expectBadRequest(await h.call('GET', '/v1/worker-genies?cursor=%00', { key: user.key }), 'query.cursor');
    expectBadRequest(await h.call('DELETE', '/v1/credentials/ab%00cd', { key: user.key }), '(path)');
  });
});

describe('deep JSON', () => {
  it('answers 400 for JSON nested deeper than 64 levels, however it is nested', async () => {
    const deepArray = '['.repeat(4500) + ']'.repeat(4500);
    expectBadRequest(await h.call('POST', '/v1/worker-genies', { key: user.key, body: deepArray }), '(body)');
    const deepObject = '{"a":'.repeat(65) + '1' + '}'.repeat(65);
    expectBadRequest(await h.call('POST', '/v1/events', { key: user.key, body: deepObject }), '(body)');
  });

  it('accepts nesting up to the limit', async () => {
    let payload: unknown = 'leaf';
    for (let i = 0; i < 60; i++) payload = { n: payload };
    const res = await h.call('POST', '/v1/events', { key: user.key, body: { event_type: 'deep', payload } });
    expect(res.status).toBe(202);
  });

  it('does not count brackets inside strings', async () => {
    const res = await h.call('POST', '/v1/events', {
      key: user.key,
      body: { event_type: 'brackets', payload: { text: '['.repeat(500) + '{"\\"'.repeat(100) } },
    });
    expect(res.status).toBe(202);
  });
});

describe('actions', () => {
  it.each([
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'isPrototypeOf',
    'toLocaleString',
    '__defineGetter__',
    'propertyIsEnumerable',
  ])('answers 400 for the action %s', async (action) => {
    const res = await h.call('POST', '/v1/worker-genies', { key: user.key, body: { action } });
    expectBadRequest(res, 'action');
  });
});

describe('paths', () => {
  it.each(['/v1/worker-genies/%E0%A4%A', '/v1/runs/%E0%A4%A', '/v1/credentials/%ZZ', '/v1/data/%C0'])(
    'answers 400 for the malformed percent-encoding of %s',
    async (path) => {
      expectBadRequest(await h.call('GET', path, { key: user.key }));
      expectBadRequest(await h.call('DELETE', path, { key: user.key }));
    }
  );

  it('answers 405 with Allow for a method a route does not have', async () => {
    const res = await h.call('PUT', '/v1/worker-genies', { key: user.key, body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(res.body.error.code).toBe('method_not_allowed');
    const trace = await h.call('DELETE', '/v1/notifications', { key: user.key });
    expect(trace.status).toBe(405);
    expect(trace.headers.get('allow')).toBe('GET');
  });
});

describe('unknown fields on writes', () => {
  it('refuses a credential with a misspelt field rather than storing it without a host restriction', async () => {
    const res = await h.call('POST', '/v1/credentials', {
      key: user.key,
      body: { name: 'crm', credential_type: 'bearer_token', value: 'secret-value-123', alowed_hosts: ['x.example'] },
    });
    expectBadRequest(res, 'alowed_hosts');
    expect((await h.call('GET', '/v1/credentials', { key: user.key })).body.data.items).toEqual([]);
  });

  it.each([
    ['store-credential', { name: 'c', credential_type: 'bearer_token', value: 'v', colour: 1 }, 'colour'],
    ['delete', { id: '00000000-0000-4000-8000-000000000000', force: 'yes please' }, 'force'],
    ['get-run', { run_id: '00000000-0000-4000-8000-000000000000', extra: 1 }, 'extra'],
    ['cancel-run', { run_id: '00000000-0000-4000-8000-000000000000', extra: 1 }, 'extra'],
    ['delete-credential', { name: 'c', extra: 1 }, 'extra'],
    ['trigger', { id: '00000000-0000-4000-8000-000000000000', payload: {}, extra: 1 }, 'extra'],
  ])('action %s answers 400 naming the unknown field', async (action, data, field) => {
    expectBadRequest(await h.call('POST', '/v1/worker-genies', { key: user.key, body: { action, data } }), field);
  });

  it('refuses unknown fields in the REST aliases too', async () => {
    expectBadRequest(
      await h.call('POST', `/v1/worker-genies/${genieId}/run`, { key: user.key, body: { input: 'x', inptu: 'y' } }),
      'inptu'
    );
    expectBadRequest(
      await h.call('POST', '/v1/events', { key: user.key, body: { event_type: 'x', payolad: {} } }),
      'payolad'
    );
  });
});

describe('authentication first', () => {
  it('answers 401 to an unauthenticated request without reading its body', async () => {
    const malformed = await h.call('POST', '/v1/worker-genies', { body: '{"name": ' });
    expect(malformed.status).toBe(401);
    const deep = await h.call('POST', '/v1/worker-genies', { body: '['.repeat(5000) });
    expect(deep.status).toBe(401);
    const huge = await h.call('POST', '/v1/worker-genies', {
      body: JSON.stringify({ x: 'y'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(401);
  });
});
