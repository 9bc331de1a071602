import { log } from '@temporalio/activity';
import { listAllScheduledGenies } from '../db/repositories/genies';
import type { ReconcileReport } from '../temporal/contract';
import type { ScheduledGenie } from '../temporal/schedule-options';
import type { ActivityDeps } from './deps';

/** The schedule reconciler's activity, bound to the database and the Temporal client. */
export function createScheduleActivities({ db, schedules }: Pick<ActivityDeps, 'db' | 'schedules'>) {
  /** `reconcileSchedules`: one pass of repairing drift between scheduled genies and their schedules. */
  async function reconcileSchedules(): Promise<ReconcileReport> {
    const genies = (await listAllScheduledGenies(db)) as ScheduledGenie[];
    const report = await schedules.reconcile(genies);
    if (report.created.length || report.deleted.length) log.info('schedules reconciled', { ...report });
    return report;
  }

  return { reconcileSchedules };
}
