import { Writable } from 'node:stream';
import { redactUrl } from '../../api/middleware/request-log';
import { scrubSecrets } from '../../platform/logger';
import type { TestUser } from '../support/harness';
import { useStack } from '../support/stack';

/** Wherever a client puts an API key, no log line carries it. */
const lines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString());
    done();
  },
});

const { h, createUser } = useStack({ fake: false, harness: { logStream } });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('logs');
});

describe('API keys in logs', () => {
  it('never logs a key, in any header, cookie or query parameter, valid or not', async () => {
    const wrong = `hg_live_${'Q'.repeat(40)}`;
    for (const key of [user.key, wrong]) {
      const secret = key.slice('hg_live_'.length);
      const attempts: Array<[string, Record<string, string>]> = [
        [`/v1/worker-genies?api_key=${key}`, {}],
        [`/v1/worker-genies?token=${key}&limit=5`, {}],
        [`/v1/worker-genies?key=${encodeURIComponent(key)}`, {}],
        [`/v1/worker-genies?q=${key}`, {}],
        [`/v1/worker-genies/${key}`, { authorization: `Bearer ${key}` }],
        ['/v1/worker-genies', { 'x-api-key': key }],
        ['/v1/worker-genies', { cookie: `session=${key}; other=1` }],
        ['/v1/worker-genies', { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` }],
        ['/v1/worker-genies', { authorization: `Token ${key}` }],
        ['/v1/worker-genies', { 'x-custom': key, referer: `https://x.example/?k=${key}` }],
      ];
      for (const [path, headers] of attempts) await h.call('GET', path, { headers });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const log = lines.join('');
      expect(log).toContain('/v1/worker-genies'); // the requests were logged
      expect(log).not.toContain(secret);
      expect(log).not.toContain(encodeURIComponent(secret));
    }
  });

  it('never logs a key percent-encoded in the URL, nor any part of it', async () => {
    lines.length = 0;
    const secret = user.key.slice('hg_live_'.length);
    const encoded = [
      `hg%5Flive%5F${secret}`,
      `hg%5flive%5f${secret.replace(/-/g, '%2D').replace(/_/g, '%5F')}`,
      `hg%255Flive%255F${secret.replace(/-/g, '%252d').replace(/_/g, '%255f')}`,
    ];
    for (const key of encoded) {
      for (const path of [
        `/v1/worker-genies?api_key=${key}`,
        `/v1/worker-genies?q=${key}&limit=5`,
        `/v1/worker-genies/${key}`,
      ]) {
        await h.call('GET', path, { headers: { referer: `https://x.example/?k=${key}` } });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const log = lines.join('');
    expect(log).toContain('/v1/worker-genies?q=hg_live_[REDACTED]&limit=5');
    // No run of the secret long enough to narrow it down, as sent or encoded.
    for (let i = 0; i + 6 <= secret.length; i++) {
      const part = secret.slice(i, i + 6);
      const parts = [part, part.replace(/_/g, '%5F'), part.replace(/-/g, '%2D')];
      for (const written of parts) expect([written, log.includes(written)]).toEqual([written, false]);
    }
  });

  it('writes one line per request that says method, redacted URL, status and time', async () => {
    lines.length = 0;
    await h.call('GET', `/v1/worker-genies?limit=2&api_key=${user.key}`, {
      headers: { authorization: `Bearer ${user.key}` },
    });
    await h.call('GET', '/v1/no-such-thing', { headers: { authorization: `Bearer ${user.key}` } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const entries = lines.map((line) => JSON.parse(line) as { msg: string; level: number; req?: unknown });
    const requests = entries.filter((entry) => entry.req);
    expect(requests.map((entry) => entry.msg)).toEqual([
      expect.stringMatching(/^GET \/v1\/worker-genies\?limit=2&api_key=\[REDACTED\] 400 \d+ ms$/),
      expect.stringMatching(/^GET \/v1\/no-such-thing 404 \d+ ms$/),
    ]);
    expect(requests.every((entry) => entry.level === 30)).toBe(true);
  });

  it('redacts by value shape and by parameter name', () => {
    expect(scrubSecrets(`{"msg":"bad key hg_live_${'a'.repeat(40)}"}`)).toBe('{"msg":"bad key hg_live_[REDACTED]"}');
    expect(scrubSecrets('whsec_c2VjcmV0LXNlY3JldA== x')).toBe('whsec_[REDACTED] x');
    expect(redactUrl('/v1/x?limit=5&access_token=abc&Api-Key=def&cursor=1')).toBe(
      '/v1/x?limit=5&access_token=[REDACTED]&Api-Key=[REDACTED]&cursor=1'
    );
    expect(redactUrl('/v1/x')).toBe('/v1/x');
  });
});
