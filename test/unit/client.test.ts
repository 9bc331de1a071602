import fs from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../../api/openapi';
import { GenieApiError, GenieClient, OPERATIONS, paginate, type RunStreamEvent } from '../../client';

/**
 * The typed client cannot drift from the API: its operations are the document's, each method sends
 * the request its operation says, and its errors, streams and pages behave as documented. (The
 * integration test drives it against the real API.)
 */
const ROOT = path.resolve(__dirname, '../..');
const UUID = '0b5d7c8e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';

interface Sent {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

/** A fetch that records each request and answers with `answer(request, index)`. */
function fakeFetch(answer: (sent: Sent, index: number) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    if (input instanceof Request) throw new Error('the client sends a URL string');
    const request: Sent = {
      method: init.method ?? 'GET',
      url: new URL(input),
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
    };
    sent.push(request);
    return answer(request, sent.length - 1);
  };
  return { sent, fetch };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const ok = (data: unknown, status = 200) => json(status, { success: true, data });
const sse = (text: string) => new Response(text, { headers: { 'content-type': 'text/event-stream' } });
const frame = (event: string, data: unknown, id?: number) =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function documentOperations() {
  const document = openApiDocument() as { paths: Record<string, Record<string, { operationId: string }>> };
  return Object.entries(document.paths).flatMap(([route, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      operationId: operation.operationId,
      method: method.toUpperCase(),
      path: route,
    }))
  );
}

describe('GenieClient against the OpenAPI document', () => {
  it('has an operation for every operationId of the document, and none that it does not have', () => {
    const documented = new Set(documentOperations().map((operation) => operation.operationId));
    const client = new Set(Object.values(OPERATIONS).map((operation) => operation.operationId));
    expect([...client].sort()).toEqual([...documented].sort());
  });

  it('calls each operation with the method and path the document gives it', () => {
    const documented = new Map(documentOperations().map((operation) => [operation.operationId, operation]));
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      expect({ name, ...operation }).toEqual({ name, ...documented.get(operation.operationId) });
    }
  });

  it('has one method per entry of OPERATIONS, and no other', () => {
    const methods = Object.getOwnPropertyNames(GenieClient.prototype).filter((name) => name !== 'constructor');
    expect(methods.sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  it('sends each method’s request to its operation’s method and path', async () => {
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      const { sent, fetch } = fakeFetch(() =>
        name === 'streamRun' ? sse(frame('end', { id: UUID, status: 'succeeded' })) : ok({})
      );
      const client = new GenieClient({ baseUrl: 'http://api.test/', apiKey: 'hg_live_k', fetch });
      const args = (operation.path.match(/\{\w+\}/g) ?? []).map(() => UUID);
      const result = (client as any)[name](...args);
      if (Symbol.asyncIterator in result) for await (const _ of result);
      else await result;
      expect(sent).toHaveLength(1);
      expect({ name, method: sent[0]!.method, path: decodeURIComponent(sent[0]!.url.pathname) }).toEqual({
        name,
        method: operation.method,
        path: operation.path.replace(/\{\w+\}/g, UUID),
      });
      expect(sent[0]!.headers.get('authorization')).toBe('Bearer hg_live_k');
    }
  });
});

describe('GenieClient requests', () => {
  it('sends bodies as JSON, queries without undefined fields, path parameters encoded, and the Idempotency-Key', async () => {
    const { sent, fetch } = fakeFetch(() => ok({}));
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    await client.runGenie(UUID, { input: { lead: 7 } }, { idempotencyKey: 'nightly-2024-05-01' });
    await client.listRuns({ limit: 2, cursor: undefined, status: 'succeeded' });
    await client.listNotifications();
    await client.deleteCredential('crm key/../x', { force: true });
    await client.readLeads({ filters: { score: ['gte.50', 'lte.90'], status: 'in.new,contacted' }, limit: 5 });
    expect(sent[0]!.headers.get('idempotency-key')).toBe('nightly-2024-05-01');
    expect(sent[0]!.headers.get('content-type')).toBe('application/json');
    expect(sent[0]!.body).toEqual({ input: { lead: 7 } });
    expect(sent[1]!.url.search).toBe('?limit=2&status=succeeded');
    expect(sent[1]!.headers.get('content-type')).toBeNull();
    expect(sent[2]!.url.search).toBe('');
    expect(sent[3]!.url.pathname).toBe('/v1/credentials/crm%20key%2F..%2Fx');
    expect(sent[3]!.url.search).toBe('?force=true');
    expect([...sent[4]!.url.searchParams]).toEqual([
      ['score', 'gte.50'],
      ['score', 'lte.90'],
      ['status', 'in.new,contacted'],
      ['limit', '5'],
    ]);
  });

  it('returns the data of the success envelope, and the OpenAPI document as it is', async () => {
    const { fetch } = fakeFetch((sent) =>
      sent.url.pathname === '/v1/openapi.json' ? json(200, { openapi: '3.1.0' }) : ok({ run_id: UUID }, 202)
    );
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    expect(await client.runGenie(UUID)).toEqual({ run_id: UUID });
    expect(await client.getOpenApi()).toEqual({ openapi: '3.1.0' });
  });

  it('refuses a missing path parameter before sending anything', async () => {
    const { sent, fetch } = fakeFetch(() => ok({}));
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    await expect(client.getRun('')).rejects.toThrow('getRun: run_id is missing');
    expect(sent).toHaveLength(0);
  });

  it('walks every page with paginate', async () => {
    const { sent, fetch } = fakeFetch((request) =>
      request.url.searchParams.get('cursor') === 'c2'
        ? ok({ items: [{ id: 3 }] })
        : ok({ items: [{ id: 1 }, { id: 2 }], next_cursor: 'c2' })
    );
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    const ids: unknown[] = [];
    for await (const run of paginate((cursor) => client.listRuns({ cursor, limit: 2 }))) ids.push(run.id);
    expect(ids).toEqual([1, 2, 3]);
    expect(sent.map((request) => request.url.search)).toEqual(['?limit=2', '?cursor=c2&limit=2']);
  });
});

describe('GenieApiError', () => {
  it('carries the status, code, message, details and Retry-After of an error answer', async () => {
    const details = [{ field: 'max_turns', message: 'Too big: expected number to be <=100' }];
    const { fetch } = fakeFetch((_sent, index) =>
      index === 0
        ? json(400, { success: false, error: { code: 'validation_error', message: 'Genie is invalid', details } })
        : json(429, { success: false, error: { code: 'rate_limited', message: 'Slow down.' } }, { 'retry-after': '7' })
    );
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    const invalid = await client.createGenie({ name: 'x', soul_prompt: 'y', max_turns: 1000 }).catch((err) => err);
    expect(invalid).toBeInstanceOf(GenieApiError);
    expect(invalid).toMatchObject({ status: 400, code: 'validation_error', message: 'Genie is invalid', details });
    expect(invalid.retryAfter).toBeUndefined();
    expect(invalid.fieldProblems).toEqual(details);
    const limited = await client.listGenies().catch((err) => err);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited', message: 'Slow down.', retryAfter: 7 });
  });

  it('is bad_response for an answer that is not the API’s, and network_error (status 0) for none', async () => {
    const html = new GenieClient({
      baseUrl: 'http://api.test',
      apiKey: 'k',
      fetch: fakeFetch(() => new Response('<html>Bad gateway</html>', { status: 502 })).fetch,
    });
    await expect(html.getCatalogue()).rejects.toMatchObject({ status: 502, code: 'bad_response', message: 'HTTP 502' });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const down = new GenieClient({
      baseUrl: 'http://api.test',
      apiKey: 'k',
      fetch: fakeFetch(() => Promise.reject(refused)).fetch,
    });
    const error = await down.getCatalogue().catch((err) => err);
    expect(error).toBeInstanceOf(GenieApiError);
    expect(error).toMatchObject({ status: 0, code: 'network_error', cause: refused });
    expect(error.message).toBe('Cannot reach http://api.test: fetch failed (ECONNREFUSED)');
  });
});

describe('GenieClient.streamRun', () => {
  const run = (status: string) => ({ id: UUID, status });

  it('yields typed events with their data parsed, and ends after end', async () => {
    const { sent, fetch } = fakeFetch(() =>
      sse(
        frame('status', run('running')) +
          ': keepalive\n\n' +
          frame('step', { seq: 1, kind: 'model' }, 1) +
          frame('novelty', { ignored: true }) +
          frame('end', run('succeeded'))
      )
    );
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    const events: RunStreamEvent[] = [];
    for await (const event of client.streamRun(UUID, { lastEventId: 4 })) events.push(event);
    expect(events).toEqual([
      { event: 'status', data: run('running') },
      { event: 'step', data: { seq: 1, kind: 'model' }, id: '1' },
      { event: 'end', data: run('succeeded') },
    ]);
    expect(sent[0]!.headers.get('last-event-id')).toBe('4');
    expect(sent[0]!.headers.get('accept')).toBe('text/event-stream');
  });

  it('reconnects after a drop, resuming after the last event with Last-Event-ID', async () => {
    const { sent, fetch } = fakeFetch((_request, index) => {
      if (index === 0) return sse(frame('status', run('running')) + frame('step', { seq: 1 }, 1)); // closes early
      if (index === 1) return Promise.reject(new TypeError('fetch failed')); // the API restarting
      return sse(frame('step', { seq: 2 }, 2) + frame('end', run('succeeded')));
    });
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    const seen: string[] = [];
    for await (const event of client.streamRun(UUID, { reconnectDelayMs: 1 })) seen.push(event.event);
    expect(seen).toEqual(['status', 'step', 'step', 'end']);
    expect(sent.map((request) => request.headers.get('last-event-id'))).toEqual([null, '1', '1']);
  });

  it('throws the API’s refusal at once, without reconnecting', async () => {
    const { sent, fetch } = fakeFetch(() =>
      json(404, { success: false, error: { code: 'not_found', message: 'Run not found' } })
    );
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    await expect(client.streamRun(UUID).next()).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(sent).toHaveLength(1);
  });

  it('gives up after maxReconnects drops in a row with no event between', async () => {
    const { sent, fetch } = fakeFetch(() => Promise.reject(new TypeError('fetch failed')));
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    await expect(client.streamRun(UUID, { maxReconnects: 2, reconnectDelayMs: 1 }).next()).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
    });
    expect(sent).toHaveLength(3);
  });

  it('closes the connection when the loop stops early, and stops on its signal', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(frame('status', run('running'))));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { fetch } = fakeFetch(() => new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
    const client = new GenieClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch });
    for await (const event of client.streamRun(UUID)) {
      expect(event.event).toBe('status');
      break;
    }
    expect(cancelled).toBe(true);

    const controller = new AbortController();
    const waiting = new GenieClient({
      baseUrl: 'http://api.test',
      apiKey: 'k',
      fetch: fakeFetch(() => sse(frame('status', run('running')))).fetch,
    });
    const stopped = (async () => {
      for await (const _ of waiting.streamRun(UUID, { signal: controller.signal, reconnectDelayMs: 60_000 }));
    })();
    setTimeout(() => controller.abort(new Error('enough')), 20);
    await expect(stopped).rejects.toThrow('enough');
  });
});

describe('the README’s typed-client example', () => {
  it('is client/example.ts, word for word (which typecheck compiles)', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### A typed client'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(fs.readFileSync(path.join(ROOT, 'client/example.ts'), 'utf8'));
  });
});
