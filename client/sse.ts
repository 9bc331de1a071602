// Server-Sent Events from a streamed body, parsed by eventsource-parser (no Node APIs: runs in browsers).
import { createParser } from 'eventsource-parser';

/** One Server-Sent Event as it came: its name (`message` when it has none), its data, its id. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * The events of a streamed body, as they arrive; comments (such as keepalives) go to `onComment`,
 * trimmed. Ends when the server closes the stream; returning early (a `break`) cancels the body.
 */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
  onComment: (text: string) => void = () => undefined
): AsyncGenerator<SseEvent> {
  const ready: SseEvent[] = [];
  const parser = createParser({
    onEvent: (message) => ready.push({ event: message.event ?? 'message', data: message.data, id: message.id }),
    onComment: (comment) => onComment(comment.trim()),
  });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let done = false;
  try {
    while (!done) {
      const chunk = await reader.read();
      done = chunk.done;
      parser.feed(done ? decoder.decode() : decoder.decode(chunk.value, { stream: true }));
      while (ready.length > 0) yield ready.shift()!;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * Reads Server-Sent Events from a streamed body, calling `onEvent` for each (comments, such as
 * keepalives, go to `onComment`). Resolves when the server closes the stream.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: SseEvent) => void,
  onComment?: (text: string) => void
): Promise<void> {
  for await (const event of sseEvents(body, onComment)) onEvent(event);
}
