import { createApiKey, MAX_ACTIVE_API_KEYS } from '../../db/repositories/api-keys';
import { MAX_STREAMS_PER_KEY } from '../../api/services/stream-slots';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { createScriptedGenie, startRun } from '../support/runs';

/**
 * What one API key or one user may hold at once: run streams per key (counted across API
 * processes, closed when the key is revoked) and active API keys per user.
 */
let a: Harness;
let b: Harness;

beforeAll(async () => {
  // No worker polls their task queue: a run started here stays queued, and its stream stays open.
  a = await startHarness();
  b = await startHarness();
});
afterAll(async () => {
  await a.close();
  await b.close();
});

interface OpenStream {
  status: number;
  body: string;
  /** Resolves with everything the server sent once it ends the stream. */
  ended: Promise<string>;
  close(): void;
}

/** Opens a run stream and waits for its first event (or for its error answer). */
async function openStream(h: Harness, key: string, runId: string): Promise<OpenStream> {
  const abort = new AbortController();
  const res = await fetch(`${h.url}/v1/runs/${runId}/stream`, {
    headers: { authorization: `Bearer ${key}` },
    signal: abort.signal,
  });
  if (res.status !== 200) return { status: res.status, body: await res.text(), ended: Promise.resolve(''), close() {} };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('event: status')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      return text; // aborted by the test
    }
  })();
  return { status: 200, body: text, ended, close: () => abort.abort() };
}

async function queuedRun(h: Harness, user: TestUser): Promise<string> {
  const { genie } = await createScriptedGenie(h, user);
  return (await startRun(h, user, genie.id)).run_id;
}

describe('run streams per API key', () => {
  it(`holds at most ${MAX_STREAMS_PER_KEY} open per key across API processes, and frees a slot when one closes`, async () => {
    const user = await a.createUser('streamer');
    const runId = await queuedRun(a, user);
    const streams: OpenStream[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS_PER_KEY; i++) {
        const stream = await openStream(i % 2 ? b : a, user.key, runId);
        expect(stream.status).toBe(200);
        streams.push(stream);
      }
      for (const h of [a, b]) {
        const refused = await openStream(h, user.key, runId);
        expect(refused.status).toBe(429);
        expect(JSON.parse(refused.body)).toMatchObject({
          success: false,
          error: { code: 'rate_limited', message: expect.stringContaining(`${MAX_STREAMS_PER_KEY} run streams`) },
        });
      }
      // Another key of the same user has its own slots.
      const { key: second } = await createApiKey(a.db, user.id, 'second');
      const other = await openStream(a, second, runId);
      expect(other.status).toBe(200);
      other.close();

      streams.pop()!.close();
      let reopened: OpenStream | undefined;
      for (let i = 0; i < 50 && reopened?.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        reopened = await openStream(b, user.key, runId);
      }
      expect(reopened!.status).toBe(200);
      streams.push(reopened!);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it("closes a revoked key's open streams within 5 s, on every API process", async () => {
    const user = await a.createUser('revoked-streamer');
    const runId = await queuedRun(a, user);
    const { id: keyId, key } = await createApiKey(a.db, user.id, 'to revoke');
    const streams = [await openStream(a, key, runId), await openStream(b, key, runId)];
    expect(streams.map((s) => s.status)).toEqual([200, 200]);
    const revoked = Date.now();
    expect((await a.call('DELETE', `/v1/api-keys/${keyId}`, { key: user.key })).status).toBe(200);
    const texts = await Promise.all(streams.map((s) => s.ended));
    expect(Date.now() - revoked).toBeLessThan(5_000);
    for (const text of texts) expect(text).toContain('event: error');
    expect((await openStream(a, key, runId)).status).toBe(401);
    // The other keys' streams go on.
    const kept = await openStream(b, user.key, runId);
    expect(kept.status).toBe(200);
    kept.close();
  });
});

describe('API keys per user', () => {
  it(`allows ${MAX_ACTIVE_API_KEYS} active keys, answers 409 beyond, and counts revoked ones out`, async () => {
    const user = await a.createUser('collector'); // holds one key already
    for (let i = 1; i < MAX_ACTIVE_API_KEYS; i++) await createApiKey(a.db, user.id, `k${i}`);
    const refused = await a.call('POST', '/v1/api-keys', { key: user.key, body: { name: 'one too many' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining(`${MAX_ACTIVE_API_KEYS} active API keys`),
    });
    const keys = (await a.call('GET', '/v1/api-keys', { key: user.key })).body.data.items;
    expect(keys).toHaveLength(MAX_ACTIVE_API_KEYS);
    const spare = keys.find((k: any) => k.name === 'k1');
    expect((await a.call('DELETE', `/v1/api-keys/${spare.id}`, { key: user.key })).status).toBe(200);
    const created = await a.call('POST', '/v1/api-keys', { key: user.key, body: { name: 'replacement' } });
    expect(created.status).toBe(201);
    expect(created.body.data.key).toMatch(/^hg_live_/);
  });

  it('counts concurrent creations together', async () => {
    const user = await a.createUser('racer');
    for (let i = 1; i < MAX_ACTIVE_API_KEYS - 2; i++) await createApiKey(a.db, user.id, `k${i}`);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a : b).call('POST', '/v1/api-keys', { key: user.key, body: { name: `race${i}` } })
      )
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 201, 409, 409, 409, 409]);
  });
});
