import type { PageCursor } from '../pagination';
import type { Queryable } from '../index';
import { newestFirst } from '../pagination';

export type EmailStatus = 'pending' | 'sent' | 'skipped' | 'failed';

export interface NotificationRow {
  id: string;
  owner_id: string;
  genie_id: string | null;
  run_id: string | null;
  tool_use_id: string | null;
  /** Set on the notification that asks for an approval. */
  approval_id: string | null;
  subject: string;
  message: string;
  priority: string;
  channel: 'dashboard' | 'email' | 'both';
  email_status: EmailStatus | null;
  email_error: string | null;
  email_sent_at: Date | null;
  read_at: Date | null;
  created_at: Date;
}

export type NewNotification = Pick<
  NotificationRow,
  'genie_id' | 'run_id' | 'tool_use_id' | 'subject' | 'message' | 'priority' | 'channel' | 'email_status'
> &
  Partial<Pick<NotificationRow, 'approval_id'>>;

/** The notification of one tool call, created once: a repeat returns the first. */
export async function claimNotification(
  db: Queryable,
  ownerId: string,
  notification: NewNotification
): Promise<NotificationRow> {
  const [inserted] = (await db('notifications')
    .insert({ ...notification, owner_id: ownerId })
    .onConflict(['run_id', 'tool_use_id'])
    .ignore()
    .returning('*')) as NotificationRow[];
  if (inserted) return inserted;
  return (await db<NotificationRow>('notifications')
    .where({ owner_id: ownerId, run_id: notification.run_id, tool_use_id: notification.tool_use_id })
    .first())!;
}

export async function findNotificationOfToolCall(
  db: Queryable,
  ownerId: string,
  runId: string,
  toolUseId: string
): Promise<NotificationRow | undefined> {
  return db<NotificationRow>('notifications')
    .where({ owner_id: ownerId, run_id: runId, tool_use_id: toolUseId })
    .first();
}

/** How many notifications the run's notify_owner calls made (approval requests are not counted). */
export async function countRunNotifications(db: Queryable, ownerId: string, runId: string): Promise<number> {
  const row: unknown = await db('notifications')
    .where({ owner_id: ownerId, run_id: runId })
    .whereNull('approval_id')
    .count({ n: '*' })
    .first();
  return Number((row as { n?: string | number } | undefined)?.n ?? 0);
}

export async function setEmailStatus(
  db: Queryable,
  ownerId: string,
  id: string,
  status: EmailStatus,
  error: string | null
): Promise<void> {
  await db('notifications')
    .where({ owner_id: ownerId, id })
    .update({ email_status: status, email_error: error, ...(status === 'sent' ? { email_sent_at: db.fn.now() } : {}) });
}

export async function listNotifications(
  db: Queryable,
  ownerId: string,
  options: { unread?: boolean; limit: number; cursor?: PageCursor }
): Promise<NotificationRow[]> {
  const query = db<NotificationRow>('notifications').where({ owner_id: ownerId });
  if (options.unread === true) query.whereNull('read_at');
  if (options.unread === false) query.whereNotNull('read_at');
  return newestFirst(query, options.cursor).limit(options.limit + 1); // one more: is there a next page?
}

/** Marks it read (keeping the first read time); undefined when the owner has no such notification. */
export async function markNotificationRead(
  db: Queryable,
  ownerId: string,
  id: string
): Promise<NotificationRow | undefined> {
  const [row] = (await db('notifications')
    .where({ owner_id: ownerId, id })
    .update({ read_at: db.raw('coalesce(read_at, now())') })
    .returning('*')) as NotificationRow[];
  return row;
}

/** A decided approval's notification is done with: marked read. */
export async function markApprovalNotificationRead(db: Queryable, ownerId: string, approvalId: string): Promise<void> {
  await db('notifications')
    .where({ owner_id: ownerId, approval_id: approvalId })
    .whereNull('read_at')
    .update({ read_at: db.fn.now() });
}
