import { createApprovalActivities } from './approvals';
import type { ActivityDeps } from './deps';
import { createDelegationActivities } from './delegation';
import { createEvalActivities } from './evals';
import { createEventActivities } from './events';
import { withPermanentFailures } from './failures';
import { createModelActivities } from './model';
import { createModelBatchActivities } from './model-batch';
import { createRunLifecycleActivities } from './run-lifecycle';
import { createScheduleActivities } from './schedules';
import { createToolActivities } from './tools/run-tool';
import { createWebhookActivities } from './webhooks';

/** Every activity the worker registers, bound to its dependencies (names are the activity types). */
export function createActivities(deps: ActivityDeps) {
  return withPermanentFailures({
    ...createRunLifecycleActivities(deps),
    ...createModelActivities(deps),
    ...createModelBatchActivities(deps),
    ...createToolActivities(deps),
    ...createEventActivities(deps),
    ...createScheduleActivities(deps),
    ...createApprovalActivities(deps),
    ...createWebhookActivities(deps),
    ...createEvalActivities(deps),
    ...createDelegationActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps, ModelSettings, ToolDeps } from './deps';
