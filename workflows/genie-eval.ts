import {
  CancellationScope,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { EVAL_CONCURRENCY } from '../domain/evals';
import {
  genieSearchAttributes,
  LIFECYCLE_ACTIVITY,
  MODEL_ACTIVITY,
  runWorkflowId,
  WORKFLOW,
  type GenieEvalInput,
  type GenieRunWorkflow,
} from '../temporal/contract';

const { evalCases, finishEval } = proxyActivities<Activities>(LIFECYCLE_ACTIVITY);
const { judgeEvalCase } = proxyActivities<Activities>(MODEL_ACTIVITY);

/**
 * `genieEval` (`genie-eval-<eval id>`): runs each case of an eval as a child `genieRun` (at most
 * EVAL_CONCURRENCY at once), then its judge when the eval has a rubric, and records how the eval
 * ended. A case that fails is the case's failure (its run says why), not the eval's. Cancelled,
 * it cancels the cases still running and records `cancelled`.
 */
export async function genieEval(input: GenieEvalInput): Promise<{ status: string }> {
  const { evalId, ownerId } = input;
  const plan = await evalCases(input);
  let next = 0;
  const worker = async () => {
    while (next < plan.cases.length) {
      const { runId, genieId } = plan.cases[next++]!;
      try {
        await executeChild<GenieRunWorkflow>(WORKFLOW.genieRun, {
          workflowId: runWorkflowId(runId),
          args: [{ runId, genieId, ownerId, trigger: { type: 'eval' } }],
          parentClosePolicy: ParentClosePolicy.TERMINATE,
          typedSearchAttributes: genieSearchAttributes({ genieId, ownerId, triggerType: 'eval' }),
          staticSummary: `eval ${evalId}: case ${runId}`,
        });
      } catch (err) {
        // The case's own run records why it did not succeed; only a cancelled eval stops here.
        if (isCancellation(err) && CancellationScope.current().consideredCancelled) throw err;
      }
      await judgeEvalCase.executeWithOptions({ ...MODEL_ACTIVITY, summary: `judge case ${runId}` }, [
        { evalId, ownerId, runId },
      ]);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(EVAL_CONCURRENCY, plan.cases.length) }, worker));
  } catch (err) {
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(() =>
      finishEval({
        evalId,
        ownerId,
        status: cancelled ? 'cancelled' : 'failed',
        error: cancelled ? null : err instanceof Error ? err.message : String(err),
      })
    );
    throw err;
  }
  await finishEval({ evalId, ownerId, status: 'succeeded' });
  return { status: 'succeeded' };
}
