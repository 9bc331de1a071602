// Temporal names shared by the API, the worker and workflow code (CONTRACT.md §6). Pure: safe to
// import from workflows/.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const GENIE_RUN_WORKFLOW = 'genieRun';

export const genieIdKey = defineSearchAttributeKey('GenieId', SearchAttributeType.KEYWORD);
export const genieOwnerIdKey = defineSearchAttributeKey('GenieOwnerId', SearchAttributeType.KEYWORD);
export const genieTriggerTypeKey = defineSearchAttributeKey('GenieTriggerType', SearchAttributeType.KEYWORD);

/** The custom search attributes the service needs registered on its namespace. */
export const SEARCH_ATTRIBUTE_KEYS = [genieIdKey, genieOwnerIdKey, genieTriggerTypeKey] as const;

export const runWorkflowId = (runId: string): string => `genie-run-${runId}`;
export const scheduledRunWorkflowId = (genieId: string): string => `genie-run-sched-${genieId}`;
export const scheduleId = (genieId: string): string => `genie-schedule-${genieId}`;
export const eventInboxWorkflowId = (genieId: string): string => `genie-events-${genieId}`;
