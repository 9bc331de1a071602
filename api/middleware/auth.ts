import type { NextFunction, Request, Response } from 'express';
import { verifyApiKeyCached } from '../../db/repositories/api-keys';
import type { Db } from '../../db';
import { UnauthorizedError } from '../errors';
import type { RateLimiters } from './rate-limit';

/**
 * Resolves `Authorization: Bearer hg_live_…` to the caller's user id, or answers 401. Reads only
 * headers (it runs before the body is parsed). An address that keeps failing is refused with 429,
 * and each key's requests are counted against its rate limit.
 */
export function requireApiKey(db: Db, limiters: RateLimiters) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!presented) throw new UnauthorizedError(); // no key tried: nothing to count
    const address = req.socket.remoteAddress ?? 'unknown';
    await limiters.checkAddress(res, address);
    // A key verified in the last few seconds comes from memory (API_KEY_CACHE_TTL_MS); a failure never does.
    const key = await verifyApiKeyCached(db, presented);
    if (!key) {
      await limiters.failedAuth(res, address);
      throw new UnauthorizedError('Invalid or revoked API key.');
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
