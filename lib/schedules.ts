// How a scheduled genie maps onto its Temporal Schedule (pure, unit-tested).
import type { ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Schedule } from './schemas/genie';
import {
  GENIE_RUN_WORKFLOW,
  genieIdKey,
  genieOwnerIdKey,
  genieTriggerTypeKey,
  scheduledRunWorkflowId,
  scheduleId,
} from './temporal-names';

/** After an outage, only runs missed within this window are made up; older ones are dropped. */
export const SCHEDULE_CATCHUP_WINDOW = '10 minutes';

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

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
      : {
          cronExpressions: [MACROS[schedule.cron!.trim()] ?? schedule.cron!.trim()],
          timezone: schedule.timezone ?? 'UTC',
        };
  const paused = schedule.paused === true || !genie.enabled;
  return {
    scheduleId: scheduleId(genie.id),
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: GENIE_RUN_WORKFLOW,
      workflowId: scheduledRunWorkflowId(genie.id),
      taskQueue,
      args: [{ genieId: genie.id, ownerId: genie.owner_id, trigger: { type: 'schedule' } }],
      typedSearchAttributes: [
        { key: genieIdKey, value: genie.id },
        { key: genieOwnerIdKey, value: genie.owner_id },
        { key: genieTriggerTypeKey, value: 'schedule' },
      ],
      staticSummary: `Genie "${genie.name}": scheduled run`,
    },
    policies: { overlap: OVERLAP[schedule.overlap ?? 'skip'], catchupWindow: SCHEDULE_CATCHUP_WINDOW },
    state: {
      paused,
      note: paused ? (genie.enabled ? 'paused by its schedule' : 'genie disabled') : 'running',
    },
  };
}

/** The time a scheduled run was meant for, from the workflow id Temporal gave it. */
export function scheduledTimeOf(workflowId: string, genieId: string): string | undefined {
  const prefix = `${scheduledRunWorkflowId(genieId)}-`;
  if (!workflowId.startsWith(prefix)) return undefined;
  const time = Date.parse(workflowId.slice(prefix.length));
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
