import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { findGenie } from '../../db/repositories/genies';
import {
  claimIdempotencyKey,
  findIdempotencyKey,
  type IdempotencyKeyRow,
} from '../../db/repositories/idempotency-keys';
import { loadRunDetail } from '../../db/repositories/run-context';
import { deleteRun, findRun, finishRun, listRuns, recordRun, type RunRow } from '../../db/repositories/runs';
import type { Db } from '../../db';
import { isTerminal, RUN_ERROR, type RunError, type RunStatus, type RunTrigger } from '../../domain/runs';
import { withTemporalDeadline } from '../../temporal/client';
import { genieSearchAttributes, WORKFLOW, type GenieRunInput, type GenieRunWorkflow } from '../../temporal/contract';
import { ConflictError, NotFoundError } from '../errors';
import {
  page,
  presentApproval,
  presentGenieConfig,
  presentRun,
  presentRunChild,
  presentStep,
  presentWebhookDelivery,
  type RunLinks,
} from '../../db/presenters';
import { parseCursor } from '../validation';
import { isActive, type LiveCache } from './live-cache';

/** How long `cancel-run` waits for the workflow to confirm before answering. */
const CANCEL_CONFIRM_MS = 10_000;

export interface RunSettings extends RunLinks {
  taskQueue: string;
}

export type { RunLive } from './live-cache';

/** The answer to a run start; `replayed` when an Idempotency-Key repeat returned an earlier run. */
export interface RunStarted {
  run_id: string;
  workflow_id: string;
  status: 'queued';
  replayed: boolean;
}

/** JSON with object keys sorted, so equal values hash alike whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const hashRequest = (genieId: string, input: unknown): string =>
  crypto.createHash('sha256').update(canonicalJson({ genieId, input })).digest('hex');

/** Workflow endings the run row may have missed (terminated from the UI, say), as run endings. */
const CLOSED_WORKFLOW_ENDINGS: Record<string, { status: RunStatus } & RunError> = {
  TERMINATED: { status: 'failed', type: 'terminated', message: 'The run’s workflow was terminated.' },
  TIMED_OUT: { status: 'timed_out', type: RUN_ERROR.timedOut, message: 'The run’s workflow timed out.' },
  CANCELLED: { status: 'cancelled', type: RUN_ERROR.cancelled, message: 'The run was cancelled.' },
  FAILED: { status: 'failed', type: 'workflow_failed', message: 'The run’s workflow failed.' },
};

/** Run operations behind the API: start, list, get with steps, cancel. Owner-scoped throughout. */
export class RunService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly settings: RunSettings,
    /** What Temporal says about unfinished runs (shared with the run streams of this process). */
    private readonly liveCache: LiveCache
  ) {}

  /**
   * Records a queued run and starts its workflow; if Temporal refuses, the run is not kept. With an
   * `Idempotency-Key`, a repeat within 24 h answers the first run and starts nothing (`replayed`),
   * and the key reused for another genie or input is a 409.
   */
  async start(
    ownerId: string,
    genieId: string,
    input: unknown,
    options: { trigger?: RunTrigger; idempotencyKey?: string } = {}
  ): Promise<RunStarted> {
    const trigger = options.trigger ?? { type: 'manual' };
    const key = options.idempotencyKey;
    const requestHash = key === undefined ? '' : hashRequest(genieId, input);
    if (key !== undefined) {
      const earlier = await findIdempotencyKey(this.db, ownerId, key);
      if (earlier) return this.replay(ownerId, earlier, genieId, requestHash);
    }
    const genie = await findGenie(this.db, ownerId, genieId);
    if (!genie) throw new NotFoundError('Genie');
    if (!genie.enabled) throw new ConflictError('The genie is disabled; enable it to run it.');
    const run = await recordRun(this.db, ownerId, { genieId, trigger, input });
    if (
      key !== undefined &&
      !(await claimIdempotencyKey(this.db, ownerId, { key, genieId, requestHash, runId: run.id }))
    ) {
      // Another request with this key won the race: this one starts nothing.
      await deleteRun(this.db, ownerId, run.id);
      const winner = await findIdempotencyKey(this.db, ownerId, key);
      if (!winner) throw new ConflictError('A request with this Idempotency-Key is in progress; retry shortly.');
      return this.replay(ownerId, winner, genieId, requestHash);
    }
    const args: GenieRunInput = { runId: run.id, genieId, ownerId, trigger };
    try {
      await withTemporalDeadline(this.temporal, () =>
        this.temporal.workflow.start<GenieRunWorkflow>(WORKFLOW.genieRun, {
          taskQueue: this.settings.taskQueue,
          workflowId: run.workflow_id,
          args: [args],
          typedSearchAttributes: genieSearchAttributes({
            genieId,
            ownerId,
            triggerType: trigger.type,
            genieName: genie.name,
          }),
          staticSummary: `Genie "${genie.name}": ${trigger.type} run`,
          staticDetails: `Genie ${genie.id}, run ${run.id}. Steps: GET /v1/runs/${run.id}`,
        })
      );
    } catch (err) {
      await deleteRun(this.db, ownerId, run.id);
      throw err;
    }
    return { run_id: run.id, workflow_id: run.workflow_id, status: 'queued', replayed: false };
  }

  /** The answer of the first request with this key, or 409 when the key now names another request. */
  private async replay(ownerId: string, earlier: IdempotencyKeyRow, genieId: string, requestHash: string) {
    if (earlier.genie_id !== genieId || earlier.request_hash !== requestHash) {
      throw new ConflictError(
        'This Idempotency-Key was used within 24 hours for another genie or input; use a new key for a new run.'
      );
    }
    const run = await findRun(this.db, ownerId, earlier.run_id);
    if (!run) throw new ConflictError('A request with this Idempotency-Key is in progress; retry shortly.');
    return { run_id: run.id, workflow_id: run.workflow_id, status: 'queued' as const, replayed: true };
  }

  async list(ownerId: string, options: { genieId?: string; status?: RunStatus; limit: number; cursor?: string }) {
    if (options.genieId && !(await findGenie(this.db, ownerId, options.genieId))) throw new NotFoundError('Genie');
    const cursor = parseCursor(options.cursor);
    const rows = await listRuns(this.db, ownerId, { ...options, cursor });
    return page(rows, options.limit, (run) => presentRun(run, this.settings));
  }

  /**
   * The run with its steps, approvals and webhook deliveries; while it is running or waiting for an
   * approval, also `live`, what its workflow is doing now (from the process's LiveCache, so
   * Temporal is asked at most once per run every 2 s however many callers poll it).
   */
  async get(ownerId: string, runId: string) {
    // Everything the detail shows in one statement; Temporal only through the LiveCache.
    const detail = await loadRunDetail(this.db, ownerId, runId);
    if (!detail) throw new NotFoundError('Run');
    const { steps, approvals, deliveries, children, genie } = detail;
    let { run } = detail;
    const temporal = isTerminal(run.status) ? undefined : await this.liveCache.snapshot(run);
    run = await this.reconcile(ownerId, run, temporal?.workflowStatus);
    const live = isActive(run.status) ? temporal?.live : undefined;
    return {
      ...presentRun(run, this.settings),
      ...(genie ? { genie_config: presentGenieConfig(genie) } : {}),
      ...(live ? { live } : {}),
      approvals: approvals.map(presentApproval),
      webhook_deliveries: deliveries.map(presentWebhookDelivery),
      children: children.map(presentRunChild),
      steps: steps.map(presentStep),
    };
  }

  /** Asks the workflow to cancel and waits (briefly) for it to record `cancelled`. */
  async cancel(ownerId: string, runId: string) {
    const run = await findRun(this.db, ownerId, runId);
    if (!run) throw new NotFoundError('Run');
    if (isTerminal(run.status)) throw new ConflictError(`The run already ended (${run.status}).`);
    const handle = this.temporal.workflow.getHandle(run.workflow_id);
    await withTemporalDeadline(this.temporal, () => handle.cancel());
    await Promise.race([handle.result().catch(() => undefined), new Promise((r) => setTimeout(r, CANCEL_CONFIRM_MS))]);
    this.liveCache.forget(run.id); // what it was doing before the cancel is old news
    return this.get(ownerId, runId);
  }

  /**
   * A run whose workflow closed without recording it (terminated from the Temporal UI, say) is
   * brought in line with the workflow, as Temporal last described it. Temporal being unreachable
   * (no status) leaves the row as it is.
   */
  private async reconcile(ownerId: string, run: RunRow, workflowStatus: string | undefined): Promise<RunRow> {
    const ending = workflowStatus === undefined ? undefined : CLOSED_WORKFLOW_ENDINGS[workflowStatus];
    if (isTerminal(run.status) || !ending) return run;
    try {
      const ended = await finishRun(this.db, ownerId, run.id, {
        status: ending.status,
        output: null,
        error: { type: ending.type, message: ending.message },
      });
      this.liveCache.forget(run.id);
      return ended ?? (await findRun(this.db, ownerId, run.id)) ?? run;
    } catch {
      return run; // Postgres away: show what it last said
    }
  }
}
