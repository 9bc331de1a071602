import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { addUsage, RUN_ERROR, totalTokens, zeroUsage, type RunEnd, type RunError } from '../domain/runs';
import { isToolName } from '../domain/tools';
import {
  APPROVAL_ACTIVITY,
  APPROVAL_REFUSAL,
  approvalDecidedSignal,
  decideApprovalUpdate,
  LIFECYCLE_ACTIVITY,
  LIFECYCLE_LOCAL_ACTIVITY,
  MODEL_ACTIVITY,
  runStatusQuery,
  TOOL_ACTIVITY,
  UNKNOWN_TOOL_ACTIVITY,
  webhookDeliveryWorkflowId,
  WORKFLOW,
  type ApprovalOutcome,
  type DecideApprovalInput,
  type GenieRunInput,
  type ModelTurn,
  type PendingApprovalView,
  type RunPlan,
  type RunStatusView,
  type RunToolInput,
  type ToolCallRef,
  type WebhookDeliveryWorkflow,
} from '../temporal/contract';

/**
 * A run that has not ended after this long is stopped and recorded as `timed_out`. Time spent
 * waiting for an owner's approval does not count.
 */
export const RUN_TIMEOUT_MS = 60 * 60 * 1000;

/** Runs started before approvals keep the fixed deadline they were started with (replay safety). */
const DEADLINE_PAUSES_FOR_APPROVALS = 'run-deadline-pauses-for-approvals';

/** Runs started before startRun and finishRun became local activities replay them as activities. */
const LIFECYCLE_AS_LOCAL_ACTIVITIES = 'run-lifecycle-local-activities';

const lifecycle = proxyActivities<Activities>(LIFECYCLE_ACTIVITY);
const localLifecycle = proxyLocalActivities<Activities>(LIFECYCLE_LOCAL_ACTIVITY);
const { callModel } = proxyActivities<Activities>(MODEL_ACTIVITY);
const { runTool } = proxyActivities<Activities>(UNKNOWN_TOOL_ACTIVITY);
const { requestApproval } = proxyActivities<Activities>(APPROVAL_ACTIVITY);

const failed = (type: string, message: string): RunEnd => ({ status: 'failed', error: { type, message } });

/** Why a run ended on a stop reason, or undefined when the loop goes on. */
function endFor(reply: ModelTurn): RunEnd | undefined {
  switch (reply.stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return { status: 'succeeded', error: null };
    case 'tool_use': // run the tools, feed back the results
    case 'pause_turn': // the API paused a long turn: send it back as is and Claude continues
    case 'max_tokens': // the reply was cut off: Claude continues it; cut-off tool calls answer as errors
      return undefined;
    case 'refusal':
      return failed(RUN_ERROR.refusal, 'Claude declined to continue this run (stop_reason "refusal").');
    case 'model_context_window_exceeded':
      return failed(RUN_ERROR.contextWindow, 'The conversation outgrew the model’s context window.');
    default:
      return failed(
        RUN_ERROR.unexpectedStopReason,
        `Claude stopped with an unknown stop_reason "${reply.stopReason}".`
      );
  }
}

/** A gated call waiting for its owner: what the status query shows, and the decision once made. */
interface Waiting {
  view: PendingApprovalView;
  decision?: { status: 'approved' | 'denied' | 'expired'; note: string | null };
  /** The decision as recorded (what the update answers). */
  settled?: ApprovalOutcome;
}

type Decision = NonNullable<Waiting['decision']>;

/** Records a decision on the run's approval (the `settleApproval` activity); answers it as recorded. */
type Settle = (approvalId: string, decision: Decision) => Promise<ApprovalOutcome>;

/** Decisions sent (as the signal) before the run registered their approval; a few at most. */
const EARLY_DECISIONS_KEPT = 100;

/**
 * The approvals a run waits on. While any is pending the run's clock stops: `pausedMs` is added to
 * its deadline. A decision arrives as the `decideApproval` update or, when the API could not reach a
 * worker in time, as the `approvalDecided` signal; the first decision of an approval stands.
 */
class Approvals {
  readonly pending = new Map<string, Waiting>();
  pausedMs = 0;
  private pausedAt = 0;
  private readonly early = new Map<string, Decision>();

  constructor(
    private readonly state: RunStatusView,
    private readonly settle: Settle
  ) {
    state.pendingApprovals = [];
  }

  get waiting(): boolean {
    return this.pending.size > 0;
  }

  add(waiting: Waiting): void {
    if (!this.waiting) this.pausedAt = Date.now();
    this.pending.set(waiting.view.approvalId, waiting);
    this.show();
  }

  remove(approvalId: string): void {
    this.pending.delete(approvalId);
    if (!this.waiting) this.pausedMs += Date.now() - this.pausedAt;
    this.show();
  }

  /** Can `waiting` still take a decision (none yet, not expired)? */
  open(waiting: Waiting): boolean {
    return waiting.decision === undefined && Date.now() < Date.parse(waiting.view.expiresAt);
  }

  /**
   * Takes the decision (at once, so a second one is refused), records it, and answers it as
   * recorded. Postgres has the last word: a decision it does not hold from the owner (one sent
   * straight to Temporal) is answered `pending` and dropped, and the approval stays open.
   */
  async decide(waiting: Waiting, decision: Decision): Promise<ApprovalOutcome> {
    waiting.decision = decision;
    const settled = await this.settle(waiting.view.approvalId, decision);
    if (settled.status === 'pending') waiting.decision = undefined;
    else waiting.settled = settled;
    return settled;
  }

  /** The signal's decision: applied if the approval is still open, kept if it is not registered yet. */
  async decideLater(approvalId: string, decision: Decision): Promise<void> {
    const waiting = this.pending.get(approvalId);
    if (!waiting) {
      if (!this.early.has(approvalId) && this.early.size < EARLY_DECISIONS_KEPT) this.early.set(approvalId, decision);
      return;
    }
    if (this.open(waiting)) await this.decide(waiting, decision);
  }

  /** A decision that arrived before the approval was registered, if any. */
  takeEarly(approvalId: string): Decision | undefined {
    const decision = this.early.get(approvalId);
    this.early.delete(approvalId);
    return decision;
  }

  private show(): void {
    this.state.pendingApprovals = [...this.pending.values()].map((w) => w.view);
    if (this.state.phase === 'running_tools' || this.state.phase === 'waiting_approval') {
      this.state.phase = this.waiting ? 'waiting_approval' : 'running_tools';
    }
  }
}

/**
 * Runs `fn` under the run's deadline: RUN_TIMEOUT_MS of working time, the clock stopped while an
 * approval is pending. Past it, `fn` is cancelled (and the run records `timed_out`).
 */
async function withWorkingDeadline<T>(approvals: Approvals, deadlineMs: number, fn: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  const scope = new CancellationScope();
  let finished = false;
  const work = scope.run(fn).finally(() => {
    finished = true;
  });
  const watch = (async () => {
    while (!finished) {
      if (approvals.waiting) {
        await condition(() => finished || !approvals.waiting);
        continue;
      }
      const left = startedAt + deadlineMs + approvals.pausedMs - Date.now();
      if (left <= 0) return scope.cancel();
      await condition(() => finished || approvals.waiting, left);
    }
  })();
  watch.catch(() => undefined); // cancelled with the run
  return work;
}

async function agentLoop(
  input: GenieRunInput,
  plan: RunPlan,
  state: RunStatusView,
  approvals: Approvals
): Promise<RunEnd> {
  const { ownerId, genieId } = input;
  const { runId } = plan;
  const runToolCall = (call: ToolCallRef, turn: number, refused?: RunToolInput['refused']) =>
    runTool.executeWithOptions(
      { ...(isToolName(call.name) ? TOOL_ACTIVITY[call.name] : UNKNOWN_TOOL_ACTIVITY), summary: call.summary },
      [{ runId, ownerId, genieId, turn, toolUseId: call.id, ...(refused ? { refused } : {}) }]
    );

  /** Asks the owner and waits for the decision, or for the approval to expire (a durable timer). */
  const awaitApproval = async (call: ToolCallRef, turn: number): Promise<ApprovalOutcome> => {
    const ticket = await requestApproval.executeWithOptions(
      { ...APPROVAL_ACTIVITY, summary: `ask the owner: ${call.summary}` },
      [{ runId, ownerId, genieId, turn, toolUseId: call.id }]
    );
    if (ticket.webhookDeliveryId) await startWebhookDelivery(ownerId, ticket.webhookDeliveryId);
    if (ticket.status !== 'pending') return { approvalId: ticket.approvalId, status: ticket.status, note: ticket.note };
    const waiting: Waiting = {
      view: { approvalId: ticket.approvalId, tool: call.name, toolUseId: call.id, expiresAt: ticket.expiresAt },
    };
    approvals.add(waiting);
    try {
      const early = approvals.takeEarly(ticket.approvalId);
      if (early && approvals.open(waiting)) await approvals.decide(waiting, early);
      for (;;) {
        const left = Math.max(1, Date.parse(ticket.expiresAt) - Date.now());
        const decided = await condition(() => waiting.decision !== undefined, left, {
          summary: `waiting for the owner to approve ${call.summary}`,
        });
        if (!decided) await approvals.decide(waiting, { status: 'expired', note: null });
        // The decision is recorded first; one Postgres did not hold is dropped, and the wait goes on.
        await condition(() => waiting.settled !== undefined || waiting.decision === undefined);
        if (waiting.settled) return waiting.settled;
      }
    } finally {
      approvals.remove(ticket.approvalId);
    }
  };

  /** One tool call; a gated one runs only once approved, and is answered as refused otherwise. */
  const runCall = async (call: ToolCallRef, turn: number) => {
    if (!call.needsApproval) return runToolCall(call, turn);
    const outcome = await awaitApproval(call, turn);
    if (outcome.status === 'approved') return runToolCall(call, turn);
    return runToolCall(call, turn, { status: outcome.status === 'denied' ? 'denied' : 'expired', note: outcome.note });
  };

  for (let turn = 1; ; turn++) {
    state.phase = 'calling_model';
    state.turn = turn;
    const reply = await callModel.executeWithOptions({ ...MODEL_ACTIVITY, summary: `Claude, turn ${turn}` }, [
      { runId, ownerId, turn },
    ]);
    addUsage(state.usage, reply.usage);
    const end = endFor(reply);
    if (end) return end;
    const used = totalTokens(state.usage);
    if (plan.maxTokensPerRun !== null && used >= plan.maxTokensPerRun) {
      return failed(
        RUN_ERROR.tokenBudget,
        `Stopped after ${used} tokens: over max_tokens_per_run (${plan.maxTokensPerRun}).`
      );
    }
    if (turn >= plan.maxTurns) {
      return failed(RUN_ERROR.maxTurns, `Stopped after ${turn} turns (max_turns) before Claude finished.`);
    }
    const calls = reply.stopReason === 'tool_use' ? reply.toolCalls : [];
    if (calls.length > 0) {
      state.phase = 'running_tools';
      state.currentTools = calls.map((call) => call.summary);
      // Concurrently: one turn's calls are independent, and one waiting for approval holds up no other.
      await Promise.all(calls.map((call) => runCall(call, turn)));
      state.currentTools = [];
    }
  }
}

/** Starts delivering a webhook event; it runs on after the run (abandoned, not cancelled, on close). */
async function startWebhookDelivery(ownerId: string, deliveryId: string): Promise<void> {
  await CancellationScope.nonCancellable(() =>
    startChild<WebhookDeliveryWorkflow>(WORKFLOW.webhookDelivery, {
      workflowId: webhookDeliveryWorkflowId(deliveryId),
      args: [{ ownerId, deliveryId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `webhook delivery ${deliveryId}`,
    })
  );
}

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
  setHandler(runStatusQuery, () => state);

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
    return agentLoop(input, plan, state, approvals);
  };

  const deadlineMs = input.deadlineMs ?? RUN_TIMEOUT_MS;
  let end: RunEnd;
  try {
    end = patched(DEADLINE_PAUSES_FOR_APPROVALS)
      ? await withWorkingDeadline(approvals, deadlineMs, work)
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
