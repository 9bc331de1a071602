import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { withTemporalDeadline } from './client';
import { genieIdOfSchedule, scheduleId, type ReconcileReport } from './contract';
import { scheduleOptionsFor, type ScheduledGenie } from './schedule-options';

/** How old a schedule without a genie must be before the reconciler deletes it. */
const ORPHAN_GRACE_MS = 60_000;

export interface ScheduleView {
  next_run_times: string[];
  paused: boolean;
  skipped_actions: number;
  missed_actions: number;
  recent_actions: number;
}

/**
 * Keeps each scheduled genie's Temporal Schedule (`genie-schedule-<id>`) in step with the genie.
 * Throws Temporal's own errors (the API answers 503 for an unreachable server).
 */
export class GenieSchedules {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string
  ) {}

  /** Creates the schedule, or replaces its spec, policies, action and pause state. */
  async upsert(genie: ScheduledGenie): Promise<void> {
    return withTemporalDeadline(this.client, () => this.upsertNow(genie));
  }

  private async upsertNow(genie: ScheduledGenie): Promise<void> {
    const options = scheduleOptionsFor(genie, this.taskQueue);
    const handle = this.client.schedule.getHandle(options.scheduleId);
    try {
      await handle.update(() => ({
        spec: options.spec,
        action: options.action,
        policies: options.policies,
        state: options.state ?? {},
      }));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await this.client.schedule.create(options);
    }
  }

  /** Deletes the schedule; a schedule that is already gone is fine. */
  async remove(genieId: string): Promise<void> {
    try {
      await withTemporalDeadline(this.client, () => this.client.schedule.getHandle(scheduleId(genieId)).delete());
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }

  /** Next fire times (up to 5) and action counts, or undefined when there is no schedule. */
  async view(genieId: string): Promise<ScheduleView | undefined> {
    try {
      const description = await withTemporalDeadline(
        this.client,
        () => this.client.schedule.getHandle(scheduleId(genieId)).describe(),
        3000
      );
      return {
        next_run_times: description.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
        paused: description.state.paused,
        skipped_actions: description.info.numActionsSkippedOverlap,
        missed_actions: description.info.numActionsMissedCatchupWindow,
        recent_actions: description.info.recentActions.length,
      };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }

  /** When the schedule was created (to spare ones younger than a genie's commit). */
  async createdAt(genieId: string): Promise<Date | undefined> {
    try {
      return (await this.client.schedule.getHandle(scheduleId(genieId)).describe()).info.createdAt;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }

  /** Ids of the genies that have a schedule on the server. */
  async listScheduledGenieIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const summary of this.client.schedule.list()) {
      const genieId = genieIdOfSchedule(summary.scheduleId);
      if (genieId) ids.push(genieId);
    }
    return ids;
  }

  /**
   * Repairs drift between genies and schedules: a schedule whose genie is gone (or no longer
   * scheduled) is deleted; a scheduled genie without a schedule gets one.
   */
  async reconcile(
    scheduledGenies: ScheduledGenie[],
    options: { orphanGraceMs?: number } = {}
  ): Promise<ReconcileReport> {
    const grace = options.orphanGraceMs ?? ORPHAN_GRACE_MS;
    const wanted = new Map(scheduledGenies.map((g) => [g.id, g]));
    const existing = new Set(await this.listScheduledGenieIds());
    const report: ReconcileReport = { created: [], deleted: [] };
    for (const id of existing) {
      if (wanted.has(id)) continue;
      // A genie being created makes its schedule before its row commits: spare young schedules.
      const created = await this.createdAt(id);
      if (created && Date.now() - created.getTime() < grace) continue;
      await this.remove(id);
      report.deleted.push(id);
    }
    for (const [id, genie] of wanted) {
      if (!existing.has(id)) {
        await this.upsert(genie);
        report.created.push(id);
      }
    }
    return report;
  }
}
