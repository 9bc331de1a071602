import type { NextFunction, Request, Response } from 'express';
import { verifyApiKeyCached } from '../../db/repositories/api-keys';
import type { Db } from '../../db';
import { UnauthorizedError } from '../errors';
import type { RateLimiters } from './rate-limit';

/**
 * Resolves `Authorization: Bearer hg_live_…` to the caller's user id, or answers 401. Reads only
 * headers (it runs before the body is parsed). Requests with a missing or wrong key are counted
 * against the client's address (`req.ip`: the socket's, or the proxy's client with
 * GENIE_TRUST_PROXY), which is refused with 429 once it fails too often; a valid key never is.
 * Each key's requests are counted against its rate limit.
 */
export function requireApiKey(db: Db, limiters: RateLimiters) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    // A key verified in the last few seconds comes from memory (API_KEY_CACHE_TTL_MS); a failure never does.
    const key = presented ? await verifyApiKeyCached(db, presented) : undefined;
    if (!key) {
      await limiters.failedAuth(res, req.ip ?? req.socket.remoteAddress ?? 'unknown');
      throw new UnauthorizedError(presented ? 'Invalid or revoked API key.' : undefined);
    }
    await limiters.request(res, key.keyId);
    res.locals.ownerId = key.userId;
    res.locals.apiKeyId = key.keyId;
    next();
  };
}

/** The authenticated caller's user id (set by {@link requireApiKey}). */
export function ownerOf(res: Response): string {
  const ownerId: unknown = res.locals.ownerId;
  if (typeof ownerId !== 'string') throw new UnauthorizedError();
  return ownerId;
}
