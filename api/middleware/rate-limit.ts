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

/**
 * Points a process takes from a key's shared counter at once (1 % of the limit, 1 to 50): each
 * request spends one locally, so a busy key costs Postgres one write per lease instead of one per
 * request (32 clients of one key no longer queue on its counter row). A key near its limit may be
 * refused up to one lease early per API process; a limit under 200 is counted request by request.
 */
const leaseSize = (limit: number) => Math.max(1, Math.min(50, Math.floor(limit / 100)));

/** The points one process holds of one key's counter for the current window. */
interface Lease {
  left: number;
  /** When the window of the counter ends (ms since the epoch). */
  resetAt: number;
  /** What the shared counter had left after this lease was taken. */
  sharedRemaining: number;
}

/**
 * A key's leases: a request spends one of the process's leased points, or takes a new lease (one
 * request at a time per key takes it; the others wait for that one).
 */
class LeasedCounter {
  private readonly leases = new Map<string, Lease>();
  private readonly taking = new Map<string, Promise<Lease>>();

  constructor(
    private readonly shared: RateLimiterPostgres,
    private readonly size: number
  ) {}

  /** Spends one point of `key`: its state for the headers, or throws the counter's RateLimiterRes when over. */
  async consume(key: string): Promise<RateLimiterRes> {
    for (;;) {
      const lease = this.leases.get(key);
      const now = Date.now();
      if (lease && lease.left > 0 && lease.resetAt > now) {
        lease.left--;
        return new RateLimiterRes(lease.sharedRemaining + lease.left, lease.resetAt - now, 0, false);
      }
      let taking = this.taking.get(key);
      if (!taking) {
        taking = this.take(key).finally(() => this.taking.delete(key));
        this.taking.set(key, taking);
      }
      await taking;
    }
  }

  private async take(key: string): Promise<Lease> {
    this.leases.delete(key);
    const state = await this.shared.consume(key, this.size);
    const lease = { left: this.size, resetAt: Date.now() + state.msBeforeNext, sharedRemaining: state.remainingPoints };
    this.leases.set(key, lease);
    // Forget it when its window ends (a key that went quiet holds nothing).
    setTimeout(() => this.leases.get(key) === lease && this.leases.delete(key), state.msBeforeNext).unref();
    return lease;
  }
}

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
  const perKey = new LeasedCounter(limiter(db, 'key', limits.perKeyPerMinute), leaseSize(limits.perKeyPerMinute));
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
