import crypto from 'node:crypto';
import { claimEventRun, findEvent, markEventsDropped } from '../db/repositories/events';
import { findGenie } from '../db/repositories/genies';
import { recordRun } from '../db/repositories/runs';
import type { DropEventsInput, EventRunPlan, PrepareEventRunInput } from '../temporal/contract';
import type { ActivityDeps } from './deps';

/** The event inbox's activities, bound to the database. */
export function createEventActivities({ db }: Pick<ActivityDeps, 'db'>) {
  /**
   * `prepareEventRun`: records the run of one event (once: a repeat returns the same run), with
   * the event payload as its input, and tells the inbox how many runs may go at once.
   */
  async function prepareEventRun(input: PrepareEventRunInput): Promise<EventRunPlan> {
    const genie = await findGenie(db, input.ownerId, input.genieId);
    const event = await findEvent(db, input.ownerId, input.eventId);
    const maxConcurrent = genie?.max_concurrent_runs ?? 1;
    if (!genie || !event || !genie.enabled) {
      if (event) await markEventsDropped(db, input.ownerId, [event.id]);
      return { start: false, maxConcurrent };
    }
    const runId = await claimEventRun(db, input.ownerId, event.id, crypto.randomUUID());
    if (!runId) return { start: false, maxConcurrent }; // deleted under us, with its genie
    await recordRun(db, input.ownerId, {
      id: runId,
      genieId: genie.id,
      trigger: { type: 'event', eventType: event.event_type, eventId: event.id },
      input: event.payload,
    });
    return { start: true, runId, maxConcurrent, genieName: genie.name };
  }

  /** `dropEvents`: marks events an inbox stopped before running. */
  async function dropEvents(input: DropEventsInput): Promise<void> {
    await markEventsDropped(db, input.ownerId, input.eventIds);
  }

  return { prepareEventRun, dropEvents };
}
