import crypto from 'node:crypto';
import { claimEventRun, findEvent, markEventsDropped } from '../db/repositories/events';
import { findGenie } from '../db/repositories/genies';
import { ensureRun } from '../db/repositories/runs';
import type { Db } from '../db';
import { runWorkflowId } from '../lib/temporal-names';
import type { EventRunPlan } from '../workflows/types';

/**
 * The `prepareEventRun` activity: records the run of one event (once: a repeat returns the same
 * run), with the event payload as its input, and tells the inbox how many runs may go at once.
 */
export function createPrepareEventRun(db: Db) {
  return async function prepareEventRun(input: {
    ownerId: string;
    genieId: string;
    eventId: string;
  }): Promise<EventRunPlan> {
    const genie = await findGenie(db, input.ownerId, input.genieId);
    const event = await findEvent(db, input.ownerId, input.eventId);
    if (!genie || !event || !genie.enabled) {
      if (event) await markEventsDropped(db, input.ownerId, [event.id]);
      return { start: false, maxConcurrent: genie?.max_concurrent_runs ?? 1 };
    }
    const runId = (await claimEventRun(db, input.ownerId, event.id, crypto.randomUUID()))!;
    await ensureRun(db, input.ownerId, {
      id: runId,
      genieId: genie.id,
      workflowId: runWorkflowId(runId),
      triggerType: 'event',
      input: event.payload,
    });
    return { start: true, runId, maxConcurrent: genie.max_concurrent_runs };
  };
}

/** The `dropEvents` activity: marks events an inbox stopped before running. */
export function createDropEvents(db: Db) {
  return async function dropEvents(input: { ownerId: string; eventIds: string[] }): Promise<void> {
    await markEventsDropped(db, input.ownerId, input.eventIds);
  };
}
