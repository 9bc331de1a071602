import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { findGenie } from '../../db/repositories/genies';
import { listSteps, type RunStepRow } from '../../db/repositories/run-records';
import {
  deleteRun,
  findRun,
  finishRun,
  insertRun,
  listRuns,
  TERMINAL_STATUSES,
  type RunRow,
  type RunStatus,
} from '../../db/repositories/runs';
import type { Db } from '../../db';
import { toPage } from '../../lib/pagination';
import {
  GENIE_RUN_WORKFLOW,
  genieIdKey,
  genieOwnerIdKey,
  genieTriggerTypeKey,
  runWorkflowId,
} from '../../lib/temporal-names';
import type { genieRun } from '../../workflows/genie-run';
import type { RunTrigger } from '../../workflows/types';
import { ConflictError, NotFoundError } from '../errors';
import { parseCursor } from '../validation';
import { withTemporalDeadline } from '../../lib/temporal';
import { presentRun, type RunLinks } from '../presenters';

/** How long get-run asks Temporal about an unfinished run before showing what Postgres knows. */
const RECONCILE_DESCRIBE_TIMEOUT_MS = 2000;

/** How long `cancel-run` waits for the workflow to confirm before answering. */
export const CANCEL_CONFIRM_MS = 10_000;

export interface RunSettings extends RunLinks {
  taskQueue: string;
}

function presentStep(step: RunStepRow, index: number) {
  return {
    seq: index + 1,
    kind: step.kind,
    turn: step.turn,
    ...(step.kind === 'tool' ? { tool: step.tool, tool_use_id: step.tool_use_id } : {}),
    input: step.input,
    output_preview: step.output_preview,
    is_error: step.is_error,
    ...(step.usage ? { usage: step.usage } : {}),
    started_at: step.started_at.toISOString(),
    duration_ms: step.duration_ms,
  };
}

/** Workflow endings the run row may have missed (terminated from the UI, say), as run endings. */
const CLOSED_WORKFLOW_ENDINGS: Record<string, { status: RunStatus; type: string; message: string }> = {
  TERMINATED: { status: 'failed', type: 'terminated', message: 'The run’s workflow was terminated.' },
  TIMED_OUT: { status: 'timed_out', type: 'timed_out', message: 'The run’s workflow timed out.' },
  CANCELLED: { status: 'cancelled', type: 'cancelled', message: 'The run was cancelled.' },
  FAILED: { status: 'failed', type: 'workflow_failed', message: 'The run’s workflow failed.' },
};

/** Run operations behind the API: start, list, get with steps, cancel. Owner-scoped throughout. */
export class RunService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly settings: RunSettings
  ) {}

  /** Records a queued run and starts its workflow; if Temporal refuses, the run is not kept. */
  async start(ownerId: string, genieId: string, input: unknown, trigger: RunTrigger = { type: 'manual' }) {
    const genie = await findGenie(this.db, ownerId, genieId);
    if (!genie) throw new NotFoundError('Genie');
    if (!genie.enabled) throw new ConflictError('The genie is disabled; enable it to run it.');
    const runId = crypto.randomUUID();
    const workflowId = runWorkflowId(runId);
    await insertRun(this.db, ownerId, { id: runId, genieId, workflowId, triggerType: trigger.type, input });
    try {
      await withTemporalDeadline(this.temporal, () =>
        this.temporal.workflow.start<typeof genieRun>(GENIE_RUN_WORKFLOW, {
          taskQueue: this.settings.taskQueue,
          workflowId,
          args: [{ runId, genieId, ownerId, trigger }],
          typedSearchAttributes: [
            { key: genieIdKey, value: genieId },
            { key: genieOwnerIdKey, value: ownerId },
            { key: genieTriggerTypeKey, value: trigger.type },
          ],
          staticSummary: `Genie "${genie.name}": ${trigger.type} run`,
          staticDetails: `Genie ${genie.id}, run ${runId}. Steps: GET /v1/runs/${runId}`,
        })
      );
    } catch (err) {
      await deleteRun(this.db, ownerId, runId);
      throw err;
    }
    return { run_id: runId, workflow_id: workflowId, status: 'queued' as const };
  }

  async list(ownerId: string, options: { genieId?: string; status?: RunStatus; limit: number; cursor?: string }) {
    if (options.genieId && !(await findGenie(this.db, ownerId, options.genieId))) throw new NotFoundError('Genie');
    const cursor = parseCursor(options.cursor);
    const page = toPage(await listRuns(this.db, ownerId, { ...options, cursor }), options.limit);
    return {
      items: page.items.map((run) => presentRun(run, this.settings)),
      ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
    };
  }

  async get(ownerId: string, runId: string) {
    let run = await findRun(this.db, ownerId, runId);
    if (!run) throw new NotFoundError('Run');
    run = await this.reconcile(ownerId, run);
    const steps = await listSteps(this.db, ownerId, runId);
    return { ...presentRun(run, this.settings), steps: steps.map(presentStep) };
  }

  /** Asks the workflow to cancel and waits (briefly) for it to record `cancelled`. */
  async cancel(ownerId: string, runId: string) {
    const run = await findRun(this.db, ownerId, runId);
    if (!run) throw new NotFoundError('Run');
    if (TERMINAL_STATUSES.includes(run.status)) throw new ConflictError(`The run already ended (${run.status}).`);
    const handle = this.temporal.workflow.getHandle(run.workflow_id);
    await withTemporalDeadline(this.temporal, () => handle.cancel());
    await Promise.race([handle.result().catch(() => undefined), new Promise((r) => setTimeout(r, CANCEL_CONFIRM_MS))]);
    return this.get(ownerId, runId);
  }

  /**
   * A run whose workflow closed without recording it (terminated from the Temporal UI, say) is
   * brought in line with the workflow. Temporal being unreachable leaves the row as it is.
   */
  private async reconcile(ownerId: string, run: RunRow): Promise<RunRow> {
    if (TERMINAL_STATUSES.includes(run.status)) return run;
    try {
      const description = await withTemporalDeadline(
        this.temporal,
        () => this.temporal.workflow.getHandle(run.workflow_id).describe(),
        RECONCILE_DESCRIBE_TIMEOUT_MS
      );
      const ending = CLOSED_WORKFLOW_ENDINGS[description.status.name];
      if (!ending) return run;
      const ended = await finishRun(this.db, ownerId, run.id, {
        status: ending.status,
        output: null,
        error: { type: ending.type, message: ending.message },
      });
      return ended ?? (await findRun(this.db, ownerId, run.id)) ?? run;
    } catch {
      return run; // not started yet, or Temporal down: show what Postgres knows
    }
  }
}
