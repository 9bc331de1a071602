// Signals and queries. Handlers are set in `workflows/`; the API and tests send and ask through
// these same objects, so a name is spelled once.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApprovalOutcome,
  ChildWaitingNotice,
  DecideApprovalInput,
  InboxEvent,
  InboxStatusView,
  RunStatusView,
} from './payloads';

/** `genieRun`: phase, turn, the tools running now and the usage so far. */
export const runStatusQuery = defineQuery<RunStatusView>('status');

/**
 * `genieRun`: the owner's decision on one of the run's pending approvals. The validator refuses an
 * approval the run is not waiting for, one already decided and one expired, so the caller learns
 * synchronously; accepted, it is recorded before the update answers.
 */
export const decideApprovalUpdate = defineUpdate<ApprovalOutcome, [DecideApprovalInput]>('decideApproval');

/**
 * `genieRun`: the same decision as a signal, which Temporal stores even while no worker runs. The
 * API sends it when the update found no worker in time; the run applies it when it next runs, if
 * the approval is still open then (the first decision of an approval stands).
 */
export const approvalDecidedSignal = defineSignal<[DecideApprovalInput]>('approvalDecided');

/** Why decideApproval's validator refused a decision (the failure type the caller sees). */
export const APPROVAL_REFUSAL = {
  /** The run has not (yet) asked for it: the request may still be on its way to the workflow. */
  notWaiting: 'ApprovalNotWaiting',
  decided: 'ApprovalAlreadyDecided',
  expired: 'ApprovalExpired',
} as const;

/**
 * `genieRun`: a monthly budget of the run's genie or owner changed. A run waiting for its budget
 * asks again at once (sent by genie updates and account PATCHes to the runs found waiting).
 */
export const budgetChangedSignal = defineSignal('budgetChanged');

/**
 * `genieRun`: a run it asked for (ask_genie) started or stopped waiting for its owner's approval,
 * its budget, or a run it asked for in turn. While one does, the parent's live phase is
 * `waiting_child` and its clock stops, as its own approvals stop it.
 */
export const childWaitingSignal = defineSignal<[ChildWaitingNotice]>('childWaiting');

/** `genieEvents`: delivers one event (sent by POST /v1/worker-genies/:id/events and POST /v1/events). */
export const eventSignal = defineSignal<[InboxEvent]>('event');
/** `genieEvents`: stop once running children finish (the genie was disabled or is no longer event-triggered). */
export const stopSignal = defineSignal('stop');
/** `genieEvents`: how many events wait, run and were seen. */
export const inboxStatusQuery = defineQuery<InboxStatusView>('status');

/** `scheduleReconciler`: reconcile now instead of at the next tick (sent by every worker at start). */
export const reconcileNowSignal = defineSignal('reconcileNow');
