// One log line per request, with nothing secret in it: the URL's sensitive query parameters are
// redacted, and only harmless headers are kept (whatever header a client put a key in).
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../../platform/logger';

/** Headers worth logging; every other header (cookies, keys in custom headers) is left out. */
const LOGGED_HEADERS = ['user-agent', 'content-type', 'content-length', 'accept', 'x-forwarded-for', 'idempotency-key'];

/** Query parameters whose values are secrets by their name. */
const SECRET_PARAM = /key|token|secret|password|passwd|auth|signature|sig|session|code|credential/i;

/** The URL with the values of secret-named query parameters replaced. */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const params = url
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed name is logged as sent
      }
      return equals >= 0 && SECRET_PARAM.test(decoded) ? `${name}=[REDACTED]` : pair;
    });
  return `${url.slice(0, question)}?${params.join('&')}`;
}

/** `METHOD URL STATUS [N ms]`, the URL's secrets redacted. */
function requestLine(req: IncomingMessage, status: number, responseTime?: number): string {
  const time = responseTime === undefined ? '' : ` ${Math.round(responseTime)} ms`;
  return `${req.method ?? '?'} ${redactUrl((req as { originalUrl?: string }).originalUrl ?? req.url ?? '')} ${status}${time}`;
}

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  remoteAddress?: string;
  headers?: Record<string, unknown>;
}

/** The request log middleware: sets `x-request-id`, logs method, redacted URL, status and time. */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (_req, res) => {
      const id = crypto.randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    // The message alone is the request's line: "GET /v1/genies 200 12 ms".
    customSuccessMessage: (req, res, responseTime) => requestLine(req, res.statusCode, responseTime),
    customErrorMessage: (req, res) => requestLine(req, res.statusCode),
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      req: (req: SerializedRequest) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url ?? ''),
        remoteAddress: req.remoteAddress,
        headers: Object.fromEntries(
          LOGGED_HEADERS.filter((name) => req.headers?.[name] !== undefined).map((name) => [name, req.headers![name]])
        ),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
