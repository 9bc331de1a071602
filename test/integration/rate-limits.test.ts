import { CLEAN_ADDRESS_TTL_MS } from '../../api/middleware/rate-limit';
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
  it('refuses an address that keeps failing, even with a good key, across processes', async () => {
    const bad = `hg_live_${'b'.repeat(40)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) statuses.push((await a.call('GET', '/v1/worker-genies', { key: bad })).status);
    for (let i = 0; i < 2; i++) statuses.push((await b.call('GET', '/v1/worker-genies', { key: `${bad}x` })).status);
    // A request that tries no key is not a failed attempt: it never counts, and is always 401.
    for (let i = 0; i < 10; i++) statuses.push((await b.call('GET', '/v1/worker-genies')).status);
    expect(statuses).toEqual(Array(14).fill(401));
    const over = await a.call('GET', '/v1/worker-genies', { key: bad });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    const good = await b.call('GET', '/v1/worker-genies', { key: user.key });
    expect(good.status).toBe(429);
    expect(good.body.error.code).toBe('rate_limited');
    expect((await b.call('GET', '/v1/worker-genies')).status).toBe(401);
  });

  it('refuses an address as soon as it fails too often, though it was just served, wrong secrets of a known key included', async () => {
    const fresh = await a.createUser('served-then-failing');
    expect((await a.call('GET', '/v1/worker-genies', { key: fresh.key })).status).toBe(200);
    // The known key's lookup prefix with another secret: a guess, never answered from memory.
    const guess = `${fresh.key.slice(0, 'hg_live_'.length + 12)}${'A'.repeat(28)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await a.call('GET', '/v1/worker-genies', { key: guess })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect((await a.call('GET', '/v1/worker-genies', { key: fresh.key })).status).toBe(429);
  });

  it('refuses a good key from an address another process blocked, once the clean-address time has passed', async () => {
    const fresh = await a.createUser('blocked-elsewhere');
    expect((await a.call('GET', '/v1/worker-genies', { key: fresh.key })).status).toBe(200);
    const bad = `hg_live_${'c'.repeat(40)}`;
    for (let i = 0; i < 5; i++) await b.call('GET', '/v1/worker-genies', { key: bad });
    expect((await b.call('GET', '/v1/worker-genies', { key: fresh.key })).status).toBe(429);
    const now = Date.now.bind(Date);
    const later = jest.spyOn(Date, 'now').mockImplementation(() => now() + CLEAN_ADDRESS_TTL_MS + 1);
    try {
      expect((await a.call('GET', '/v1/worker-genies', { key: fresh.key })).status).toBe(429);
    } finally {
      later.mockRestore();
    }
  });
});

describe('the counters', () => {
  it('are kept in an unlogged table: no WAL flush per request', async () => {
    const { rows } = await a.db.raw(`SELECT relpersistence FROM pg_class WHERE relname = 'rate_limits'`);
    expect(rows).toEqual([{ relpersistence: 'u' }]);
  });
});
