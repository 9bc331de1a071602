// The one error a GenieClient call throws: an answer of the API that is not a success, or no answer.
import type { ERROR_CODES } from '../api/openapi/responses';

/** The `error.code` of the API's error envelope (`{success: false, error: {code, message, details?}}`). */
export type ApiErrorCode = (typeof ERROR_CODES)[number];

/**
 * What went wrong: the API's own code, or `network_error` (no answer: the server cannot be reached,
 * the connection broke; `status` 0) or `bad_response` (an answer that is not this API's envelope, such
 * as a proxy's HTML page; `message` is `HTTP <status>`).
 */
export type GenieApiErrorCode = ApiErrorCode | 'network_error' | 'bad_response';

/** One bad field of a `validation_error` (400) answer's `details`. */
export interface FieldProblem {
  field: string;
  message: string;
}

export class GenieApiError extends Error {
  override name = 'GenieApiError';

  constructor(
    /** The HTTP status; 0 when there was no answer (`network_error`). */
    readonly status: number,
    readonly code: GenieApiErrorCode,
    message: string,
    /** The answer's `error.details`: the bad fields of a 400, what a 409 clashes with, … */
    readonly details?: unknown,
    /** Seconds to wait before trying again, from a 429's (or 503's) `Retry-After` header. */
    readonly retryAfter?: number,
    options?: { cause?: unknown }
  ) {
    super(message, options);
  }

  /** The bad fields of a `validation_error`, when `details` lists them. */
  get fieldProblems(): FieldProblem[] {
    return Array.isArray(this.details)
      ? (this.details as unknown[]).filter(
          (d): d is FieldProblem =>
            typeof d === 'object' &&
            d !== null &&
            typeof (d as FieldProblem).field === 'string' &&
            typeof (d as FieldProblem).message === 'string'
        )
      : [];
  }
}

/** No answer: the server could not be reached, or the connection broke (`cause` says how). */
export function networkError(message: string, cause?: unknown): GenieApiError {
  return new GenieApiError(0, 'network_error', message, undefined, undefined, { cause });
}

/** `Retry-After` as seconds: a number of seconds, or an HTTP date. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The error an answer that is not a success stands for (its body already read as JSON, or null). */
export function errorOf(status: number, payload: unknown, retryAfterHeader: string | null): GenieApiError {
  const error = (payload as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const retryAfter = retryAfterSeconds(retryAfterHeader);
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new GenieApiError(status, error.code as ApiErrorCode, error.message, error.details, retryAfter);
  }
  return new GenieApiError(status, 'bad_response', `HTTP ${status}`, undefined, retryAfter);
}
