import {
  ParentClosePolicy,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { genieIdKey, genieOwnerIdKey, genieTriggerTypeKey, runWorkflowId } from '../lib/temporal-names';
import type { genieRun } from './genie-run';
import type { GenieEventsInput, InboxEvent } from './types';

/** Delivers one event (signalled by POST /v1/worker-genies/:id/events and POST /v1/events). */
export const eventSignal = defineSignal<[InboxEvent]>('event');
/** Stops the inbox once its running children finish (the genie was disabled or stopped being an event genie). */
export const stopSignal = defineSignal('stop');
export const inboxStatusQuery = defineQuery<{ pending: number; running: number; seen: number }>('status');

/** Idempotency keys are remembered this long, and the newest SEEN_KEYS_KEPT always. */
export const SEEN_KEYS_TTL_MS = 24 * 60 * 60 * 1000;
export const SEEN_KEYS_KEPT = 10_000;

const { prepareEventRun, dropEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

function prune(seen: Map<string, number>, now: number): Array<[string, number]> {
  const entries = [...seen.entries()].sort((a, b) => b[1] - a[1]);
  return entries.filter(([, at], index) => index < SEEN_KEYS_KEPT || now - at < SEEN_KEYS_TTL_MS);
}

/**
 * `genieEvents`: the inbox of an event-triggered genie (`genie-events-<genie_id>`), reached by
 * signalWithStart. Drops repeated idempotency keys, starts one child `genieRun` per event in order,
 * at most `max_concurrent_runs` at once (children are abandoned on close, so continue-as-new never
 * kills one), and continues as new — only with no child running — when the server suggests it.
 */
export async function genieEvents(input: GenieEventsInput): Promise<{ dropped: number }> {
  const pending: InboxEvent[] = [...(input.pending ?? [])];
  const seen = new Map<string, number>(input.seen ?? []);
  let running = 0;
  let limit = 1;
  let started = 0;
  let stopping = false;

  setHandler(eventSignal, (event) => {
    if (event.idempotencyKey) {
      if (seen.has(event.idempotencyKey)) return; // signals are at-least-once
      seen.set(event.idempotencyKey, Date.now());
    }
    pending.push(event);
  });
  setHandler(stopSignal, () => {
    stopping = true;
  });
  setHandler(inboxStatusQuery, () => ({ pending: pending.length, running, seen: seen.size }));

  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested ||
    (input.continueAsNewAfter !== undefined && started >= input.continueAsNewAfter);

  for (;;) {
    await condition(() => stopping || shouldContinueAsNew() || (pending.length > 0 && running < limit));
    if (stopping || shouldContinueAsNew()) {
      await condition(() => running === 0);
      if (stopping) {
        await dropEvents({ ownerId: input.ownerId, eventIds: pending.map((e) => e.eventId) });
        return { dropped: pending.length };
      }
      await continueAsNew<typeof genieEvents>({ ...input, pending, seen: prune(seen, Date.now()) });
    }
    const event = pending.shift()!;
    const plan = await prepareEventRun({ ownerId: input.ownerId, genieId: input.genieId, eventId: event.eventId });
    limit = plan.maxConcurrent;
    if (!plan.start || !plan.runId) continue;
    const child = await startChild<typeof genieRun>('genieRun', {
      workflowId: runWorkflowId(plan.runId),
      args: [
        {
          runId: plan.runId,
          genieId: input.genieId,
          ownerId: input.ownerId,
          trigger: { type: 'event', eventType: event.eventType, eventId: event.eventId },
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: genieIdKey, value: input.genieId },
        { key: genieOwnerIdKey, value: input.ownerId },
        { key: genieTriggerTypeKey, value: 'event' },
      ],
      staticSummary: `Event run: ${event.eventType}`,
    });
    running++;
    started++;
    void child.result().then(
      () => running--,
      () => running--
    );
  }
}
