import { setEmailStatus, type NotificationRow } from '../db/repositories/notifications';
import { getUser } from '../db/repositories/users';
import type { Queryable } from '../db';
import { isTransientMailError } from '../platform/mailer';
import type { ToolDeps } from './deps';
import { untilRecorded } from './durable';

/** Attempts an email gets when the SMTP server is briefly unreachable, before it is `failed`. */
const EMAIL_ATTEMPTS = 3;
const PRIORITY_MAIL: Record<string, 'high' | 'normal' | 'low'> = {
  low: 'low',
  normal: 'normal',
  high: 'high',
  urgent: 'high',
};

/** Where and as whom an email is sent, and the activity attempt sending it. */
export interface EmailContext {
  db: Queryable;
  deps: Pick<ToolDeps, 'mailer'>;
  ownerId: string;
  signal?: AbortSignal;
  attempt?: number;
}

/**
 * Sends a notification's email once. `sent` is recorded the moment the server accepts it (waiting
 * out a Postgres outage if need be), so a repeated attempt sends nothing; the only window left is
 * the worker dying between the server's "250 OK" and that write.
 */
export async function deliverNotificationEmail(
  ctx: EmailContext,
  notification: NotificationRow,
  mail: { subject: string; text: string }
): Promise<{ status: string; reason?: string }> {
  if (
    notification.email_status === 'sent' ||
    notification.email_status === 'skipped' ||
    notification.email_status === 'failed'
  ) {
    return { status: notification.email_status, reason: notification.email_error ?? undefined };
  }
  const skip = async (reason: string) => {
    await setEmailStatus(ctx.db, ctx.ownerId, notification.id, 'skipped', reason);
    return { status: 'skipped', reason };
  };
  if (!ctx.deps.mailer) return skip('email is not configured (SMTP_URL is not set)');
  const owner = await getUser(ctx.db, ctx.ownerId);
  if (!owner) return skip('the owner has no email address');
  try {
    await ctx.deps.mailer.send({
      to: owner.email,
      subject: mail.subject,
      text: mail.text,
      messageId: `<${notification.id}@worker-genies>`,
      priority: PRIORITY_MAIL[notification.priority] ?? 'normal',
    });
  } catch (err) {
    if (isTransientMailError(err) && (ctx.attempt ?? 1) < EMAIL_ATTEMPTS) throw err; // Temporal retries
    const reason = err instanceof Error ? err.message.slice(0, 500) : String(err);
    await setEmailStatus(ctx.db, ctx.ownerId, notification.id, 'failed', reason);
    return { status: 'failed', reason };
  }
  // The server accepted it: from here on, only recording that may be retried, never the send.
  await untilRecorded(
    'that an email was sent',
    () => setEmailStatus(ctx.db, ctx.ownerId, notification.id, 'sent', null),
    ctx.signal
  );
  return { status: 'sent' };
}
