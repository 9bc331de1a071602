import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../../db';
import {
  createEval,
  deleteEval,
  findBaselineRuns,
  findEval,
  latestSucceededRuns,
  listEvals,
  loadEvalCases,
  markEvalApplied,
} from '../../db/repositories/evals';
import { findGenie } from '../../db/repositories/genies';
import type { RunRow } from '../../db/repositories/runs';
import { page, presentEval } from '../../db/presenters';
import { DEFAULT_EVAL_LAST } from '../../domain/evals';
import { isTerminal } from '../../domain/runs';
import type { EvalCreate } from '../../domain/schemas/eval';
import { withTemporalDeadline } from '../../temporal/client';
import { genieSearchAttributes, WORKFLOW, type GenieEvalWorkflow } from '../../temporal/contract';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { parseCursor } from '../validation';
import type { GenieService } from './genies';

/**
 * Evals behind the API: try a change to a genie against its past runs (each case a run of the
 * changed genie that answers its tool calls from the recorded ones), read them, cancel, apply.
 */
export class EvalService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly genies: GenieService,
    private readonly taskQueue: string
  ) {}

  /**
   * Starts an eval of `changes` over `runs` (ended runs of the genie) or its `last` N succeeded
   * runs: records it with one case run per past run, then starts its workflow (if Temporal refuses,
   * nothing is kept). The change is checked as an update would be, without saving it.
   */
  async create(ownerId: string, genieId: string, body: EvalCreate) {
    const genie = await findGenie(this.db, ownerId, genieId);
    if (!genie) throw new NotFoundError('Genie');
    const spec = await this.genies.patched(ownerId, genie, body.changes);
    const baselines = body.runs
      ? await this.namedRuns(ownerId, genieId, body.runs)
      : await latestSucceededRuns(this.db, ownerId, genieId, body.last ?? DEFAULT_EVAL_LAST);
    if (baselines.length === 0) {
      throw new ConflictError('This genie has no succeeded runs to try the change against: run it first.');
    }
    const { eval: row, caseRunIds } = await this.db.transaction((trx) =>
      createEval(trx, ownerId, {
        genieId,
        genieVersion: genie.version,
        changes: body.changes,
        rubric: body.rubric ?? null,
        genie: spec,
        baselines,
      })
    );
    try {
      await withTemporalDeadline(this.temporal, () =>
        this.temporal.workflow.start<GenieEvalWorkflow>(WORKFLOW.genieEval, {
          taskQueue: this.taskQueue,
          workflowId: row.workflow_id,
          args: [{ evalId: row.id, ownerId }],
          typedSearchAttributes: genieSearchAttributes({
            genieId,
            ownerId,
            triggerType: 'eval',
            genieName: genie.name,
          }),
          staticSummary: `Genie "${genie.name}": eval of ${caseRunIds.length} runs`,
          staticDetails: `Genie ${genieId}, eval ${row.id}. GET /v1/evals/${row.id}`,
        })
      );
    } catch (err) {
      await deleteEval(this.db, ownerId, row.id);
      throw err;
    }
    return { eval_id: row.id, status: 'running' as const, cases: caseRunIds.length };
  }

  /** The named runs, in the order given: each must be an ended run of the genie (404 / 409 otherwise). */
  private async namedRuns(ownerId: string, genieId: string, ids: string[]): Promise<RunRow[]> {
    const found = await findBaselineRuns(this.db, ownerId, genieId, ids);
    const byId = new Map(found.map((run) => [run.id, run]));
    const missing = ids.filter((id) => !byId.has(id.toLowerCase()));
    if (missing.length > 0) {
      throw new ValidationError(
        `runs: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not runs of this genie`,
        [{ field: 'runs', message: `not runs of this genie: ${missing.join(', ')}` }]
      );
    }
    const unfinished = found.filter((run) => !isTerminal(run.status));
    if (unfinished.length > 0) {
      throw new ConflictError(`runs: ${unfinished.map((run) => run.id).join(', ')} has not ended yet`, [
        { field: 'runs', message: `not ended: ${unfinished.map((run) => run.id).join(', ')}` },
      ]);
    }
    return ids.map((id) => byId.get(id.toLowerCase())!);
  }

  async get(ownerId: string, evalId: string) {
    const row = await findEval(this.db, ownerId, evalId);
    if (!row) throw new NotFoundError('Eval');
    return presentEval(row, await loadEvalCases(this.db, ownerId, evalId));
  }

  /** A genie's evals, newest first (without their cases: GET /v1/evals/{id} has them). */
  async list(ownerId: string, genieId: string, query: { limit: number; cursor?: string }) {
    if (!(await findGenie(this.db, ownerId, genieId))) throw new NotFoundError('Genie');
    const rows = await listEvals(this.db, ownerId, genieId, { limit: query.limit, cursor: parseCursor(query.cursor) });
    const cases = new Map(
      await Promise.all(rows.map(async (row) => [row.id, await loadEvalCases(this.db, ownerId, row.id)] as const))
    );
    return page(rows, query.limit, (row) => {
      const { cases: _cases, ...summary } = presentEval(row, cases.get(row.id) ?? []);
      return summary;
    });
  }

  /** Cancels a running eval: its cases still running are cancelled too. */
  async cancel(ownerId: string, evalId: string) {
    const row = await findEval(this.db, ownerId, evalId);
    if (!row) throw new NotFoundError('Eval');
    if (row.status !== 'running') throw new ConflictError(`The eval already ended (${row.status}).`);
    const handle = this.temporal.workflow.getHandle(row.workflow_id);
    try {
      await withTemporalDeadline(this.temporal, () => handle.cancel());
      await Promise.race([handle.result().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    return this.get(ownerId, evalId);
  }

  /**
   * Applies the eval's change as one genie update (a new version) and answers the genie; 409 when
   * the genie changed since the eval began (the change was tried against another genie).
   */
  async apply(ownerId: string, evalId: string) {
    const row = await findEval(this.db, ownerId, evalId);
    if (!row) throw new NotFoundError('Eval');
    if (row.applied_at) throw new ConflictError('This eval’s change was already applied.');
    const genie = await this.genies.update(ownerId, row.genie_id, row.changes, row.genie_version);
    await markEvalApplied(this.db, ownerId, evalId);
    return genie;
  }
}
