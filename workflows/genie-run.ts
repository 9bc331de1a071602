import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { addUsage, RUN_ERROR, totalTokens, zeroUsage, type RunEnd, type RunError } from '../domain/runs';
import { isToolName } from '../domain/tools';
import {
  LIFECYCLE_ACTIVITY,
  MODEL_ACTIVITY,
  runStatusQuery,
  TOOL_ACTIVITY,
  UNKNOWN_TOOL_ACTIVITY,
  type GenieRunInput,
  type ModelTurn,
  type RunPlan,
  type RunStatusView,
  type ToolCallRef,
} from '../temporal/contract';

/** A run that has not ended after this long is stopped and recorded as `timed_out`. */
export const RUN_TIMEOUT_MS = 60 * 60 * 1000;

const lifecycle = proxyActivities<Activities>(LIFECYCLE_ACTIVITY);
const { callModel } = proxyActivities<Activities>(MODEL_ACTIVITY);
const { runTool } = proxyActivities<Activities>(UNKNOWN_TOOL_ACTIVITY);

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

async function agentLoop(input: GenieRunInput, plan: RunPlan, state: RunStatusView): Promise<RunEnd> {
  const { ownerId, genieId } = input;
  const { runId } = plan;
  const runToolCall = (call: ToolCallRef, turn: number) =>
    runTool.executeWithOptions(
      { ...(isToolName(call.name) ? TOOL_ACTIVITY[call.name] : UNKNOWN_TOOL_ACTIVITY), summary: call.summary },
      [{ runId, ownerId, genieId, turn, toolUseId: call.id }]
    );

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
      await Promise.all(calls.map((call) => runToolCall(call, turn))); // concurrently: one turn's calls are independent
      state.currentTools = [];
    }
  }
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
 * records the ending on the run row. State is ids and counters only (the transcript lives in
 * Postgres). A run that fails or is cancelled also ends its workflow that way, so the Temporal UI
 * shows what the API shows.
 */
export async function genieRun(input: GenieRunInput): Promise<RunEnd> {
  const state: RunStatusView = { phase: 'starting', turn: 0, currentTools: [], usage: zeroUsage() };
  setHandler(runStatusQuery, () => state);
  let runId = input.runId;
  const finish = async (end: RunEnd) => {
    state.phase = 'finishing';
    // A scheduled run whose genie vanished before its row was made has nothing to record.
    const recordedRunId = runId;
    if (recordedRunId) {
      await CancellationScope.nonCancellable(() =>
        lifecycle.finishRun({ runId: recordedRunId, ownerId: input.ownerId, ...end })
      );
    }
    state.phase = 'done';
  };

  let end: RunEnd;
  try {
    end = await CancellationScope.withTimeout(RUN_TIMEOUT_MS, async () => {
      const plan = await lifecycle.startRun(input);
      runId = plan.runId;
      return agentLoop(input, plan, state);
    });
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
          error: { type: RUN_ERROR.timedOut, message: `The run did not end within ${RUN_TIMEOUT_MS / 60000} minutes.` },
        }
      : { status: 'failed', error: describeFailure(err) };
  }
  await finish(end);
  if (end.error && end.status !== 'succeeded') throw ApplicationFailure.nonRetryable(end.error.message, end.error.type);
  return end;
}
