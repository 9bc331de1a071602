import type { FieldProblem } from '../domain/schemas/genie';

/** An error the API answers with its own status and code, in the `{success: false, error}` envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends ApiError {
  constructor(message: string, details?: FieldProblem[]) {
    super(400, 'validation_error', message, details);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message = 'Missing or invalid API key; send Authorization: Bearer hg_live_<secret>.') {
    super(401, 'unauthorized', message);
  }
}

export class NotFoundError extends ApiError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends ApiError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, details);
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(limit: string) {
    super(413, 'payload_too_large', `Request body is larger than ${limit}.`);
  }
}

export class UpstreamUnavailableError extends ApiError {
  constructor(what: 'Temporal' | 'Postgres') {
    super(503, 'upstream_unavailable', `${what} is unavailable; try again shortly.`);
  }
}
