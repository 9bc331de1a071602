import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { CredentialShape } from '../domain/credentials';
import { hostMatches, injectCredential } from './credentials';
import { checkUrl, compilePolicy, FetchRefusedError, guardedLookup, type FetchPolicy } from './ssrf';
import { inSpan } from '../platform/tracing';

const WEB_FETCH_MAX_TEXT_BYTES = 64 * 1024;
const WEB_FETCH_HARD_CAP_BYTES = 10 * 1024 * 1024;
const WEB_FETCH_MAX_REDIRECTS = 5;
export const WEB_FETCH_TIMEOUT_DEFAULT_MS = 30_000;
export const WEB_FETCH_TIMEOUT_MAX_MS = 60_000;

export interface FetchRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** A credential to inject, with its secret (decrypted by the caller, inside the activity). */
export interface FetchCredential {
  shape: CredentialShape;
  secret: string;
}

export interface FetchResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
  /** Bytes of the (decoded) body received; reading stops at the hard cap. */
  bytes: number;
  url: string;
  redirects: number;
  /** Set when the credential was not sent to the final host (a redirect left its allowed hosts). */
  credential_dropped?: boolean;
}

/** A request that failed for a reason to tell the model (refused, timed out, unreachable). */
export class FetchFailedError extends Error {
  override name = 'FetchFailedError';
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|ld\+json)|[^;]*\+(json|xml))/i;

/** May this credential go to `url`? Allowed hosts when it has them, else only the first host. */
export function credentialAllowed(shape: CredentialShape, url: URL, originalHost: string): boolean {
  return shape.allowed_hosts.length > 0
    ? hostMatches(url.hostname, shape.allowed_hosts)
    : url.hostname === originalHost;
}

function decoded(res: http.IncomingMessage): Readable {
  switch ((res.headers['content-encoding'] ?? '').toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(zlib.createGunzip());
    case 'deflate':
      return res.pipe(zlib.createInflate());
    case 'br':
      return res.pipe(zlib.createBrotliDecompress());
    default:
      return res;
  }
}

/** Reads at most the hard cap (decoded bytes, so a zip bomb stops too), keeping the first 64 KiB. */
async function readBody(res: http.IncomingMessage): Promise<{ head: Buffer; bytes: number; capped: boolean }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let bytes = 0;
  const stream = decoded(res);
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      if (kept < WEB_FETCH_MAX_TEXT_BYTES) {
        chunks.push(buffer.subarray(0, WEB_FETCH_MAX_TEXT_BYTES - kept));
        kept += Math.min(buffer.length, WEB_FETCH_MAX_TEXT_BYTES - kept);
      }
      if (bytes >= WEB_FETCH_HARD_CAP_BYTES) {
        res.destroy();
        return { head: Buffer.concat(chunks), bytes, capped: true };
      }
    }
  } catch (err) {
    if (bytes === 0) throw err;
  }
  return { head: Buffer.concat(chunks), bytes, capped: false };
}

function bodyText(head: Buffer, bytes: number, contentType: string): string {
  const isText = TEXT_TYPES.test(contentType) || (!contentType && !head.subarray(0, 1024).includes(0));
  if (!isText || head.subarray(0, 1024).includes(0)) {
    return `[binary content: ${bytes} bytes${contentType ? `, ${contentType}` : ''}; not shown]`;
  }
  const charset = /charset=([^;]+)/i.exec(contentType)?.[1]?.trim().replace(/"/g, '');
  try {
    return new TextDecoder(charset || 'utf-8').decode(head);
  } catch {
    return new TextDecoder('utf-8').decode(head);
  }
}

const flatHeaders = (headers: http.IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)])
  );

function send(
  url: URL,
  request: { method: string; headers: Record<string, string>; body?: string },
  lookup: ReturnType<typeof guardedLookup>,
  signal: AbortSignal
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, {
      method: request.method,
      headers:
        request.body === undefined
          ? request.headers
          : { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
      lookup,
      agent: false,
      signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(request.body);
  });
}

export interface GuardedFetchOptions {
  policy: FetchPolicy;
  credential?: FetchCredential;
  signal?: AbortSignal;
  /**
   * Redirects to follow (default `WEB_FETCH_MAX_REDIRECTS`; one more fails the request). `0` follows
   * none: a 3xx answer is returned as it is, like any other status.
   */
  maxRedirects?: number;
}

/**
 * An HTTP request that can only reach public addresses (or `GENIE_FETCH_ALLOW_HOSTS`): the URL is
 * checked, the address a socket connects to is the address checked, redirects are followed by hand
 * (each hop checked again; none with `maxRedirects: 0`), and a credential goes only to hosts it
 * allows — dropped on any hop that leaves them. Reads at most 10 MiB and keeps the first 64 KiB as text.
 */
export function guardedFetch(request: FetchRequest, options: GuardedFetchOptions): Promise<FetchResult> {
  // A span for the outbound request (its host and method only: never a path, query or header).
  let host = 'invalid-url';
  try {
    host = new URL(request.url).host;
  } catch {
    // refused below
  }
  const method = request.method.toUpperCase();
  return inSpan(`HTTP ${method} ${host}`, { 'http.request.method': method, 'server.address': host }, async (span) => {
    const result = await fetchGuarded(request, options);
    span.setAttribute('http.response.status_code', result.status);
    return result;
  });
}

async function fetchGuarded(request: FetchRequest, options: GuardedFetchOptions): Promise<FetchResult> {
  const maxRedirects = options.maxRedirects ?? WEB_FETCH_MAX_REDIRECTS;
  const policy = compilePolicy(options.policy);
  const lookup = guardedLookup(policy);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new FetchRefusedError(`Not a valid URL: ${request.url}`);
  }
  const originalHost = url.hostname;
  const timeout = AbortSignal.timeout(Math.min(Math.max(request.timeoutMs, 1), WEB_FETCH_TIMEOUT_MAX_MS));
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let method = request.method.toUpperCase();
  let body = request.body;
  let credentialDropped = false;

  for (let redirects = 0; ; redirects++) {
    checkUrl(url, policy);
    const target = new URL(url);
    const headers = { 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'WorkerGenies/1.0', ...request.headers };
    if (options.credential) {
      if (credentialAllowed(options.credential.shape, url, originalHost)) {
        injectCredential(options.credential.shape, options.credential.secret, target, headers);
      } else {
        credentialDropped = true;
      }
    }
    let res: http.IncomingMessage;
    try {
      res = await send(target, { method, headers, body }, lookup, signal);
    } catch (err) {
      if (err instanceof FetchRefusedError) throw err;
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof FetchRefusedError) throw cause;
      if (timeout.aborted) throw new FetchFailedError(`Timed out after ${request.timeoutMs} ms`);
      if (options.signal?.aborted) throw err;
      throw new FetchFailedError(`Request failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }

    const location = res.headers.location;
    // With maxRedirects 0 a redirect is an answer like any other (read and returned below).
    if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && location && maxRedirects > 0) {
      res.resume();
      if (redirects >= maxRedirects) throw new FetchFailedError(`Too many redirects (over ${maxRedirects})`);
      try {
        url = new URL(location, url);
      } catch {
        throw new FetchFailedError(`Redirected to an invalid URL: ${location}`);
      }
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      continue;
    }

    const contentType = String(res.headers['content-type'] ?? '');
    const { head, bytes, capped } =
      method === 'HEAD' ? { head: Buffer.alloc(0), bytes: 0, capped: false } : await readBody(res);
    return {
      status: res.statusCode ?? 0,
      headers: flatHeaders(res.headers),
      body: bodyText(head, bytes, contentType),
      truncated: capped || bytes > WEB_FETCH_MAX_TEXT_BYTES,
      bytes,
      url: url.toString(),
      redirects,
      ...(credentialDropped ? { credential_dropped: true } : {}),
    };
  }
}
