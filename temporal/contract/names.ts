// The names operators see in the Temporal UI and the API relies on: workflow types, ids, search
// attributes. Change none of them without a migration plan: running workflows and schedules carry them.
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { RunTriggerType } from '../../domain/runs';

/** Workflow types, as registered by the worker (the exported function names in `workflows/`). */
export const WORKFLOW = {
  /** One run of a genie. */
  genieRun: 'genieRun',
  /** The event inbox of an event-triggered genie. */
  genieEvents: 'genieEvents',
  /** The one workflow that keeps Temporal Schedules in step with scheduled genies. */
  scheduleReconciler: 'scheduleReconciler',
  /** Delivers one webhook event, retrying for up to a day (outlives the run that started it). */
  webhookDelivery: 'webhookDelivery',
  /** An eval: a change to a genie tried against its past runs, one child `genieRun` per case. */
  genieEval: 'genieEval',
} as const;

const genieIdKey = defineSearchAttributeKey('GenieId', SearchAttributeType.KEYWORD);
const genieOwnerIdKey = defineSearchAttributeKey('GenieOwnerId', SearchAttributeType.KEYWORD);
const genieTriggerTypeKey = defineSearchAttributeKey('GenieTriggerType', SearchAttributeType.KEYWORD);
/** The genie's name when the workflow started: a column and a filter in the Temporal UI's lists. */
export const genieNameKey = defineSearchAttributeKey('GenieName', SearchAttributeType.KEYWORD);

/** The custom search attributes the service needs registered on its namespace. */
export const SEARCH_ATTRIBUTE_KEYS = [genieIdKey, genieOwnerIdKey, genieTriggerTypeKey, genieNameKey] as const;

/** The search attributes of every workflow that acts for a genie (runs, schedules, the inbox). */
export function genieSearchAttributes(genie: {
  genieId: string;
  ownerId: string;
  triggerType: RunTriggerType;
  genieName?: string;
}): SearchAttributePair[] {
  return [
    { key: genieIdKey, value: genie.genieId },
    { key: genieOwnerIdKey, value: genie.ownerId },
    { key: genieTriggerTypeKey, value: genie.triggerType },
    ...(genie.genieName === undefined ? [] : [{ key: genieNameKey, value: genie.genieName }]),
  ];
}

const RUN_PREFIX = 'genie-run-';
const SCHEDULED_RUN_PREFIX = `${RUN_PREFIX}sched-`;
const SCHEDULE_PREFIX = 'genie-schedule-';

/** Workflow id of a manual or event run. */
export const runWorkflowId = (runId: string): string => `${RUN_PREFIX}${runId}`;
/** Workflow id a schedule's action names; Temporal appends `-<time>` to each run it starts. */
export const scheduledRunWorkflowId = (genieId: string): string => `${SCHEDULED_RUN_PREFIX}${genieId}`;
export const scheduleId = (genieId: string): string => `${SCHEDULE_PREFIX}${genieId}`;
export const eventInboxWorkflowId = (genieId: string): string => `genie-events-${genieId}`;
export const SCHEDULE_RECONCILER_WORKFLOW_ID = 'genie-schedule-reconciler';
/** Workflow id of one webhook delivery (its id is also the `webhook-id` every attempt carries). */
export const webhookDeliveryWorkflowId = (deliveryId: string): string => `genie-webhook-${deliveryId}`;

/** The genie id of a schedule id of ours, or undefined for any other schedule. */
export const genieIdOfSchedule = (id: string): string | undefined =>
  id.startsWith(SCHEDULE_PREFIX) ? id.slice(SCHEDULE_PREFIX.length) : undefined;

/** The time a scheduled run was meant for, from the workflow id Temporal gave it. */
export function scheduledTimeOf(workflowId: string, genieId: string): string | undefined {
  const prefix = `${scheduledRunWorkflowId(genieId)}-`;
  if (!workflowId.startsWith(prefix)) return undefined;
  const time = Date.parse(workflowId.slice(prefix.length));
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
