// The console's only way to the server: the /v1 API with the signed-in key, kept in this browser
// tab's sessionStorage (gone when the tab closes; never in localStorage or a cookie).
import { createParser } from 'eventsource-parser';

const KEY = 'worker-genies.api-key';

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  signIn(key) {
    sessionStorage.setItem(KEY, key);
  },
  signOut() {
    sessionStorage.removeItem(KEY);
  },
};

/** An answer of the API that is not a success: its status, code, message and field details. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? 'error';
    this.details = error?.details;
  }

  /** The message of the detail about `field`, if any. */
  fieldMessage(field) {
    if (!Array.isArray(this.details)) return undefined;
    return this.details.find((d) => d.field === field || d.field?.startsWith(`${field}.`))?.message;
  }
}

const listeners = new Set();
/** Called when the key stops working (401): the shell goes back to the sign-in page. */
export function onSignedOut(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Calls the API; resolves with `data`, rejects with an ApiError. */
export async function api(method, path, body, { key = session.key, headers = {} } = {}) {
  const init = { method, headers: { authorization: `Bearer ${key}`, ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, { code: 'network', message: 'The server could not be reached. Is `npm start` running?' });
  }
  const payload = await res.json().catch(() => null);
  if (res.ok && payload?.success) return payload.data;
  if (res.status === 401 && key === session.key) {
    session.signOut();
    for (const listener of listeners) listener();
  }
  throw new ApiError(res.status, payload?.error);
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body ?? {});
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

/**
 * Follows a run's event stream (fetch, so the key goes in a header; EventSource cannot send one).
 * Calls onEvent(name, data) for each event; reconnects with Last-Event-ID if the connection drops
 * before `end`. Returns a function that stops following.
 */
export function followRun(runId, onEvent) {
  let lastId = 0;
  let stopped = false;
  let controller;
  const connect = async () => {
    while (!stopped) {
      controller = new AbortController();
      let ended = false;
      try {
        const res = await fetch(`/v1/runs/${runId}/stream`, {
          headers: { authorization: `Bearer ${session.key}`, ...(lastId ? { 'last-event-id': String(lastId) } : {}) },
          signal: controller.signal,
        });
        if (!res.ok) {
          onEvent('error', await res.json().catch(() => ({})));
          return;
        }
        // A spec-following parser: CRLF or LF, multi-line data, comments, ids that persist.
        const parser = createParser({
          onEvent: ({ event, data, id }) => {
            if (!event) return;
            if (id) lastId = Number(id);
            if (event === 'end') ended = true;
            onEvent(event, JSON.parse(data));
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // dropped: try again below
      }
      if (ended || stopped) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  void connect();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
