import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ScheduleNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { isDatabaseUnavailable } from '../../db/errors';
import type { Logger } from '../../platform/logger';
import { sendError } from '../envelope';
import { ApiError, NotFoundError, PayloadTooLargeError, UpstreamUnavailableError, ValidationError } from '../errors';

/** body-parser marks its errors with `type`; these are the client's fault, not ours. */
function bodyParserError(err: unknown): ApiError | undefined {
  const type = (err as { type?: unknown })?.type;
  switch (type) {
    case 'entity.too.large': {
      const limit = (err as { limit?: unknown }).limit;
      return new PayloadTooLargeError(
        typeof limit === 'number' ? `${Math.round(limit / 1024 / 1024)} MiB` : 'the limit'
      );
    }
    case 'entity.parse.failed':
      return new ValidationError('Malformed JSON body', [{ field: '(body)', message: 'not valid JSON' }]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ValidationError('Unsupported body encoding', [{ field: '(body)', message: 'use UTF-8 JSON' }]);
    default:
      return undefined;
  }
}

/** gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4) from the Temporal client. */
function isTemporalDown(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  const code = (err as { code?: unknown })?.code ?? cause?.code;
  return (err as Error)?.name === 'ServiceError' && (code === 14 || code === 4);
}

/** A client error raised by Express or body-parser (http-errors: `status` 4xx and `expose`). */
function httpClientError(err: unknown): ApiError | undefined {
  const { status, expose } = (err ?? {}) as { status?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || expose !== true) return undefined;
  if (status === 404) return new NotFoundError('Resource');
  if (err instanceof URIError) {
    return new ValidationError('The path is not valid percent-encoding', [
      { field: '(path)', message: 'malformed percent-encoding' },
    ]);
  }
  return new ValidationError(`Bad request: ${(err as Error).message}`, [
    { field: '(request)', message: (err as Error).message },
  ]);
}

/** Maps an error to the API's answer; unknown errors become a generic 500. */
function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof WorkflowNotFoundError) return new NotFoundError('Run');
  if (err instanceof ScheduleNotFoundError) return new NotFoundError('Schedule');
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return new ApiError(409, 'conflict', 'That workflow is already running.');
  }
  if (isTemporalDown(err)) return new UpstreamUnavailableError('Temporal');
  if (isDatabaseUnavailable(err)) return new UpstreamUnavailableError('Postgres');
  return bodyParserError(err) ?? httpClientError(err);
}

/** The last middleware: every failure answers in the envelope, never with a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const apiError = toApiError(err);
    if (res.headersSent) return;
    if (apiError) {
      if (apiError.status >= 500) logger.warn({ err, reqId: req.id }, apiError.message);
      sendError(res, apiError.status, apiError.code, apiError.message, apiError.details);
      return;
    }
    logger.error({ err, reqId: req.id }, 'unhandled error');
    sendError(res, 500, 'internal', `Internal error (request id ${typeof req.id === 'string' ? req.id : 'unknown'}).`);
  };
}

/** Answers 404 in the envelope for any route that does not exist. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, 404, 'not_found', `No route ${req.method} ${req.path}`);
};

/** The last handler of a route: 405 with `Allow` for a method the route does not have. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  return (req, res) => {
    res.setHeader('Allow', allowed.join(', '));
    sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed here; allowed: ${allowed.join(', ')}`);
  };
}
