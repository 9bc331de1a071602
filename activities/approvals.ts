import { Context, log } from '@temporalio/activity';
import { claimApproval, settleApproval, type ApprovalRow } from '../db/repositories/approvals';
import { claimNotification, markApprovalNotificationRead } from '../db/repositories/notifications';
import { loadRunContext } from '../db/repositories/run-context';
import { toolUsesOf } from '../db/repositories/run-records';
import { markRunResumed, markRunWaiting } from '../db/repositories/runs';
import { presentApproval } from '../db/presenters';
import { utcMinute } from '../domain/approvals';
import { approvalLinkToken } from '../security/approval-links';
import type { ApprovalOutcome, ApprovalTicket, RequestApprovalInput, SettleApprovalInput } from '../temporal/contract';
import type { ActivityDeps } from './deps';
import { deliverNotificationEmail } from './email';
import { runNotFound, toolCallMissing } from './failures';
import { withHeartbeat } from './heartbeat';
import { offeredTools } from './tools';
import { webhookDeliveryFor } from './webhooks';

/** Header names whose values an approval never shows (a model may have typed a token into one). */
const SECRET_HEADER = /authorization|cookie|api[-_]?key|token|secret|password/i;

/** The call's input as the owner sees it: header values that look secret are redacted. */
function approvalInput(tool: string, input: unknown): unknown {
  if (tool !== 'web_fetch' || !input || typeof input !== 'object') return input;
  const headers = (input as { headers?: unknown }).headers;
  if (!headers || typeof headers !== 'object') return input;
  return {
    ...input,
    headers: Object.fromEntries(
      Object.entries(headers as Record<string, unknown>).map(([name, value]) => [
        name,
        SECRET_HEADER.test(name) ? '[REDACTED]' : value,
      ])
    ),
  };
}

const ticketOf = (row: ApprovalRow, webhookDeliveryId?: string): ApprovalTicket => ({
  approvalId: row.id,
  expiresAt: row.expires_at.toISOString(),
  status: row.status,
  note: row.note,
  ...(webhookDeliveryId ? { webhookDeliveryId } : {}),
});

/** The approval activities, bound to the database, the mailer and where links point. */
export function createApprovalActivities(
  deps: Pick<ActivityDeps, 'db' | 'vault' | 'mailer' | 'publicUrl' | 'metrics'>
) {
  const { db } = deps;

  /**
   * `requestApproval`: records the approval of one gated call (once per call), sets the run to
   * `waiting_approval`, and tells the owner: a dashboard notification, and an email with a signed
   * single-use link when SMTP is set (each once, however often the activity repeats). Answers the
   * approval, and a webhook delivery to start when the genie wants `approval.requested`.
   */
  async function requestApproval(input: RequestApprovalInput): Promise<ApprovalTicket> {
    const { runId, ownerId, turn, toolUseId } = input;
    const context = await loadRunContext(db, ownerId, runId, { turn });
    if (!context) throw runNotFound(runId);
    const { genie } = context;
    const block = toolUsesOf(context.reply ?? []).find((b) => b.id === toolUseId);
    if (!block) throw toolCallMissing(toolUseId, turn);

    const approval = await db.transaction(async (trx) => {
      const row = await claimApproval(trx, ownerId, {
        runId,
        genieId: genie.id,
        tool: block.name,
        toolUseId,
        input: approvalInput(block.name, block.input),
        timeoutSeconds: genie.approval_timeout_seconds,
      });
      if (row.status === 'pending') await markRunWaiting(trx, ownerId, runId);
      return row;
    });
    if (approval.status !== 'pending') return ticketOf(approval);

    const summary =
      offeredTools([block.name])
        .find((t) => t.name === block.name)
        ?.summarize(block.input ?? {}) ?? block.name;
    const expires = utcMinute(approval.expires_at);
    const notification = await claimNotification(db, ownerId, {
      genie_id: genie.id,
      run_id: runId,
      tool_use_id: `approval:${toolUseId}`,
      approval_id: approval.id,
      subject: `Approval needed: ${genie.name} wants to call ${block.name}`,
      message: `${genie.name} wants to run ${summary}. Approve or deny it before ${expires}; until then the call waits (the rest of the run goes on).`,
      priority: 'high',
      channel: 'both',
      email_status: 'pending',
    });
    const link = `${deps.publicUrl}/approvals/${approvalLinkToken(deps.vault, approval)}`;
    const info = Context.current().info;
    await withHeartbeat((signal) =>
      deliverNotificationEmail({ db, deps, ownerId, signal, attempt: info.attempt }, notification, {
        subject: `[${genie.name}] Approval needed: ${block.name}`,
        text: [
          `${genie.name} wants to run: ${summary}`,
          '',
          `Input: ${JSON.stringify(approval.input, null, 2).slice(0, 4000)}`,
          '',
          `Approve or deny it here (the link works once, until ${expires}):`,
          link,
          '',
          `— Worker Genies, run ${runId}`,
        ].join('\n'),
      })
    );
    const webhookDeliveryId = await webhookDeliveryFor(db, ownerId, genie, {
      type: 'approval.requested',
      runId,
      approvalId: approval.id,
      data: presentApproval(approval),
    });
    return ticketOf(approval, webhookDeliveryId);
  }

  /**
   * `settleApproval`: records the owner's decision (or the expiry), once — an approval already
   * settled keeps its first outcome, which is what this answers — and puts the run back to
   * `running` when nothing else of it waits. A decision the owner did not send through the API
   * (nothing reserved in Postgres: it reached Temporal some other way) is not recorded: the answer
   * is then still `pending`, and the run goes on waiting.
   */
  async function settleApprovalActivity(input: SettleApprovalInput): Promise<ApprovalOutcome> {
    const row = await db.transaction(async (trx) => {
      const settled = await settleApproval(trx, input.ownerId, input.approvalId, {
        status: input.status,
        note: input.note,
      });
      if (settled?.status !== 'pending') {
        await markRunResumed(trx, input.ownerId, input.runId);
        await markApprovalNotificationRead(trx, input.ownerId, input.approvalId);
      }
      return settled;
    });
    if (!row) throw runNotFound(input.runId); // the approval went with its run
    if (row.status === 'pending') {
      log.warn('ignored a decision that the owner did not send through the API (it reached Temporal some other way)', {
        runId: input.runId,
        approvalId: row.id,
        decision: input.status,
      });
      return { approvalId: row.id, status: row.status, note: null };
    }
    deps.metrics?.approvals.inc({ decision: row.status });
    return { approvalId: row.id, status: row.status, note: row.note };
  }

  return { requestApproval, settleApproval: settleApprovalActivity };
}
