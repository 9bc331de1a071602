import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  APPROVAL_ACTIVITY,
  type ApprovalOutcome,
  type PendingApprovalView,
  type RunStatusView,
  type ToolCallRef,
} from '../../temporal/contract';
import { startWebhookDelivery } from './webhook';

const { requestApproval } = proxyActivities<Activities>(APPROVAL_ACTIVITY);

/** A gated call waiting for its owner: what the status query shows, and the decision once made. */
export interface Waiting {
  view: PendingApprovalView;
  decision?: { status: 'approved' | 'denied' | 'expired'; note: string | null };
  /** The decision as recorded (what the update answers). */
  settled?: ApprovalOutcome;
}

export type Decision = NonNullable<Waiting['decision']>;

/** Records a decision on the run's approval (the `settleApproval` activity); answers it as recorded. */
export type Settle = (approvalId: string, decision: Decision) => Promise<ApprovalOutcome>;

/** Decisions sent (as the signal) before the run registered their approval; a few at most. */
const EARLY_DECISIONS_KEPT = 100;

/**
 * The approvals a run waits on. While any is pending the run's clock stops: `pausedMs` is added to
 * its deadline. A decision arrives as the `decideApproval` update or, when the API could not reach a
 * worker in time, as the `approvalDecided` signal; the first decision of an approval stands.
 */
export class Approvals {
  readonly pending = new Map<string, Waiting>();
  pausedMs = 0;
  private pausedAt = 0;
  private readonly early = new Map<string, Decision>();

  constructor(
    private readonly state: RunStatusView,
    private readonly settle: Settle
  ) {
    state.pendingApprovals = [];
  }

  get waiting(): boolean {
    return this.pending.size > 0;
  }

  add(waiting: Waiting): void {
    if (!this.waiting) this.pausedAt = Date.now();
    this.pending.set(waiting.view.approvalId, waiting);
    this.show();
  }

  remove(approvalId: string): void {
    this.pending.delete(approvalId);
    if (!this.waiting) this.pausedMs += Date.now() - this.pausedAt;
    this.show();
  }

  /** Can `waiting` still take a decision (none yet, not expired)? */
  open(waiting: Waiting): boolean {
    return waiting.decision === undefined && Date.now() < Date.parse(waiting.view.expiresAt);
  }

  /**
   * Takes the decision (at once, so a second one is refused), records it, and answers it as
   * recorded. Postgres has the last word: a decision it does not hold from the owner (one sent
   * straight to Temporal) is answered `pending` and dropped, and the approval stays open.
   */
  async decide(waiting: Waiting, decision: Decision): Promise<ApprovalOutcome> {
    waiting.decision = decision;
    const settled = await this.settle(waiting.view.approvalId, decision);
    if (settled.status === 'pending') waiting.decision = undefined;
    else waiting.settled = settled;
    return settled;
  }

  /** The signal's decision: applied if the approval is still open, kept if it is not registered yet. */
  async decideLater(approvalId: string, decision: Decision): Promise<void> {
    const waiting = this.pending.get(approvalId);
    if (!waiting) {
      if (!this.early.has(approvalId) && this.early.size < EARLY_DECISIONS_KEPT) this.early.set(approvalId, decision);
      return;
    }
    if (this.open(waiting)) await this.decide(waiting, decision);
  }

  /** A decision that arrived before the approval was registered, if any. */
  takeEarly(approvalId: string): Decision | undefined {
    const decision = this.early.get(approvalId);
    this.early.delete(approvalId);
    return decision;
  }

  private show(): void {
    this.state.pendingApprovals = [...this.pending.values()].map((w) => w.view);
    if (this.state.phase === 'running_tools' || this.state.phase === 'waiting_approval') {
      this.state.phase = this.waiting ? 'waiting_approval' : 'running_tools';
    }
  }
}

/** The run's ids: what the approval activities are given (the call's input stays in Postgres). */
export interface RunIds {
  runId: string;
  ownerId: string;
  genieId: string;
}

/**
 * Asks the owner about one gated call and waits for the decision, or for the approval to expire
 * (a durable timer). The decision counts only as Postgres records it (see Approvals.decide).
 */
export async function awaitApproval(
  approvals: Approvals,
  { runId, ownerId, genieId }: RunIds,
  call: ToolCallRef,
  turn: number
): Promise<ApprovalOutcome> {
  const ticket = await requestApproval.executeWithOptions(
    { ...APPROVAL_ACTIVITY, summary: `ask the owner: ${call.summary}` },
    [{ runId, ownerId, genieId, turn, toolUseId: call.id }]
  );
  if (ticket.webhookDeliveryId) await startWebhookDelivery(ownerId, ticket.webhookDeliveryId);
  if (ticket.status !== 'pending') return { approvalId: ticket.approvalId, status: ticket.status, note: ticket.note };
  const waiting: Waiting = {
    view: { approvalId: ticket.approvalId, tool: call.name, toolUseId: call.id, expiresAt: ticket.expiresAt },
  };
  approvals.add(waiting);
  try {
    const early = approvals.takeEarly(ticket.approvalId);
    if (early && approvals.open(waiting)) await approvals.decide(waiting, early);
    for (;;) {
      const left = Math.max(1, Date.parse(ticket.expiresAt) - Date.now());
      const decided = await condition(() => waiting.decision !== undefined, left, {
        summary: `waiting for the owner to approve ${call.summary}`,
      });
      if (!decided) await approvals.decide(waiting, { status: 'expired', note: null });
      // The decision is recorded first; one Postgres did not hold is dropped, and the wait goes on.
      await condition(() => waiting.settled !== undefined || waiting.decision === undefined);
      if (waiting.settled) return waiting.settled;
    }
  } finally {
    approvals.remove(ticket.approvalId);
  }
}
