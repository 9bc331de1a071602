import { startHarness, type Harness, type TestUser } from '../support/harness';

/**
 * Rate limits are shared by every API process (counted in Postgres): two apps on one database
 * count together, per key, and per address for failed authentication.
 */
const limits = { perKeyPerMinute: 6, failedAuthPerMinute: 4 };
let a: Harness;
let b: Harness;
let user: TestUser;

beforeAll(async () => {
  a = await startHarness({ rateLimits: limits });
  b = await startHarness({ rateLimits: limits });
  user = await a.createUser('limited');
});
beforeEach(async () => {
  // Counters of earlier test files on this address would count against these low limits.
  await a.db('rate_limits').delete();
});
afterAll(async () => {
  await a.close();
  await b.close();
});

describe('per-key limit', () => {
  it('counts one key across API processes and answers 429 with Retry-After and RateLimit headers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await a.call('GET', '/v1/worker-genies', { key: user.key })).status);
    for (let i = 0; i < 2; i++) statuses.push((await b.call('GET', '/v1/worker-genies', { key: user.key })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const ok = await a.call('GET', '/v1/credentials', { key: user.key });
    expect(ok.status).toBe(429);
    expect(ok.body).toMatchObject({ success: false, error: { code: 'rate_limited' } });
    expect(Number(ok.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(ok.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(ok.headers.get('ratelimit-policy')).toBe('"per-key";q=6;w=60');
    expect(ok.headers.get('ratelimit')).toMatch(/^"per-key";r=0;t=\d+$/);
    // Another key of the same user has its own budget.
    const other = await a.createUser('unlimited');
    expect((await b.call('GET', '/v1/worker-genies', { key: other.key })).status).toBe(200);
  });

  it('tells every answer how much is left', async () => {
    const fresh = await a.createUser('headers');
    const res = await a.call('GET', '/v1/worker-genies', { key: fresh.key });
    expect(res.headers.get('ratelimit')).toMatch(/^"per-key";r=5;t=\d+$/);
  });
});

describe('failed authentication per address', () => {
  it('counts missing and wrong keys per address across processes, and refuses them with 429', async () => {
    const bad = `hg_live_${'b'.repeat(40)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) statuses.push((await a.call('GET', '/v1/worker-genies', { key: bad })).status);
    statuses.push((await b.call('GET', '/v1/worker-genies', { key: `${bad}x` })).status);
    statuses.push((await b.call('GET', '/v1/worker-genies')).status); // no key at all counts too
    expect(statuses).toEqual([401, 401, 401, 401]);
    const over = await a.call('GET', '/v1/worker-genies', { key: bad });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('rate_limited');
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await b.call('GET', '/v1/worker-genies')).status).toBe(429);
  });

  it('never refuses a valid key for its address, however often others fail from it', async () => {
    const fresh = await a.createUser('shared-address');
    const guess = `${fresh.key.slice(0, 'hg_live_'.length + 12)}${'A'.repeat(28)}`; // its prefix, another secret
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await a.call('GET', '/v1/worker-genies', { key: guess })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    expect((await a.call('GET', '/v1/worker-genies', { key: fresh.key })).status).toBe(200);
    expect((await b.call('GET', '/v1/worker-genies', { key: fresh.key })).status).toBe(200);
    expect((await b.call('GET', '/v1/worker-genies', { key: guess })).status).toBe(429);
  });

  describe('behind a reverse proxy', () => {
    let proxied: Harness;
    beforeAll(async () => {
      proxied = await startHarness({ rateLimits: limits, trustProxy: ['loopback'] });
    });
    afterAll(async () => {
      await proxied.close();
    });

    const from = (h: Harness, client: string) =>
      h.call('GET', '/v1/worker-genies', { key: `hg_live_${'d'.repeat(40)}`, headers: { 'x-forwarded-for': client } });

    it('counts the client X-Forwarded-For names when GENIE_TRUST_PROXY trusts the proxy', async () => {
      for (let i = 0; i < 4; i++) expect((await from(proxied, '203.0.113.5')).status).toBe(401);
      expect((await from(proxied, '203.0.113.5')).status).toBe(429);
      expect((await from(proxied, '203.0.113.6')).status).toBe(401); // another client behind the proxy
    });

    it('ignores X-Forwarded-For without it: a forged header escapes nothing', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await from(a, `198.51.100.${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
    });
  });
});

describe('the counters', () => {
  it('are kept in an unlogged table: no WAL flush per request', async () => {
    const { rows } = await a.db.raw(`SELECT relpersistence FROM pg_class WHERE relname = 'rate_limits'`);
    expect(rows).toEqual([{ relpersistence: 'u' }]);
  });
});
