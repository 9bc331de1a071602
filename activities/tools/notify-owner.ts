import { z } from 'zod';
import {
  claimNotification,
  countRunNotifications,
  findNotificationOfToolCall,
} from '../../db/repositories/notifications';
import { deliverNotificationEmail } from '../email';
import { defineTool, toolError } from './registry';

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
      ? await deliverNotificationEmail(ctx, notification, {
          subject: `[${ctx.genie.name}] ${notification.subject}`,
          text: `${notification.message}\n\n— ${ctx.genie.name} (Worker Genie), run ${ctx.runId}`,
        })
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
