import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  findApproval,
  findApprovalByLink,
  listApprovals,
  reserveDecision,
  type ApprovalRow,
} from '../../db/repositories/approvals';
import { findGenie } from '../../db/repositories/genies';
import { findRun } from '../../db/repositories/runs';
import { page, presentApproval } from '../../db/presenters';
import type { Db } from '../../db';
import type { ApprovalDecision, ApprovalStatus } from '../../domain/approvals';
import { approvalIdOfToken, verifyApprovalLinkToken } from '../../security/approval-links';
import type { Vault } from '../../security/vault';
import { withTemporalDeadline } from '../../temporal/client';
import { APPROVAL_REFUSAL, approvalDecidedSignal, decideApprovalUpdate } from '../../temporal/contract';
import { ConflictError, NotFoundError } from '../errors';
import { parseCursor } from '../validation';

/** How long a decision waits for the run's workflow to accept and record it. */
const DECIDE_TIMEOUT_MS = 10_000;

/** Tries a decision gets while the run's workflow has not yet registered the approval (about 5 s). */
const NOT_WAITING_RETRIES = 10;

/** The workflow refused the decision because it is not (yet) waiting for that approval. */
const notWaitingYet = (err: unknown): boolean =>
  err instanceof WorkflowUpdateFailedError &&
  err.cause instanceof ApplicationFailure &&
  err.cause.type === APPROVAL_REFUSAL.notWaiting;

/** Why an approval can take no decision now, or undefined when it can. */
function closedReason(approval: ApprovalRow): string | undefined {
  if (approval.status !== 'pending') return `This approval was already ${approval.status}.`;
  if (approval.expires_at.getTime() <= Date.now()) return 'This approval expired.';
  return undefined;
}

/**
 * What the email link page shows (no API key: the signed token is the proof). An open approval: the
 * call and its genie, for a decision. A settled one (decided, or expired): only how it ended — a
 * link outlives its use (a forwarded email, a browser's history), so it shows nothing else.
 */
export type ApprovalLinkView =
  | { settled?: undefined; approval: ReturnType<typeof presentApproval>; genieName: string }
  | { settled: Exclude<ApprovalStatus, 'pending'> };

/** How an approval ended, or undefined while it can take a decision. */
function settledAs(approval: ApprovalRow): Exclude<ApprovalStatus, 'pending'> | undefined {
  if (approval.status !== 'pending') return approval.status;
  if (approval.expires_at.getTime() <= Date.now()) return 'expired';
  return undefined;
}

/**
 * Approvals behind the API: list, and decide (approve or deny) by API key or by the signed link of
 * the approval's email. A decision goes to the run's workflow as the `decideApproval` update, whose
 * validator refuses an approval that is no longer pending, so a decision racing another or the
 * expiry answers 409, never a second outcome.
 */
export class ApprovalService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly vault: Vault
  ) {}

  async list(ownerId: string, options: { status?: ApprovalStatus; limit: number; cursor?: string }) {
    const cursor = parseCursor(options.cursor);
    const rows = await listApprovals(this.db, ownerId, { ...options, cursor });
    return page(rows, options.limit, presentApproval);
  }

  async get(ownerId: string, id: string) {
    const approval = await findApproval(this.db, ownerId, id);
    if (!approval) throw new NotFoundError('Approval');
    return presentApproval(approval);
  }

  /**
   * Approves or denies a pending approval; answers it as recorded (still `pending` when no worker
   * could take it now: queued, see queueDecision). 404 for another owner's.
   */
  async decide(ownerId: string, id: string, decision: ApprovalDecision, note: string | null) {
    const approval = await findApproval(this.db, ownerId, id);
    if (!approval) throw new NotFoundError('Approval');
    const closed = closedReason(approval);
    if (closed) throw new ConflictError(closed, { status: approval.status });
    if (!(await reserveDecision(this.db, ownerId, id, decision))) {
      const now = (await findApproval(this.db, ownerId, id))!;
      throw new ConflictError(
        closedReason(now) ?? `Another decision (${now.decision_sent}) is already on its way to the run.`,
        { status: now.status }
      );
    }
    const run = await findRun(this.db, ownerId, approval.run_id);
    if (!run) throw new NotFoundError('Approval');
    const handle = this.temporal.workflow.getHandle(run.workflow_id);
    const update = () =>
      withTemporalDeadline(
        this.temporal,
        () => handle.executeUpdate(decideApprovalUpdate, { args: [{ approvalId: id, decision, note }] }),
        DECIDE_TIMEOUT_MS
      );
    try {
      // Recorded a moment before the workflow learns of it: a decision that quick waits for it.
      for (let attempt = 1; ; attempt++) {
        try {
          await update();
          break;
        } catch (err) {
          if (!notWaitingYet(err) || attempt >= NOT_WAITING_RETRIES) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    } catch (err) {
      // No worker answered in time, or the run has not taken in its own request yet: queue it.
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || notWaitingYet(err)) {
        return this.queueDecision(handle, ownerId, id, decision, note);
      }
      if (!(err instanceof WorkflowUpdateFailedError) && !(err instanceof WorkflowNotFoundError)) throw err;
      // Refused by the workflow (decided, expired, or the run has ended): say what it is now.
      const now = await findApproval(this.db, ownerId, id);
      const reason = now ? closedReason(now) : undefined;
      const cause =
        err instanceof WorkflowUpdateFailedError && err.cause instanceof Error ? err.cause.message : undefined;
      throw new ConflictError(reason ?? cause ?? 'The run is no longer waiting for this approval.', {
        status: now?.status ?? approval.status,
      });
    }
    return presentApproval((await findApproval(this.db, ownerId, id))!);
  }

  /**
   * The run's workflow did not answer in time: its worker is down or restarting. The decision goes
   * to it as the `approvalDecided` signal instead, which Temporal stores at once and the run applies
   * when a worker is back (if the approval is still open then). Answers the approval: decided if that
   * already happened, else still pending (the caller says 202: accepted, not yet applied).
   */
  private async queueDecision(
    handle: WorkflowHandle,
    ownerId: string,
    id: string,
    decision: ApprovalDecision,
    note: string | null
  ) {
    try {
      await withTemporalDeadline(this.temporal, () =>
        handle.signal(approvalDecidedSignal, { approvalId: id, decision, note })
      );
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const now = await findApproval(this.db, ownerId, id);
      throw new ConflictError((now && closedReason(now)) ?? 'The run is no longer waiting for this approval.', {
        status: now?.status ?? 'pending',
      });
    }
    for (let i = 0; i < 5; i++) {
      const now = (await findApproval(this.db, ownerId, id))!;
      if (now.status === decision) return presentApproval(now);
      if (now.status !== 'pending') throw new ConflictError(closedReason(now)!, { status: now.status });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return presentApproval((await findApproval(this.db, ownerId, id))!);
  }

  /** The approval a link token names, if the token is its own (else 404: wrong, tampered, forged). */
  private async byLink(token: string): Promise<ApprovalRow> {
    const id = approvalIdOfToken(token);
    const approval = id ? await findApprovalByLink(this.db, id) : undefined;
    if (!approval || !verifyApprovalLinkToken(this.vault, token, approval)) throw new NotFoundError('Approval link');
    return approval;
  }

  async viewByLink(token: string): Promise<ApprovalLinkView> {
    const approval = await this.byLink(token);
    const settled = settledAs(approval);
    if (settled) return { settled };
    const genie = await findGenie(this.db, approval.owner_id, approval.genie_id);
    return { approval: presentApproval(approval), genieName: genie?.name ?? 'A genie' };
  }

  /** Decides by the email link: once (a decided or expired approval answers 409). */
  async decideByLink(token: string, decision: ApprovalDecision, note: string | null) {
    const approval = await this.byLink(token);
    return this.decide(approval.owner_id, approval.id, decision, note);
  }
}
