import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import {
  reconcileNowSignal,
  SCHEDULE_RECONCILER_WORKFLOW_ID,
  WORKFLOW,
  type ScheduleReconcilerWorkflow,
} from '../temporal/contract';
import { withTemporalDeadline } from '../temporal/client';
import { workflowsPath } from './workflow-bundle';

export interface GenieWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** The payload codec (the same keys as the API's client). */
  dataConverter: DataConverter;
  /** Tracing, when on (it adds workflow interceptors, so the workflows are bundled with them). */
  plugins?: WorkerOptions['plugins'];
  /**
   * A pre-built bundle (`npm run build`'s, see ./workflow-bundle.ts; tests bundle once per file);
   * otherwise `workflows/` is bundled at start.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Runs kept in memory between steps (GENIE_WORKER_MAX_CACHED_WORKFLOWS); the SDK's default otherwise. */
  maxCachedWorkflows?: number;
}

/** A worker polling the genie task queue with every workflow and activity of the service. */
export async function createGenieWorker(options: GenieWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    dataConverter: options.dataConverter,
    plugins: options.plugins,
    maxCachedWorkflows: options.maxCachedWorkflows,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    activities: createActivities(options.deps),
  });
}

/**
 * Starts the schedule reconciler if it is not running, and asks it to reconcile now. Every worker
 * does this at start; there is still only one reconciler, so replicas never race.
 */
export async function requestScheduleReconciliation(client: Client, taskQueue: string): Promise<void> {
  await withTemporalDeadline(client, () =>
    client.workflow.signalWithStart<ScheduleReconcilerWorkflow, []>(WORKFLOW.scheduleReconciler, {
      workflowId: SCHEDULE_RECONCILER_WORKFLOW_ID,
      taskQueue,
      args: [{}],
      signal: reconcileNowSignal,
      signalArgs: [],
      staticSummary: 'Keeps Temporal Schedules in step with scheduled genies',
    })
  );
}
