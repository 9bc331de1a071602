import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { RUN_ERROR, zeroUsage, type RunEnd, type RunError } from '../../domain/runs';
import {
  APPROVAL_REFUSAL,
  approvalDecidedSignal,
  budgetChangedSignal,
  childWaitingSignal,
  decideApprovalUpdate,
  LIFECYCLE_ACTIVITY,
  LIFECYCLE_LOCAL_ACTIVITY,
  MCP_LIST_ACTIVITY,
  runStatusQuery,
  type DecideApprovalInput,
  type GenieRunInput,
  type RunStatusView,
} from '../../temporal/contract';
import { agentLoop } from './agent-loop';
import { Approvals } from './approvals';
import { BudgetChanges, Pause } from './model-turn';
import { ChildWaits, reportWaitingToParent } from './delegation';
import { startWebhookDelivery } from './webhook';
import { withWorkingDeadline } from './working-deadline';

/**
 * A run that has not ended after this long is stopped and recorded as `timed_out`. Time spent
 * waiting for an owner's approval, a monthly budget or a batch does not count.
 */
const RUN_TIMEOUT_MS = 60 * 60 * 1000;

/** Runs started before approvals keep the fixed deadline they were started with (replay safety). */
const DEADLINE_PAUSES_FOR_APPROVALS = 'run-deadline-pauses-for-approvals';

/** Runs started before startRun and finishRun became local activities replay them as activities. */
const LIFECYCLE_AS_LOCAL_ACTIVITIES = 'run-lifecycle-local-activities';

const lifecycle = proxyActivities<Activities>(LIFECYCLE_ACTIVITY);
const { listMcpTools } = proxyActivities<Activities>(MCP_LIST_ACTIVITY);
const localLifecycle = proxyLocalActivities<Activities>(LIFECYCLE_LOCAL_ACTIVITY);

/** The run's error as recorded: an activity's failure type and message, or a generic one. */
function describeFailure(err: unknown): RunError {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  return { type: RUN_ERROR.internal, message: err instanceof Error ? err.message : String(err) };
}

/**
 * `genieRun`: one run of a genie. Calls Claude and the tools as activities until Claude ends its
 * turn, `max_turns` or `max_tokens_per_run` is reached, or the run is cancelled or times out, and
 * records the ending on the run row. A call the genie's `approval_required` covers waits for the
 * owner's decision (the `decideApproval` update) or its expiry. State is ids and counters only (the
 * transcript lives in Postgres). A run that fails or is cancelled also ends its workflow that way,
 * so the Temporal UI shows what the API shows.
 */
export async function genieRun(input: GenieRunInput): Promise<RunEnd> {
  const state: RunStatusView = { phase: 'starting', turn: 0, currentTools: [], usage: zeroUsage() };
  const { startRun, finishRun } = patched(LIFECYCLE_AS_LOCAL_ACTIVITIES) ? localLifecycle : lifecycle;
  let runId = input.runId;
  const approvals = new Approvals(state, (approvalId, { status, note }) =>
    lifecycle.settleApproval({ ownerId: input.ownerId, runId: runId!, approvalId, status, note })
  );
  // Waiting for a budget, a batch or a genie it asked stops the run's clock, as waiting for an approval does.
  const waits = { pause: new Pause(), budget: new BudgetChanges(), children: new ChildWaits() };
  setHandler(budgetChangedSignal, () => waits.budget.notice());
  setHandler(childWaitingSignal, (notice) => waits.children.notice(notice));
  setHandler(runStatusQuery, () =>
    waits.children.waiting && state.phase === 'running_tools' ? { ...state, phase: 'waiting_child' } : state
  );
  const clock = {
    get waiting() {
      return approvals.waiting || waits.pause.waiting || waits.children.waiting;
    },
    get pausedMs() {
      return approvals.pausedMs + waits.pause.pausedMs + waits.children.pausedMs;
    },
  };
  // A run another asked for tells it when it waits for its owner (an approval, its budget, a run it asked).
  if (input.trigger.type === 'delegated' && input.runId) {
    void reportWaitingToParent(
      input.runId,
      () => state.phase === 'waiting_approval' || state.phase === 'waiting_budget' || waits.children.waiting
    );
  }

  setHandler(approvalDecidedSignal, ({ approvalId, decision, note }) =>
    approvals.decideLater(approvalId, { status: decision, note: note ?? null })
  );
  setHandler(
    decideApprovalUpdate,
    ({ approvalId, decision, note }) =>
      approvals.decide(approvals.pending.get(approvalId)!, { status: decision, note: note ?? null }),
    {
      validator: ({ approvalId }: DecideApprovalInput) => {
        const waiting = approvals.pending.get(approvalId);
        if (!waiting) {
          throw ApplicationFailure.nonRetryable(
            'This run is not waiting for that approval.',
            APPROVAL_REFUSAL.notWaiting
          );
        }
        if (waiting.decision) {
          throw ApplicationFailure.nonRetryable('This approval was already decided.', APPROVAL_REFUSAL.decided);
        }
        if (Date.now() >= Date.parse(waiting.view.expiresAt)) {
          throw ApplicationFailure.nonRetryable('This approval expired.', APPROVAL_REFUSAL.expired);
        }
      },
    }
  );

  const finish = async (end: RunEnd) => {
    state.phase = 'finishing';
    // A scheduled run whose genie vanished before its row was made has nothing to record.
    const recordedRunId = runId;
    if (recordedRunId) {
      const result = await CancellationScope.nonCancellable(() =>
        finishRun({ runId: recordedRunId, ownerId: input.ownerId, ...end })
      );
      if (result?.webhookDeliveryId) await startWebhookDelivery(input.ownerId, result.webhookDeliveryId);
    }
    state.phase = 'done';
  };

  const work = async () => {
    const plan = await startRun(input);
    runId = plan.runId;
    // The genie's MCP tools, listed once: every turn offers what was kept (plans from before MCP have none).
    if (plan.mcpServers) {
      await listMcpTools.executeWithOptions({ ...MCP_LIST_ACTIVITY, summary: 'list MCP tools' }, [
        { runId: plan.runId, ownerId: input.ownerId },
      ]);
    }
    return agentLoop(input, plan, state, approvals, waits);
  };

  const deadlineMs = input.testing?.deadlineMs ?? input.deadlineMs ?? RUN_TIMEOUT_MS;
  let end: RunEnd;
  try {
    end = patched(DEADLINE_PAUSES_FOR_APPROVALS)
      ? await withWorkingDeadline(clock, deadlineMs, work)
      : await CancellationScope.withTimeout(deadlineMs, work);
  } catch (err) {
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) {
      await finish({
        status: 'cancelled',
        error: { type: RUN_ERROR.cancelled, message: 'The run was cancelled on request.' },
      });
      throw err;
    }
    end = isCancellation(err)
      ? {
          status: 'timed_out',
          error: {
            type: RUN_ERROR.timedOut,
            message: `The run did not end within ${deadlineMs >= 60_000 ? `${deadlineMs / 60_000} minutes` : `${deadlineMs / 1000} s`}.`,
          },
        }
      : { status: 'failed', error: describeFailure(err) };
  }
  await finish(end);
  await condition(allHandlersFinished);
  if (end.error && end.status !== 'succeeded') throw ApplicationFailure.nonRetryable(end.error.message, end.error.type);
  return end;
}
