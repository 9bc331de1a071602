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

class RateLimitedError extends ApiError {
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
  /**
   * Counts a request with a missing or wrong key against its address; refuses (429) once the
   * address is over the limit. A valid key is never counted here, so it is never refused for its
   * address (a NAT or a proxy shared with someone guessing keys costs the owner nothing).
   */
  failedAuth(res: Response, address: string): Promise<void>;
  /** Counts a request of the key; refuses (429) over the limit, else sets the RateLimit headers. */
  request(res: Response, keyId: string): Promise<void>;
}

export function createRateLimiters(db: Db, limits: RateLimits): RateLimiters {
  const perKey = limiter(db, 'key', limits.perKeyPerMinute);
  const perAddress = limiter(db, 'authfail', limits.failedAuthPerMinute);
  return {
    async failedAuth(res, address) {
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
