// Signals and queries. Handlers are set in `workflows/`; the API and tests send and ask through
// these same objects, so a name is spelled once.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { InboxEvent, InboxStatusView, RunStatusView } from './payloads';

/** `genieRun`: phase, turn, the tools running now and the usage so far. */
export const runStatusQuery = defineQuery<RunStatusView>('status');

/** `genieEvents`: delivers one event (sent by POST /v1/worker-genies/:id/events and POST /v1/events). */
export const eventSignal = defineSignal<[InboxEvent]>('event');
/** `genieEvents`: stop once running children finish (the genie was disabled or is no longer event-triggered). */
export const stopSignal = defineSignal('stop');
/** `genieEvents`: how many events wait, run and were seen. */
export const inboxStatusQuery = defineQuery<InboxStatusView>('status');

/** `scheduleReconciler`: reconcile now instead of at the next tick (sent by every worker at start). */
export const reconcileNowSignal = defineSignal('reconcileNow');
