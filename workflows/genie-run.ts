import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  proxyActivities,
  setHandler,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { TOOL_ACTIVITY_OPTIONS, TOOL_NAMES, type ToolName } from '../lib/tools';
import {
  PERMANENT_FAILURES,
  type GenieRunInput,
  type ModelTurn,
  type RunEnd,
  type RunPlan,
  type RunStatusView,
  type TokenUsage,
  type ToolCallRef,
} from './types';

/** Answers phase, turn, the tools running now and the usage so far. */
export const statusQuery = defineQuery<RunStatusView>('status');

/** A run that has not ended after this long is stopped and recorded as `timed_out`. */
export const RUN_TIMEOUT_MS = 60 * 60 * 1000;

const lifecycle = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Postgres being down must delay a run, never lose it: retry without limit, backing off.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: PERMANENT_FAILURES },
});

const MODEL_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
};
const { callModel } = proxyActivities<Activities>(MODEL_OPTIONS);
const { runTool } = proxyActivities<Activities>(TOOL_ACTIVITY_OPTIONS.memory_read);

const isToolName = (name: string): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name);

const failed = (type: string, message: string): RunEnd => ({ status: 'failed', error: { type, message } });

function addUsage(total: TokenUsage, turn: TokenUsage): void {
  total.input_tokens += turn.input_tokens;
  total.output_tokens += turn.output_tokens;
  total.cache_read_input_tokens += turn.cache_read_input_tokens;
  total.cache_creation_input_tokens += turn.cache_creation_input_tokens;
}

const tokensUsed = (u: TokenUsage) =>
  u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;

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
      return failed('refusal', 'Claude declined to continue this run (stop_reason "refusal").');
    case 'model_context_window_exceeded':
      return failed('context_window_exceeded', 'The conversation outgrew the model’s context window.');
    default:
      return failed('unexpected_stop_reason', `Claude stopped with an unknown stop_reason "${reply.stopReason}".`);
  }
}

async function agentLoop(input: GenieRunInput, plan: RunPlan, state: RunStatusView): Promise<RunEnd> {
  const { ownerId, genieId } = input;
  const { runId } = plan;
  const runToolCall = (call: ToolCallRef, turn: number) =>
    runTool.executeWithOptions(
      {
        ...(isToolName(call.name) ? TOOL_ACTIVITY_OPTIONS[call.name] : TOOL_ACTIVITY_OPTIONS.memory_read),
        summary: call.summary,
      },
      [{ runId, ownerId, genieId, turn, toolUseId: call.id }]
    );

  for (let turn = 1; ; turn++) {
    state.phase = 'calling_model';
    state.turn = turn;
    const reply = await callModel.executeWithOptions({ ...MODEL_OPTIONS, summary: `Claude, turn ${turn}` }, [
      { runId, ownerId, turn },
    ]);
    addUsage(state.usage, reply.usage);
    const end = endFor(reply);
    if (end) return end;
    if (plan.maxTokensPerRun !== null && tokensUsed(state.usage) >= plan.maxTokensPerRun) {
      return failed(
        'token_budget_exceeded',
        `Stopped after ${tokensUsed(state.usage)} tokens: over max_tokens_per_run (${plan.maxTokensPerRun}).`
      );
    }
    if (turn >= plan.maxTurns) {
      return failed('max_turns_exceeded', `Stopped after ${turn} turns (max_turns) before Claude finished.`);
    }
    const calls = reply.stopReason === 'tool_use' ? reply.toolCalls : [];
    if (calls.length > 0) {
      state.phase = 'running_tools';
      state.currentTools = calls.map((call) => call.summary);
      await Promise.all(calls.map((call) => runToolCall(call, turn))); // concurrently (DESIGN.md decision 4)
      state.currentTools = [];
    }
  }
}

/** The run's error as recorded: an activity's failure type and message, or a generic one. */
function describeFailure(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  return { type: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/**
 * `genieRun`: one run of a genie. Calls Claude and the tools as activities until Claude ends its
 * turn, `max_turns` or `max_tokens_per_run` is reached, or the run is cancelled or times out, and
 * records the ending on the run row. State is ids and counters only (the transcript lives in
 * Postgres). A run that fails or is cancelled also ends its workflow that way, so the Temporal UI
 * shows what the API shows.
 */
export async function genieRun(input: GenieRunInput): Promise<RunEnd> {
  const state: RunStatusView = {
    phase: 'starting',
    turn: 0,
    currentTools: [],
    usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  };
  setHandler(statusQuery, () => state);
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
      await finish({ status: 'cancelled', error: { type: 'cancelled', message: 'The run was cancelled on request.' } });
      throw err;
    }
    end = isCancellation(err)
      ? {
          status: 'timed_out',
          error: { type: 'timed_out', message: `The run did not end within ${RUN_TIMEOUT_MS / 60000} minutes.` },
        }
      : { status: 'failed', error: describeFailure(err) };
  }
  await finish(end);
  if (end.error && end.status !== 'succeeded') throw ApplicationFailure.nonRetryable(end.error.message, end.error.type);
  return end;
}
