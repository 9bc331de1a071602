import {
  ParentClosePolicy,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  eventSignal,
  genieSearchAttributes,
  inboxStatusQuery,
  LIFECYCLE_ACTIVITY,
  runWorkflowId,
  stopSignal,
  WORKFLOW,
  type GenieEventsInput,
  type GenieRunWorkflow,
  type InboxEvent,
} from '../temporal/contract';

/** Idempotency keys are remembered this long, and the newest SEEN_KEYS_KEPT always. */
const SEEN_KEYS_TTL_MS = 24 * 60 * 60 * 1000;
const SEEN_KEYS_KEPT = 10_000;

const { prepareEventRun, dropEvents } = proxyActivities<Activities>(LIFECYCLE_ACTIVITY);

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

  const continueAsNewAfter = input.testing?.continueAsNewAfter ?? input.continueAsNewAfter;
  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested || (continueAsNewAfter !== undefined && started >= continueAsNewAfter);

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
    if (!plan.start) continue;
    const child = await startChild<GenieRunWorkflow>(WORKFLOW.genieRun, {
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
      typedSearchAttributes: genieSearchAttributes({
        genieId: input.genieId,
        ownerId: input.ownerId,
        triggerType: 'event',
        genieName: plan.genieName,
      }),
      staticSummary: plan.genieName
        ? `Genie "${plan.genieName}": event ${event.eventType}`
        : `Event run: ${event.eventType}`,
    });
    running++;
    started++;
    void child.result().then(
      () => running--,
      () => running--
    );
  }
}
