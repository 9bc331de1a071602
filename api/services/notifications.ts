import { listNotifications, markNotificationRead } from '../../db/repositories/notifications';
import type { Db } from '../../db';
import { NotFoundError } from '../errors';
import { page, presentNotification } from '../../db/presenters';
import { parseCursor } from '../validation';

/** The owner's dashboard notifications. */
export class NotificationService {
  constructor(private readonly db: Db) {}

  async list(ownerId: string, options: { unread?: boolean; limit: number; cursor?: string }) {
    const cursor = parseCursor(options.cursor);
    return page(await listNotifications(this.db, ownerId, { ...options, cursor }), options.limit, presentNotification);
  }

  async markRead(ownerId: string, id: string) {
    const row = await markNotificationRead(this.db, ownerId, id);
    if (!row) throw new NotFoundError('Notification');
    return presentNotification(row);
  }
}
