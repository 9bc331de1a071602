// How a scheduled genie maps onto its Temporal Schedule (pure, unit-tested).
import type { ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import { expandCronMacro } from '../domain/cron';
import type { Schedule } from '../domain/schemas/genie';
import {
  genieSearchAttributes,
  scheduledRunWorkflowId,
  scheduleId,
  WORKFLOW,
  type GenieRunInput,
  type GenieRunWorkflow,
} from './contract';

/** After an outage, only runs missed within this window are made up; older ones are dropped. */
export const SCHEDULE_CATCHUP_WINDOW = '10 minutes';

const OVERLAP: Record<NonNullable<Schedule['overlap']>, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  buffer_one: 'BUFFER_ONE',
  allow_all: 'ALLOW_ALL',
  cancel_other: 'CANCEL_OTHER',
};

export interface ScheduledGenie {
  id: string;
  owner_id: string;
  name: string;
  enabled: boolean;
  schedule: Schedule;
}

/** The Temporal Schedule of a scheduled genie: its spec, overlap policy, pause state and action. */
export function scheduleOptionsFor(genie: ScheduledGenie, taskQueue: string): ScheduleOptions {
  const schedule = genie.schedule;
  const spec =
    schedule.interval_seconds !== undefined
      ? { intervals: [{ every: `${schedule.interval_seconds}s` }] }
      : { cronExpressions: [expandCronMacro(schedule.cron!)], timezone: schedule.timezone ?? 'UTC' };
  const paused = schedule.paused === true || !genie.enabled;
  const when =
    schedule.interval_seconds !== undefined
      ? `every ${schedule.interval_seconds} s`
      : `cron "${schedule.cron}" in ${schedule.timezone ?? 'UTC'}`;
  const state = paused ? (genie.enabled ? 'paused by its schedule' : 'paused: genie disabled') : 'running';
  const input: GenieRunInput = { genieId: genie.id, ownerId: genie.owner_id, trigger: { type: 'schedule' } };
  return {
    scheduleId: scheduleId(genie.id),
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW.genieRun,
      workflowId: scheduledRunWorkflowId(genie.id),
      taskQueue,
      args: [input] satisfies Parameters<GenieRunWorkflow>,
      typedSearchAttributes: genieSearchAttributes({
        genieId: genie.id,
        ownerId: genie.owner_id,
        triggerType: 'schedule',
        genieName: genie.name,
      }),
      staticSummary: `Genie "${genie.name}": scheduled run`,
    },
    policies: { overlap: OVERLAP[schedule.overlap ?? 'skip'], catchupWindow: SCHEDULE_CATCHUP_WINDOW },
    // The Temporal UI shows the note on the schedule's page: whose schedule, when, in which zone.
    // (A memo would say it too, but Temporal cannot update a schedule's memo after a rename.)
    state: { paused, note: `Genie "${genie.name}", ${when}: ${state}` },
  };
}
