import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

/** One Server-Sent Event: its name, its data (sent as JSON) and, when it has one, its id. */
export interface SseMessage {
  event: string;
  data: unknown;
  id?: number | string;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** A comment line this often keeps proxies from closing an idle stream. */
const SSE_KEEPALIVE_MS = 15_000;

const LINE_BREAK = /\r\n|\r|\n/;

function singleLine(field: string, value: string): string {
  if (LINE_BREAK.test(value)) throw new Error(`An SSE ${field} cannot span lines: ${JSON.stringify(value)}`);
  return value;
}

/**
 * The wire form of one event: `id:` (when given), `event:`, one `data:` line per line of `data`
 * (a client joins them again with line feeds), and the blank line that ends it.
 */
export function formatSse(message: { event: string; data: string; id?: number | string }): string {
  const id = message.id === undefined ? '' : `id: ${singleLine('id', String(message.id))}\n`;
  const data = message.data
    .split(LINE_BREAK)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `${id}event: ${singleLine('event', message.event)}\n${data}\n`;
}

/** A comment (which clients ignore, proxies count as traffic), one `:` line per line of text. */
export function formatSseComment(text: string): string {
  return `${text
    .split(LINE_BREAK)
    .map((line) => `: ${line}\n`)
    .join('')}\n`;
}

/**
 * Answers the request with the events `open` yields, as Server-Sent Events (data as JSON), with a
 * keepalive comment every `keepaliveMs`, and ends the response when they end. Nothing is written
 * before the first event: what `open`'s events throw until then (404, 429) is answered as any
 * error is. When the client goes away, `signal` aborts and the events are stopped (`return`).
 */
export async function streamSse(
  res: ServerResponse,
  open: (signal: AbortSignal) => AsyncIterable<SseMessage>,
  options: { keepaliveMs?: number } = {}
): Promise<void> {
  const hangup = new AbortController();
  const onClose = () => hangup.abort();
  res.on('close', onClose);
  const events = open(hangup.signal)[Symbol.asyncIterator]();
  let next: IteratorResult<SseMessage>;
  try {
    next = await events.next();
  } catch (err) {
    res.off('close', onClose);
    throw err;
  }
  if (hangup.signal.aborted) {
    res.off('close', onClose);
    if (!next.done) await events.return?.();
    return;
  }
  res.writeHead(200, SSE_HEADERS);
  const keepalive = setInterval(
    () => res.write(formatSseComment('keepalive')),
    options.keepaliveMs ?? SSE_KEEPALIVE_MS
  );
  try {
    while (!next.done && !hangup.signal.aborted) {
      const { event, data, id } = next.value;
      if (!res.write(formatSse({ event, id, data: JSON.stringify(data) ?? 'null' }))) {
        // A slow reader: wait until it took this in (or left) before reading on.
        await once(res, 'drain', { signal: hangup.signal }).catch(() => undefined);
      }
      if (hangup.signal.aborted) break;
      next = await events.next();
    }
  } finally {
    clearInterval(keepalive);
    res.off('close', onClose);
    if (!next.done) await events.return?.();
    res.end();
  }
}
