import { Router } from 'express';
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from '../../lib/pagination';
import { z } from '../../lib/schemas/zod';
import { sendData } from '../envelope';
import { ownerOf } from '../middleware/auth';
import type { NotificationService } from '../services/notifications';
import { parseOrThrow, requireId } from '../validation';

export const ListNotificationsSchema = z
  .object({
    unread: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT),
    cursor: z.string().min(1).optional(),
  })
  .openapi('ListNotificationsQuery');

/** `/v1/notifications`: what genies told their owner, newest first. */
export function notificationsRouter(notifications: NotificationService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const query = parseOrThrow(ListNotificationsSchema, { ...req.query }, 'List request');
    sendData(
      res,
      await notifications.list(ownerOf(res), {
        unread: query.unread === undefined ? undefined : query.unread === 'true',
        limit: query.limit,
        cursor: query.cursor,
      })
    );
  });
  router.post('/:id/read', async (req, res) => {
    sendData(res, await notifications.markRead(ownerOf(res), requireId(req.params.id, 'id', 'Notification')));
  });
  return router;
}
