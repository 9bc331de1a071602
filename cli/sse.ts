/** One Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads Server-Sent Events from a streamed body, calling `onEvent` for each (comments, such as
 * keepalives, go to `onComment`). Resolves when the server closes the stream.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: SseEvent) => void,
  onComment: (text: string) => void = () => undefined
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  let current: Partial<SseEvent> & { data?: string } = {};
  const dispatch = () => {
    if (current.data !== undefined) onEvent({ event: current.event ?? 'message', data: current.data, id: current.id });
    current = {};
  };
  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return onComment(text.slice(1).trim());
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
    else if (field === 'event') current.event = value;
    else if (field === 'id') current.id = value;
  };
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const length = buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1;
      line(buffer.slice(0, newline));
      buffer = buffer.slice(newline + length);
    }
  }
}
