import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { addUsage, RUN_ERROR, totalTokens, type RunEnd } from '../../domain/runs';
import { isMcpToolName } from '../../domain/mcp';
import { isToolName } from '../../domain/tools';
import {
  MCP_TOOL_ACTIVITY,
  TOOL_ACTIVITY,
  UNKNOWN_TOOL_ACTIVITY,
  type GenieRunInput,
  type ModelTurn,
  type RunPlan,
  type RunStatusView,
  type RunToolInput,
  type ToolCallRef,
} from '../../temporal/contract';
import { awaitApproval, type Approvals } from './approvals';
import { askModel, type BudgetChanges, type Pause } from './model-turn';
import { askGenie, type ChildWaits } from './delegation';
import { ASK_GENIE_TOOL } from '../../domain/delegation';

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

/**
 * The agent loop: Claude for turn n, then the turn's tool calls concurrently (a gated one waits for
 * its owner, holding up no other), until Claude ends its turn or a limit ends the run.
 */
export async function agentLoop(
  input: GenieRunInput,
  plan: RunPlan,
  state: RunStatusView,
  approvals: Approvals,
  waits: { pause: Pause; budget: BudgetChanges; children: ChildWaits }
): Promise<RunEnd> {
  const { ownerId, genieId } = input;
  const { runId } = plan;
  const runToolCall = (call: ToolCallRef, turn: number, refused?: RunToolInput['refused']) =>
    runTool.executeWithOptions(
      {
        ...(isToolName(call.name)
          ? TOOL_ACTIVITY[call.name]
          : isMcpToolName(call.name)
            ? MCP_TOOL_ACTIVITY
            : UNKNOWN_TOOL_ACTIVITY),
        summary: call.summary,
      },
      [{ runId, ownerId, genieId, turn, toolUseId: call.id, ...(refused ? { refused } : {}) }]
    );

  /** What the runs this run asked for cost (they count towards its max_cost_per_run_usd). */
  let childrenCostMicroUsd = 0;

  /**
   * One tool call: ask_genie runs the asked genie as a child run; a gated call runs only once
   * approved, and is answered as refused otherwise.
   */
  const runCall = async (call: ToolCallRef, turn: number) => {
    if (call.name === ASK_GENIE_TOOL) {
      childrenCostMicroUsd += await askGenie({ runId, ownerId }, call, turn, waits.children);
      return;
    }
    if (!call.needsApproval) return runToolCall(call, turn);
    const outcome = await awaitApproval(approvals, { runId, ownerId, genieId }, call, turn);
    if (outcome.status === 'approved') return runToolCall(call, turn);
    return runToolCall(call, turn, { status: outcome.status === 'denied' ? 'denied' : 'expired', note: outcome.note });
  };

  let runCostMicroUsd = 0;
  for (let turn = 1; ; turn++) {
    // The run's cost cap, from what the model activities reported (deterministic on replay).
    const costMicroUsd = runCostMicroUsd + childrenCostMicroUsd;
    if (plan.maxCostPerRunMicroUsd !== undefined && costMicroUsd >= plan.maxCostPerRunMicroUsd) {
      const asked = childrenCostMicroUsd ? ` ($${childrenCostMicroUsd / 1_000_000} of it the genies it asked)` : '';
      return failed(
        RUN_ERROR.budgetExceeded,
        `Stopped before turn ${turn}: the run cost $${costMicroUsd / 1_000_000}${asked}, max_cost_per_run_usd is $${plan.maxCostPerRunMicroUsd / 1_000_000}.`
      );
    }
    state.turn = turn;
    const reply = await askModel({ input, plan, state, ...waits }, turn);
    addUsage(state.usage, reply.usage);
    if (reply.runCostMicroUsd !== undefined) runCostMicroUsd = reply.runCostMicroUsd;
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
