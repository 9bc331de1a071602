import { KnexTimeoutError } from 'knex';

/**
 * A write that needs a row the owner does not have (a run deleted mid-flight with its genie, say).
 * Retrying cannot bring it back: activities turn it into a permanent failure.
 */
export class RowNotFoundError extends Error {
  override name = 'RowNotFoundError';

  constructor(
    readonly table: 'runs' | 'genies',
    readonly id: string
  ) {
    super(`${table === 'runs' ? 'Run' : 'Genie'} ${id} not found`);
  }
}

/** Connection-level error codes: the database is down or unreachable, not the query wrong. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);

/** True when an error means Postgres could not be reached (a retry later may succeed). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof KnexTimeoutError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return UNAVAILABLE_CODES.has(code);
  // node-postgres reports a socket closed mid-query with no code (knex prefixes the SQL to the message).
  return err instanceof Error && /Connection (terminated|ended) unexpectedly$/.test(err.message);
}
