import { Router } from 'express';
import { sendData } from '../envelope';
import { ownerOf } from '../middleware/auth';
import { ListNotificationsSchema } from '../schemas';
import type { Services } from '../services';
import { parseOrThrow, requireId } from '../validation';
import { route } from './define';

/** `/v1/notifications`: what genies told their owner, newest first. */
export function notificationsRouter({ notifications }: Services): Router {
  const router = Router();
  route(router, '/', {
    get: async (req, res) => {
      const query = parseOrThrow(ListNotificationsSchema, { ...req.query }, 'List request');
      sendData(res, await notifications.list(ownerOf(res), query));
    },
  });
  route(router, '/:id/read', {
    post: async (req, res) => {
      sendData(res, await notifications.markRead(ownerOf(res), requireId(req.params.id, 'id', 'Notification')));
    },
  });
  return router;
}
