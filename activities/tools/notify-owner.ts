import { z } from 'zod';
import {
  claimNotification,
  countRunNotifications,
  findNotificationOfToolCall,
  setEmailStatus,
  type NotificationRow,
} from '../../db/repositories/notifications';
import { getUser } from '../../db/repositories/users';
import { isTransientMailError } from '../../platform/mailer';
import { untilRecorded } from '../durable';
import { defineTool, toolError, type ToolContext } from './registry';

/** Attempts an email gets when the SMTP server is briefly unreachable, before it is `failed`. */
const EMAIL_ATTEMPTS = 3;
const PRIORITY_MAIL: Record<string, 'high' | 'normal' | 'low'> = {
  low: 'low',
  normal: 'normal',
  high: 'high',
  urgent: 'high',
};

/**
 * Sends the notification's email once. `sent` is recorded the moment the server accepts it (waiting
 * out a Postgres outage if need be), so a repeated attempt sends nothing; the only window left is
 * the worker dying between the server's "250 OK" and that write.
 */
async function deliverEmail(
  ctx: ToolContext,
  notification: NotificationRow
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
      subject: `[${ctx.genie.name}] ${notification.subject}`,
      text: `${notification.message}\n\n— ${ctx.genie.name} (Worker Genie), run ${ctx.runId}`,
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
  if (ctx.deps.faults?.includes('exit-after-email-sent')) process.kill(process.pid, 'SIGKILL'); // crash test
  return { status: 'sent' };
}

export const notifyOwner = defineTool({
  name: 'notify_owner',
  description:
    'Notify your owner: always on their dashboard, and by email when channel is "email" or "both". Returns {notification_id, email}. Use it for results worth their attention, not for progress chatter.',
  input: z
    .object({
      subject: z.string().trim().min(1).max(200),
      message: z.string().trim().min(1).max(20_000),
      channel: z.enum(['dashboard', 'email', 'both']).default('dashboard'),
      priority: z.enum(['low', 'normal', 'high', 'urgent']).default('normal'),
    })
    .strict(),
  summarize: (input) => `notify_owner ${input.channel ?? 'dashboard'}: ${String(input.subject ?? '').slice(0, 80)}`,
  transactional: false,
  async execute(ctx, input) {
    const wantsEmail = input.channel !== 'dashboard';
    const max = ctx.deps.notify.maxPerRun;
    // Counting and claiming under one per-run lock, so parallel calls cannot all slip under the cap.
    const claimed = await ctx.deps.db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`notify:${ctx.runId}`]);
      const existing = await findNotificationOfToolCall(trx, ctx.ownerId, ctx.runId, ctx.toolUseId);
      if (existing) return existing;
      const sent = await countRunNotifications(trx, ctx.ownerId, ctx.runId);
      if (sent >= max) return sent;
      return claimNotification(trx, ctx.ownerId, {
        genie_id: ctx.genie.id,
        run_id: ctx.runId,
        tool_use_id: ctx.toolUseId,
        subject: input.subject,
        message: input.message,
        priority: input.priority,
        channel: input.channel,
        email_status: wantsEmail ? 'pending' : null,
      });
    });
    if (typeof claimed === 'number') {
      return toolError(`This run has already sent ${claimed} notifications, the most one run may send (${max}).`);
    }
    const notification = claimed;
    const email = wantsEmail
      ? await deliverEmail(ctx, notification)
      : { status: 'skipped', reason: 'channel is dashboard' };
    return {
      isError: false,
      result: {
        notification_id: notification.id,
        email: email.status,
        ...(email.reason ? { email_detail: email.reason } : {}),
      },
    };
  },
});
