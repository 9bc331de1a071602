// Rate limits shared by every API process (counters in Postgres): per API key, and per client
// address for failed authentication. Over a limit → 429 with Retry-After and the RateLimit headers.
import type { Response } from 'express';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Db } from '../../db';
import { ApiError } from '../errors';

export interface RateLimits {
  /** Requests one API key may make per minute (GENIE_RATE_LIMIT_PER_MINUTE). */
  perKeyPerMinute: number;
  /** Failed authentications one client address may make per minute before it is refused. */
  failedAuthPerMinute: number;
}

const WINDOW_SECONDS = 60;

export class RateLimitedError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', `Too many requests; retry in ${retryAfterSeconds} s.`);
  }
}

/** A limiter over the shared Postgres table; while Postgres is unreachable, each process counts alone. */
function limiter(db: Db, keyPrefix: string, points: number): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: db,
    storeType: 'knex',
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix,
    points,
    duration: WINDOW_SECONDS,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS }),
  });
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Sets `RateLimit-Policy` and `RateLimit` (IETF httpapi ratelimit headers) for one policy. */
function setRateLimitHeaders(res: Response, policy: string, limit: number, state: RateLimiterRes): void {
  res.setHeader('RateLimit-Policy', `"${policy}";q=${limit};w=${WINDOW_SECONDS}`);
  res.setHeader('RateLimit', `"${policy}";r=${state.remainingPoints};t=${seconds(state.msBeforeNext)}`);
}

function refuse(res: Response, policy: string, limit: number, state: RateLimiterRes): never {
  setRateLimitHeaders(res, policy, limit, state);
  res.setHeader('Retry-After', String(seconds(state.msBeforeNext)));
  throw new RateLimitedError(seconds(state.msBeforeNext));
}

export interface RateLimiters {
  /** Refuses (429) an address that failed authentication too often, before its key is looked at. */
  checkAddress(res: Response, address: string): Promise<void>;
  /** Counts a failed authentication of the address; refuses (429) once it is over the limit. */
  failedAuth(res: Response, address: string): Promise<void>;
  /** Counts a request of the key; refuses (429) over the limit, else sets the RateLimit headers. */
  request(res: Response, keyId: string): Promise<void>;
}

/**
 * How long this process trusts that an address has no failed authentication on record before it
 * asks Postgres again (the same bound as the API key cache, API_KEY_CACHE_TTL_MS). Only a clean
 * record is remembered, and any failure this process sees forgets it at once: an address that fails
 * here is checked in Postgres on its next request, and every failure, on any process, is counted
 * in Postgres as before. What the bound allows: an address that another API process has just put
 * over the limit may still be served with a valid key by this one, for at most this long.
 */
export const CLEAN_ADDRESS_TTL_MS = 5_000;
/** At most this many clean addresses are remembered (the oldest go first). */
const CLEAN_ADDRESS_MAX = 10_000;

export function createRateLimiters(db: Db, limits: RateLimits): RateLimiters {
  const perKey = limiter(db, 'key', limits.perKeyPerMinute);
  const perAddress = limiter(db, 'authfail', limits.failedAuthPerMinute);
  /** Addresses with no failure on record, until when that is trusted (ms). */
  const clean = new Map<string, number>();
  /** Goes up on every failure seen here: a check that overlapped one does not mark its address clean. */
  let failures = 0;
  return {
    async checkAddress(res, address) {
      const until = clean.get(address);
      if (until !== undefined && until > Date.now()) return;
      clean.delete(address);
      const seen = failures;
      const state = await perAddress.get(address);
      if (state && state.consumedPoints > limits.failedAuthPerMinute) {
        refuse(res, 'failed-auth', limits.failedAuthPerMinute, state);
      }
      if (!state && seen === failures) {
        clean.set(address, Date.now() + CLEAN_ADDRESS_TTL_MS);
        if (clean.size > CLEAN_ADDRESS_MAX) clean.delete(clean.keys().next().value!);
      }
    },
    async failedAuth(res, address) {
      failures++;
      clean.delete(address);
      try {
        await perAddress.consume(address);
      } catch (rejected) {
        if (rejected instanceof RateLimiterRes) refuse(res, 'failed-auth', limits.failedAuthPerMinute, rejected);
        throw rejected;
      }
    },
    async request(res, keyId) {
      try {
        setRateLimitHeaders(res, 'per-key', limits.perKeyPerMinute, await perKey.consume(keyId));
      } catch (rejected) {
        if (rejected instanceof RateLimiterRes) refuse(res, 'per-key', limits.perKeyPerMinute, rejected);
        throw rejected;
      }
    },
  };
}
