import type { Client } from '@temporalio/client';
import { deleteEvent, insertEvent } from '../../db/repositories/events';
import { findGenie, listEventGenies, type GenieRow } from '../../db/repositories/genies';
import type { Db } from '../../db';
import { withTemporalDeadline } from '../../temporal/client';
import {
  eventInboxWorkflowId,
  eventSignal,
  genieSearchAttributes,
  stopSignal,
  WORKFLOW,
  type GenieEventsWorkflow,
  type InboxEvent,
} from '../../temporal/contract';
import { ConflictError, NotFoundError, PayloadTooLargeError } from '../errors';

/** Event payloads above this are refused. */
const EVENT_PAYLOAD_MAX_BYTES = 256 * 1024;
/** The event type of an event sent to one genie without one. */
const DEFAULT_EVENT_TYPE = 'manual';

export interface EventInput {
  eventType?: string;
  payload: unknown;
  idempotencyKey?: string;
}

/**
 * Delivers events to event-triggered genies: stores the event (payload in Postgres, duplicates
 * refused by idempotency key) and signals it into the genie's inbox workflow with signalWithStart.
 */
export class EventService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly taskQueue: string
  ) {}

  /** One event to one genie (the trigger action and POST /v1/worker-genies/{id}/events). */
  async send(ownerId: string, genieId: string, input: EventInput) {
    const genie = await findGenie(this.db, ownerId, genieId);
    if (!genie) throw new NotFoundError('Genie');
    if (genie.trigger_type !== 'event')
      throw new ConflictError('The genie is not event-triggered (trigger_type "event").');
    if (!genie.enabled) throw new ConflictError('The genie is disabled; enable it to send it events.');
    checkPayload(input.payload);
    return { accepted: true, ...(await this.deliver(ownerId, genie, input)) };
  }

  /** One event to every enabled genie of the owner subscribed to its type (POST /v1/events). */
  async fanOut(ownerId: string, input: EventInput & { eventType: string }) {
    checkPayload(input.payload);
    const genies = await listEventGenies(this.db, ownerId, input.eventType);
    const delivered = [];
    for (const genie of genies) delivered.push({ genie_id: genie.id, ...(await this.deliver(ownerId, genie, input)) });
    return { accepted: true, event_type: input.eventType, delivered };
  }

  /** Asks the genie's inbox to stop (it was disabled, or is no longer event-triggered). */
  async stopInbox(genieId: string): Promise<void> {
    await withTemporalDeadline(this.temporal, () =>
      this.temporal.workflow
        .getHandle(eventInboxWorkflowId(genieId))
        .signal(stopSignal)
        .catch(() => undefined)
    );
  }

  private async deliver(
    ownerId: string,
    genie: GenieRow,
    input: EventInput
  ): Promise<{ duplicate: boolean; event_id?: string }> {
    const eventType = input.eventType ?? DEFAULT_EVENT_TYPE;
    const event = await insertEvent(this.db, ownerId, {
      genieId: genie.id,
      eventType,
      payload: input.payload,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    if (!event) return { duplicate: true };
    try {
      await withTemporalDeadline(this.temporal, () =>
        this.temporal.workflow.signalWithStart<GenieEventsWorkflow, [InboxEvent]>(WORKFLOW.genieEvents, {
          workflowId: eventInboxWorkflowId(genie.id),
          taskQueue: this.taskQueue,
          args: [{ genieId: genie.id, ownerId }],
          signal: eventSignal,
          signalArgs: [{ eventId: event.id, eventType, idempotencyKey: input.idempotencyKey }],
          typedSearchAttributes: genieSearchAttributes({
            genieId: genie.id,
            ownerId,
            triggerType: 'event',
            genieName: genie.name,
          }),
          staticSummary: `Genie "${genie.name}": event inbox`,
        })
      );
    } catch (err) {
      await deleteEvent(this.db, ownerId, event.id); // not delivered: a retry with the same key must go through
      throw err;
    }
    return { duplicate: false, event_id: event.id };
  }
}

function checkPayload(payload: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(payload ?? null), 'utf8');
  if (bytes > EVENT_PAYLOAD_MAX_BYTES) throw new PayloadTooLargeError('256 KiB (event payload)');
}
