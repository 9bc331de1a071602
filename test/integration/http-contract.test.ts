import { API_KEY_CACHE_TTL_MS, revokeApiKey, createApiKey } from '../../db/repositories/api-keys';
import { freePort } from '../../platform/ports';
import { startHarness, type TestUser } from '../support/harness';
import { useStack } from '../support/stack';

const { h, createUser } = useStack({ fake: false });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('contract');
});

describe('authentication', () => {
  it('answers 401 without a key, with a malformed key and with an unknown key', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer hg_live_short' },
      { authorization: `Bearer hg_live_${'x'.repeat(40)}` },
      { authorization: `Bearer ${user.key}x` },
    ];
    for (const headers of attempts) {
      const res = await h.call('GET', '/v1/worker-genies', { headers });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ success: false, error: { code: 'unauthorized' } });
    }
  });

  it('answers 401 for a revoked key while the user’s other keys still work', async () => {
    const other = await createApiKey(h.db, user.id, 'second');
    const res = await h.call('GET', '/v1/worker-genies', { key: other.key });
    expect(res.status).toBe(200);
    expect(await revokeApiKey(h.db, user.id, other.id)).toBe(true);
    expect((await h.call('GET', '/v1/worker-genies', { key: other.key })).status).toBe(401);
    expect((await h.call('GET', '/v1/worker-genies', { key: user.key })).status).toBe(200);
  });

  it('refuses a key revoked through the API from its next request, though it was just served from memory', async () => {
    const owner = await h.createUser('revoke-cached');
    const created = await h.call('POST', '/v1/api-keys', { key: owner.key, body: { name: 'cached' } });
    const key: string = created.body.data.key;
    for (let i = 0; i < 3; i++) expect((await h.call('GET', '/v1/worker-genies', { key })).status).toBe(200);
    // Requests in flight while it is revoked: none of them may leave it trusted.
    const inFlight = Array.from({ length: 5 }, () => h.call('GET', '/v1/worker-genies', { key }));
    expect((await h.call('DELETE', `/v1/api-keys/${created.body.data.id}`, { key: owner.key })).status).toBe(200);
    await Promise.all(inFlight);
    for (let i = 0; i < 3; i++) expect((await h.call('GET', '/v1/worker-genies', { key })).status).toBe(401);
    expect((await h.call('GET', '/v1/worker-genies', { key: owner.key })).status).toBe(200);
  });

  it('refuses a key revoked elsewhere (another API process, the operator CLI) once the cache time has passed', async () => {
    const other = await createApiKey(h.db, user.id, 'elsewhere');
    expect((await h.call('GET', '/v1/worker-genies', { key: other.key })).status).toBe(200);
    // Revoked behind this process's back: no revocation in this process to void its cache.
    await h.db('api_keys').where({ id: other.id }).update({ revoked_at: h.db.fn.now() });
    const now = Date.now.bind(Date);
    const later = jest.spyOn(Date, 'now').mockImplementation(() => now() + API_KEY_CACHE_TTL_MS + 1);
    try {
      expect((await h.call('GET', '/v1/worker-genies', { key: other.key })).status).toBe(401);
    } finally {
      later.mockRestore();
    }
  });

  it('never answers a wrong secret from memory, even under the prefix of a key it holds', async () => {
    expect((await h.call('GET', '/v1/worker-genies', { key: user.key })).status).toBe(200);
    const samePrefix = `${user.key.slice(0, 'hg_live_'.length + 12)}${'A'.repeat(28)}`;
    expect(samePrefix).not.toBe(user.key);
    expect((await h.call('GET', '/v1/worker-genies', { key: samePrefix })).status).toBe(401);
    expect((await h.call('GET', '/v1/worker-genies', { key: user.key })).status).toBe(200);
  });

  it('records when a key was last used', async () => {
    const fresh = await createApiKey(h.db, user.id, 'usage');
    expect((await h.db('api_keys').where({ id: fresh.id }).first()).last_used_at).toBeNull();
    await h.call('GET', '/v1/worker-genies', { key: fresh.key });
    expect((await h.db('api_keys').where({ id: fresh.id }).first()).last_used_at).toBeInstanceOf(Date);
  });

  it('stores only a hash of the secret', async () => {
    const rows = await h.db('api_keys').where({ user_id: user.id });
    const secret = user.key.slice('hg_live_'.length);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(secret);
  });
});

describe('bodies and dispatch', () => {
  it('answers 413 in the envelope for a JSON body over 1 MiB', async () => {
    const body = JSON.stringify({ name: 'big', soul_prompt: 'x'.repeat(1024 * 1024 + 10) });
    const res = await h.call('POST', '/v1/worker-genies', { key: user.key, body });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ success: false, error: { code: 'payload_too_large' } });
  });

  it('answers 400 in the envelope for malformed JSON', async () => {
    const res = await h.call('POST', '/v1/worker-genies', { key: user.key, body: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      success: false,
      error: { code: 'validation_error', message: 'Malformed JSON body' },
    });
  });

  it('answers 400 for a body that is not JSON, or not an object', async () => {
    const form = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(400);
    const array = await h.call('POST', '/v1/worker-genies', { key: user.key, body: '[1,2]' });
    expect(array.status).toBe(400);
    const badData = await h.call('POST', '/v1/worker-genies', { key: user.key, body: { action: 'create', data: 'x' } });
    expect(badData.status).toBe(400);
    expect(badData.body.error.details[0].field).toBe('data');
  });

  it('answers 400 naming the valid actions for an unknown action', async () => {
    const res = await h.call('POST', '/v1/worker-genies', { key: user.key, body: { action: 'explode' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.message).toContain(
      'list, all, get, create, update, delete, run, runs, get-run, cancel-run, store-credential, list-credentials, delete-credential, test-credential, inspect-mcp-server, trigger, rotate-webhook-secret, approvals, approve, deny, memory, models'
    );
  });

  it('answers 400 for a resource other than worker-genies', async () => {
    const res = await h.call('POST', '/v1/worker-genies', {
      key: user.key,
      body: { resource: 'users', action: 'list' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('resource');
  });

  it('answers 404 in the envelope for an unknown route, and 401 for it without a key', async () => {
    const res = await h.call('GET', '/v1/nothing-here', { key: user.key });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: { code: 'not_found' } });
    expect((await h.call('GET', '/v1/nothing-here')).status).toBe(401);
    expect((await h.call('GET', '/nothing')).body.error.code).toBe('not_found');
  });

  it('sets a request id on every answer', async () => {
    const res = await h.call('GET', '/v1/worker-genies', { key: user.key });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health', () => {
  it('answers 200 when Postgres and Temporal answer, without a key', async () => {
    const res = await h.call('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: { status: 'ok', checks: { postgres: 'ok', temporal: 'ok' } } });
  });

  it('answers 503 when Temporal is unreachable', async () => {
    const down = await startHarness({ temporalAddress: `127.0.0.1:${await freePort()}` });
    try {
      const res = await down.call('GET', '/healthz');
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({
        code: 'upstream_unavailable',
        details: { postgres: 'ok', temporal: 'unavailable' },
      });
    } finally {
      await down.close();
    }
  });
});

describe('OpenAPI', () => {
  it('describes every route the API serves, and needs no key', async () => {
    const res = await h.call('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const described = Object.entries(res.body.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`)
    );
    expect(described.sort()).toEqual(
      [
        'GET /healthz',
        'GET /v1/openapi.json',
        'GET /v1/worker-genies',
        'POST /v1/worker-genies',
        'GET /v1/worker-genies/{id}',
        'PATCH /v1/worker-genies/{id}',
        'DELETE /v1/worker-genies/{id}',
        'POST /v1/worker-genies/{id}/run',
        'GET /v1/worker-genies/{id}/runs',
        'POST /v1/worker-genies/{id}/events',
        'GET /v1/worker-genies/{id}/memory',
        'GET /v1/runs',
        'GET /v1/runs/{run_id}',
        'GET /v1/runs/{run_id}/stream',
        'POST /v1/runs/{run_id}/cancel',
        'GET /v1/credentials',
        'POST /v1/credentials',
        'POST /v1/credentials/{id}/test',
        'DELETE /v1/credentials/{id}',
        'GET /v1/data/agents',
        'POST /v1/data/agents',
        'GET /v1/data/conversations',
        'POST /v1/data/conversations',
        'GET /v1/data/leads',
        'POST /v1/data/leads',
        'GET /v1/data/lead_activities',
        'POST /v1/data/lead_activities',
        'GET /v1/data/call_logs',
        'POST /v1/data/call_logs',
        'GET /v1/data/documents',
        'POST /v1/data/documents',
        'GET /v1/data/email_logs',
        'POST /v1/data/email_logs',
        'GET /v1/notifications',
        'POST /v1/notifications/{id}/read',
        'POST /v1/events',
        'POST /v1/mcp-servers/inspect',
        'GET /v1/api-keys',
        'POST /v1/api-keys',
        'DELETE /v1/api-keys/{id}',
        'GET /v1/approvals',
        'GET /v1/approvals/{id}',
        'POST /v1/approvals/{id}/approve',
        'POST /v1/approvals/{id}/deny',
        'POST /v1/worker-genies/{id}/rotate-webhook-secret',
        'GET /v1/catalogue',
        'GET /v1/models',
        'GET /v1/account',
        'PATCH /v1/account',
        'POST /v1/worker-genies/{id}/evals',
        'GET /v1/worker-genies/{id}/evals',
        'GET /v1/evals/{id}',
        'POST /v1/evals/{id}/cancel',
        'POST /v1/evals/{id}/apply',
      ].sort()
    );
    const genie = res.body.components.schemas.GenieCreate;
    expect(genie.required).toEqual(expect.arrayContaining(['name', 'soul_prompt']));
    expect(genie.properties.max_turns).toMatchObject({ minimum: 1, maximum: 100 });
    expect(genie.properties.tools.items.enum).toEqual([
      'web_fetch',
      'memory_read',
      'memory_write',
      'query_data',
      'notify_owner',
    ]);
  });
});

describe('API keys', () => {
  it('lists, creates (shown once) and revokes the caller’s own keys', async () => {
    const owner = await h.createUser('keys');
    const created = await h.call('POST', '/v1/api-keys', { key: owner.key, body: { name: 'ci' } });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ name: 'ci', revoked_at: null, key: expect.stringMatching(/^hg_live_/) });
    const newKey: string = created.body.data.key;
    expect(newKey.startsWith(`hg_live_${created.body.data.prefix}`)).toBe(true);

    const listed = await h.call('GET', '/v1/api-keys', { key: newKey });
    expect(listed.status).toBe(200);
    expect(listed.body.data.items).toHaveLength(2);
    expect(JSON.stringify(listed.body)).not.toContain(newKey.slice('hg_live_'.length));
    for (const item of listed.body.data.items) {
      expect(Object.keys(item).sort()).toEqual(['created_at', 'id', 'last_used_at', 'name', 'prefix', 'revoked_at']);
    }

    const revoked = await h.call('DELETE', `/v1/api-keys/${created.body.data.id}`, { key: owner.key });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data.revoked_at).toEqual(expect.any(String));
    expect((await h.call('GET', '/v1/api-keys', { key: newKey })).status).toBe(401);
    expect((await h.call('GET', '/v1/api-keys', { key: owner.key })).status).toBe(200);
  });

  it('answers 404 for another user’s key and leaves it working', async () => {
    const mine = await h.createUser('keys-mine');
    const theirs = await h.createUser('keys-theirs');
    const [theirKey] = (await h.call('GET', '/v1/api-keys', { key: theirs.key })).body.data.items;
    const res = await h.call('DELETE', `/v1/api-keys/${theirKey.id}`, { key: mine.key });
    expect(res.status).toBe(404);
    expect((await h.call('GET', '/v1/api-keys', { key: theirs.key })).status).toBe(200);
  });

  it('refuses unknown fields and a bad name', async () => {
    expect((await h.call('POST', '/v1/api-keys', { key: user.key, body: { nmae: 'x' } })).status).toBe(400);
    expect((await h.call('POST', '/v1/api-keys', { key: user.key, body: { name: '' } })).status).toBe(400);
  });
});
