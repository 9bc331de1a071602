import { readEvents, type SseEvent } from '../../client/sse';

export interface StreamRead {
  status: number;
  events: Array<SseEvent & { json: any }>;
  comments: string[];
  headers: Headers;
}

/** Reads a run's stream until the server closes it (or `timeoutMs`, then aborts). */
export async function readRunStream(
  url: string,
  key: string,
  options: { lastEventId?: number; timeoutMs?: number; onEvent?: (event: SseEvent) => void } = {}
): Promise<StreamRead> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 30_000);
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'text/event-stream' };
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: StreamRead['events'] = [];
  const comments: string[] = [];
  try {
    if (res.ok && res.body) {
      await readEvents(
        res.body,
        (event) => {
          events.push({ ...event, json: JSON.parse(event.data) });
          options.onEvent?.(event);
        },
        (comment) => comments.push(comment)
      );
    } else {
      events.push({ event: 'body', data: await res.text(), json: null });
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  return { status: res.status, events, comments, headers: res.headers };
}
