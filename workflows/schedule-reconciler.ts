import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { LIFECYCLE_ACTIVITY, reconcileNowSignal, type ScheduleReconcilerInput } from '../temporal/contract';

/** How often schedules are checked against genies when nobody asks sooner. */
const RECONCILE_EVERY = '10 minutes';
/** Passes before the workflow continues as new (keeps its history short). */
const PASSES_PER_RUN = 100;

const { reconcileSchedules } = proxyActivities<Activities>(LIFECYCLE_ACTIVITY);

/**
 * `scheduleReconciler`: the single workflow (`genie-schedule-reconciler`) that repairs drift
 * between scheduled genies and their Temporal Schedules, now (when a worker starts and signals
 * `reconcileNow`) and every RECONCILE_EVERY. One workflow id means worker replicas never race each
 * other to create or delete the same schedule.
 */
export async function scheduleReconciler(input: ScheduleReconcilerInput): Promise<void> {
  let requested = true;
  setHandler(reconcileNowSignal, () => {
    requested = true;
  });
  for (let pass = input.passes ?? 0; ; pass++) {
    await condition(() => requested, RECONCILE_EVERY);
    requested = false;
    await reconcileSchedules();
    if (pass + 1 >= PASSES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof scheduleReconciler>({ passes: 0 });
    }
  }
}
