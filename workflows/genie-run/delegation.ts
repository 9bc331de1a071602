import {
  CancellationScope,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  childWaitingSignal,
  genieSearchAttributes,
  LIFECYCLE_ACTIVITY,
  runWorkflowId,
  WORKFLOW,
  type ChildWaitingNotice,
  type GenieRunWorkflow,
  type ToolCallRef,
} from '../../temporal/contract';

const { startDelegation, finishDelegation, abandonDelegation } = proxyActivities<Activities>(LIFECYCLE_ACTIVITY);

/**
 * The runs this run asked for (ask_genie) that wait for their owner (an approval, a budget, or a
 * run they asked for in turn), as their `childWaiting` signals say. While any waits, the run's
 * live phase is `waiting_child` and its clock stops, as for its own approvals.
 */
export class ChildWaits {
  pausedMs = 0;
  private readonly waitingRuns = new Set<string>();
  private pausedAt = 0;

  get waiting(): boolean {
    return this.waitingRuns.size > 0;
  }

  notice({ runId, waiting }: ChildWaitingNotice): void {
    const before = this.waiting;
    if (waiting) this.waitingRuns.add(runId);
    else this.waitingRuns.delete(runId);
    if (!before && this.waiting) this.pausedAt = Date.now();
    if (before && !this.waiting) this.pausedMs += Date.now() - this.pausedAt;
  }
}

/**
 * One ask_genie call: records the child run, runs it as a child `genieRun` (cancelled with this
 * run; its own failure is its answer, not this run's), and answers the call with how it ended.
 * Resolves to what the child and the runs it asked for cost (micro-dollars), for the cost cap.
 */
export async function askGenie(
  ids: { runId: string; ownerId: string },
  call: ToolCallRef,
  turn: number,
  children: ChildWaits
): Promise<number> {
  const { runId, ownerId } = ids;
  const ask = { runId, ownerId, turn, toolUseId: call.id };
  /** Cancelled before the child's workflow started: its recorded run must not stay queued. */
  const abandon = async (err: unknown) => {
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) {
      await CancellationScope.nonCancellable(() => abandonDelegation(ask));
    }
    throw err;
  };
  const started = await startDelegation
    .executeWithOptions({ ...LIFECYCLE_ACTIVITY, summary: call.summary }, [ask])
    .catch(abandon);
  if ('answered' in started) return 0;
  const { childRunId, genieId, genieName } = started;
  try {
    await executeChild<GenieRunWorkflow>(WORKFLOW.genieRun, {
      workflowId: runWorkflowId(childRunId),
      args: [{ runId: childRunId, genieId, ownerId, trigger: { type: 'delegated' } }],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: genieSearchAttributes({ genieId, ownerId, triggerType: 'delegated', genieName }),
      staticSummary: `Genie "${genieName}": asked by run ${runId}`,
      staticDetails: `Genie ${genieId}, run ${childRunId}, asked by run ${runId}. Steps: GET /v1/runs/${childRunId}`,
    });
  } catch (err) {
    // The child's row records how it ended (failed, cancelled, timed out): that is the answer.
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) await abandon(err);
  } finally {
    children.notice({ runId: childRunId, waiting: false });
  }
  const done = await finishDelegation.executeWithOptions(
    { ...LIFECYCLE_ACTIVITY, summary: `${call.summary}: answer` },
    [{ ...ask, childRunId }]
  );
  return done.costMicroUsd;
}

/**
 * A delegated run tells the run that asked for it whenever it starts or stops waiting (`isWaiting`),
 * so that run shows `waiting_child` and stops its clock meanwhile. Runs for the life of the run.
 */
export async function reportWaitingToParent(runId: string, isWaiting: () => boolean): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  const handle = getExternalWorkflowHandle(parent.workflowId, parent.runId);
  let reported = false;
  try {
    for (;;) {
      await condition(() => isWaiting() !== reported);
      reported = !reported;
      await handle.signal(childWaitingSignal, { runId, waiting: reported }).catch(() => undefined);
    }
  } catch {
    // cancelled with the run: the parent forgets it when the child ends
  }
}
