import type { NextFunction, Request, Response } from 'express';
import { authenticateApiKey } from '../../db/repositories/api-keys';
import type { Db } from '../../db';
import { UnauthorizedError } from '../errors';

/** Resolves `Authorization: Bearer hg_live_…` to the caller's user id, or answers 401. */
export function requireApiKey(db: Db) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError();
    const userId = await authenticateApiKey(db, match[1]);
    if (!userId) throw new UnauthorizedError('Invalid or revoked API key.');
    res.locals.ownerId = userId;
    next();
  };
}

/** The authenticated caller's user id (set by {@link requireApiKey}). */
export function ownerOf(res: Response): string {
  const ownerId: unknown = res.locals.ownerId;
  if (typeof ownerId !== 'string') throw new UnauthorizedError();
  return ownerId;
}
