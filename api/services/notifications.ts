import { listNotifications, markNotificationRead, type NotificationRow } from '../../db/repositories/notifications';
import type { Db } from '../../db';
import { toPage } from '../../lib/pagination';
import { parseCursor } from '../validation';
import { NotFoundError } from '../errors';

export function presentNotification(row: NotificationRow) {
  return {
    id: row.id,
    genie_id: row.genie_id,
    run_id: row.run_id,
    subject: row.subject,
    message: row.message,
    priority: row.priority,
    channel: row.channel,
    email_status: row.email_status,
    email_error: row.email_error,
    read: row.read_at !== null,
    read_at: row.read_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

/** The owner's dashboard notifications. */
export class NotificationService {
  constructor(private readonly db: Db) {}

  async list(ownerId: string, options: { unread?: boolean; limit: number; cursor?: string }) {
    const cursor = parseCursor(options.cursor);
    const page = toPage(await listNotifications(this.db, ownerId, { ...options, cursor }), options.limit);
    return { items: page.items.map(presentNotification), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) };
  }

  async markRead(ownerId: string, id: string) {
    const row = await markNotificationRead(this.db, ownerId, id);
    if (!row) throw new NotFoundError('Notification');
    return presentNotification(row);
  }
}
