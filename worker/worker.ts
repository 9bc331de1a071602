import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface GenieWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests bundle once per file); otherwise `workflows/` is bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** A worker polling the genie task queue with every workflow and activity of the service. */
export async function createGenieWorker(options: GenieWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(options.deps),
  });
}
