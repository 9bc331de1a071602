import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatSse, formatSseComment, streamSse, type SseMessage } from '../../api/sse';
import { readEvents, type SseEvent } from '../../client/sse';

/**
 * The SSE writer: how one event and one comment look on the wire, and how `streamSse` answers a
 * request from an async iterable (headers only with the first event, keepalives, the end, a
 * client that hangs up).
 */
describe('formatSse', () => {
  it('writes id, event and data, and the blank line that ends the event', () => {
    expect(formatSse({ event: 'step', id: 7, data: '{"seq":7}' })).toBe('id: 7\nevent: step\ndata: {"seq":7}\n\n');
    expect(formatSse({ event: 'status', data: '{}' })).toBe('event: status\ndata: {}\n\n');
  });

  it('splits multi-line data into one data line per line, whatever the line break', () => {
    expect(formatSse({ event: 'note', data: 'one\ntwo\r\nthree\rfour' })).toBe(
      'event: note\ndata: one\ndata: two\ndata: three\ndata: four\n\n'
    );
    expect(formatSse({ event: 'note', data: '' })).toBe('event: note\ndata: \n\n');
    expect(formatSse({ event: 'note', data: 'trailing\n' })).toBe('event: note\ndata: trailing\ndata: \n\n');
  });

  it('refuses an event name or id that would span lines', () => {
    expect(() => formatSse({ event: 'a\nevent: b', data: 'x' })).toThrow(/cannot span lines/);
    expect(() => formatSse({ event: 'a', id: '1\n2', data: 'x' })).toThrow(/cannot span lines/);
  });

  it('round-trips through an SSE reader: data lines join again with line feeds', async () => {
    const wire =
      formatSse({ event: 'note', id: 3, data: 'first line\nsecond: line\n: not a comment' }) +
      formatSseComment('keepalive') +
      formatSse({ event: 'step', id: 4, data: JSON.stringify({ text: 'a\nb' }) });
    const events: SseEvent[] = [];
    const comments: string[] = [];
    await readEvents(
      new Blob([wire]).stream(),
      (e) => events.push(e),
      (c) => comments.push(c)
    );
    expect(events).toEqual([
      { event: 'note', id: '3', data: 'first line\nsecond: line\n: not a comment' },
      { event: 'step', id: '4', data: '{"text":"a\\nb"}' },
    ]);
    expect(comments).toEqual(['keepalive']);
  });
});

describe('formatSseComment', () => {
  it('writes a comment line per line of text', () => {
    expect(formatSseComment('keepalive')).toBe(': keepalive\n\n');
    expect(formatSseComment('two\nlines')).toBe(': two\n: lines\n\n');
  });
});

describe('streamSse', () => {
  let server: http.Server;
  let url: string;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      handler(req, res).catch((err: Error) => {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('frames each event as JSON with its id, sends keepalives, and ends the response after the last', async () => {
    handler = (_req, res) =>
      streamSse(
        res,
        async function* () {
          yield { event: 'status', data: { status: 'running' } };
          await sleep(120);
          yield { event: 'step', id: 1, data: { seq: 1, text: 'multi\nline' } };
          yield { event: 'end', data: { status: 'succeeded' } };
        },
        { keepaliveMs: 50 }
      );
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const body = await res.text(); // resolves: the response ended
    const frames = body.split('\n\n').filter(Boolean);
    expect(frames[0]).toBe('event: status\ndata: {"status":"running"}');
    expect(frames.filter((f) => f === ': keepalive').length).toBeGreaterThanOrEqual(1);
    expect(frames.slice(-2)).toEqual([
      'id: 1\nevent: step\ndata: {"seq":1,"text":"multi\\nline"}',
      'event: end\ndata: {"status":"succeeded"}',
    ]);
  });

  it('writes nothing before the first event: what is thrown until then is answered as an error', async () => {
    let opened = false;
    handler = (_req, res) =>
      streamSse(res, async function* () {
        opened = true;
        await sleep(10);
        if (opened) throw new Error('no such run'); // as a run stream's 404 or 429
        yield { event: 'never', data: null };
      });
    const res = await fetch(url);
    expect(opened).toBe(true);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no such run' });
  });

  it('stops the events (signal and return) when the client hangs up', async () => {
    let finished: () => void;
    const stopped = new Promise<void>((resolve) => (finished = resolve));
    let aborted = false;
    handler = (_req, res) =>
      streamSse(res, async function* (signal): AsyncGenerator<SseMessage> {
        signal.addEventListener('abort', () => (aborted = true));
        try {
          for (let i = 1; ; i++) {
            yield { event: 'tick', id: i, data: i };
            await sleep(20);
          }
        } finally {
          finished();
        }
      });
    const controller = new AbortController();
    const res = await fetch(url, { signal: controller.signal });
    const seen: string[] = [];
    await readEvents(res.body!, (e) => {
      seen.push(e.id!);
      if (seen.length === 3) controller.abort();
    }).catch(() => undefined);
    await stopped; // the generator's finally ran: whatever it held is released
    expect(aborted).toBe(true);
    expect(seen).toEqual(['1', '2', '3']);
  });

  it('stops events that are waiting, not yielding, when the client hangs up', async () => {
    let finished: () => void;
    const stopped = new Promise<void>((resolve) => (finished = resolve));
    handler = (_req, res) =>
      streamSse(res, async function* (signal): AsyncGenerator<SseMessage> {
        try {
          yield { event: 'status', data: {} };
          // Waits for the next change, or for the hang-up.
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
        } finally {
          finished();
        }
      });
    const controller = new AbortController();
    const res = await fetch(url, { signal: controller.signal });
    await readEvents(res.body!, () => controller.abort()).catch(() => undefined);
    await stopped;
  });
});
