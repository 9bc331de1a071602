// A `fetch` (the WHATWG function libraries take) that obeys the address rules of web_fetch: for
// clients that stream, such as the MCP SDK's Streamable HTTP transport.
import http from 'node:http';
import https from 'node:https';
import { pipeline, Readable, Transform } from 'node:stream';
import { credentialAllowed } from './guarded-fetch';
import type { FetchCredential } from './guarded-fetch';
import { injectCredential } from './credentials';
import { checkUrl, compilePolicy, FetchRefusedError, guardedLookup, type FetchPolicy } from './ssrf';

/** The most a response body may hold before reading it fails (a misbehaving server cannot fill memory). */
const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export interface WebFetchGuard {
  policy: FetchPolicy;
  /** Added to each request whose host the credential allows (never to another host). */
  credential?: FetchCredential;
  /** Aborts every request (the activity was cancelled). */
  signal?: AbortSignal;
  maxResponseBytes?: number;
}

/** A response body that errors once it has carried more than `max` bytes. */
function capped(max: number): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > max) callback(new Error(`The response was larger than ${max} bytes`));
      else callback(null, chunk);
    },
  });
}

function headersOf(res: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  return headers;
}

function bodyText(body: RequestInit['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  throw new TypeError('guardedWebFetch sends string bodies only');
}

/**
 * A fetch that can only reach public addresses (or `GENIE_FETCH_ALLOW_HOSTS`): the URL is checked,
 * the socket connects to exactly the address checked (no DNS rebinding), redirects are not
 * followed (a 3xx is answered as it is), and the credential goes only to hosts it allows. The body
 * streams; one over `maxResponseBytes` fails while being read. A refused address rejects with a
 * `FetchRefusedError`.
 */
export function guardedWebFetch(guard: WebFetchGuard): typeof fetch {
  const policy = compilePolicy(guard.policy);
  const lookup = guardedLookup(policy);
  const maxBytes = guard.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input instanceof URL ? input.href : input);
    checkUrl(url, policy);
    const headers: Record<string, string> = {};
    new Headers(request?.headers).forEach((value, name) => (headers[name] = value));
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const target = new URL(url);
    if (guard.credential && credentialAllowed(guard.credential.shape, url, url.hostname)) {
      injectCredential(guard.credential.shape, guard.credential.secret, target, headers);
    }
    const body = bodyText(init.body);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const signals = [init.signal, request?.signal, guard.signal].filter((s): s is AbortSignal => !!s);
    const signal = signals.length ? AbortSignal.any(signals) : undefined;

    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const transport = target.protocol === 'https:' ? https : http;
      const req = transport.request(target, {
        method: (init.method ?? request?.method ?? 'GET').toUpperCase(),
        headers,
        lookup,
        agent: false,
        signal,
      });
      req.once('response', resolve);
      req.once('error', (err) => {
        const cause = (err as { cause?: unknown }).cause;
        reject(err instanceof FetchRefusedError ? err : cause instanceof FetchRefusedError ? cause : err);
      });
      req.end(body);
    });
    const status = res.statusCode ?? 502;
    let stream: ReadableStream<Uint8Array> | null = null;
    if (NULL_BODY_STATUSES.has(status)) res.resume();
    else {
      // pipeline passes a failure of the connection on to the body its reader holds.
      const body = capped(maxBytes);
      pipeline(res, body, () => undefined);
      stream = Readable.toWeb(body) as ReadableStream<Uint8Array>;
    }
    return new Response(stream, { status, statusText: res.statusMessage ?? '', headers: headersOf(res) });
  };
}
